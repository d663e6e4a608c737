"""The memory cgroup of this process and its limit (v2 ``memory.max``,
v1 ``memory.limit_in_bytes``).  Since Linux 5.11 BPF maps and programs are
charged to it (kernel/bpf/syscall.c: ``bpf_map_kmalloc_node`` with
``__GFP_ACCOUNT``), so its limit is what can make a map create fail (ENOMEM)."""

from __future__ import annotations

import os
import posixpath

from bpfdoctor.host._files import read_text
from bpfdoctor.host.mounts import Mount, read_mounts
from bpfdoctor.record import record

# v1 reports "no limit" as PAGE_COUNTER_MAX pages: anything this large is unlimited.
V1_UNLIMITED = 1 << 62


@record
class MemoryCgroup:
    """The memory cgroup of this process and the limit BPF memory counts
    against; ``usage`` in bytes, None when unreadable."""

    version: int  # 1 or 2
    path: str  # cgroup path as in /proc/self/cgroup
    directory: str  # where its files are, on the host
    limit: int | None  # bytes, the tightest limit of it and its ancestors; None: unlimited
    limit_at: str | None  # the cgroup that sets that limit
    usage: int | None


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """``/proc/self/cgroup`` -> {controller: path}; the v2 entry is keyed ``""``."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for ctrl in parts[1].split(",") if parts[1] else [""]:
            out[ctrl] = parts[2]
    return out


def _parse_limit(text: str | None, version: int) -> int | None:
    if text is None:
        return None
    text = text.strip()
    if text == "max":
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return None if version == 1 and value >= V1_UNLIMITED else value


def _mount_for(mounts: list[Mount], version: int) -> Mount | None:
    for m in mounts:
        if version == 1 and m.fstype == "cgroup" and "memory" in m.super_options.split(","):
            return m
        if version == 2 and m.fstype == "cgroup2":
            return m
    return None


def _walk(root, mount: Mount, path: str, version: int) -> tuple[str, int | None, str | None, int | None]:
    limit_file, usage_file = (("memory.max", "memory.current") if version == 2
                              else ("memory.limit_in_bytes", "memory.usage_in_bytes"))
    rel = posixpath.relpath(path, mount.root) if mount.root != "/" else path.lstrip("/")
    rel = "" if rel == "." else rel
    directory = posixpath.join(mount.mount_point, rel)
    usage_text = read_text(root, posixpath.join(directory, usage_file))
    usage = int(usage_text) if usage_text and usage_text.strip().isdigit() else None
    best, best_at = None, None
    current = rel
    while True:
        d = posixpath.join(mount.mount_point, current)
        lim = _parse_limit(read_text(root, posixpath.join(d, limit_file)), version)
        if lim is not None and (best is None or lim < best):
            best, best_at = lim, posixpath.join(mount.root, current) if current else mount.root
        if not current:
            break
        current = posixpath.dirname(current)
    return directory, best, best_at, usage


def read_memory_cgroup(root: str | os.PathLike = "/") -> MemoryCgroup | None:
    """This process's memory cgroup (v1 memory controller if bound, else v2)."""
    text = read_text(root, "/proc/self/cgroup")
    if text is None:
        return None
    entries = parse_proc_cgroup(text)
    mounts = read_mounts(root)
    if "memory" in entries:
        version, path = 1, entries["memory"]
    elif "" in entries:
        version, path = 2, entries[""]
    else:
        return None
    mount = _mount_for(mounts, version)
    if mount is None:
        return None
    if version == 2:
        controllers = read_text(root, posixpath.join(mount.mount_point, "cgroup.controllers")) or ""
        if "memory" not in controllers.split():
            return None
    directory, limit, limit_at, usage = _walk(root, mount, path, version)
    return MemoryCgroup(version, path, directory, limit, limit_at, usage)
