"""Tracing views of the host: tracefs, tracepoints, kallsyms, ftrace's
list of traceable functions, perf PMUs.  Read-only; every reader takes
``root`` so tests use fake ``/proc`` and ``/sys`` trees written in the
kernel's own formats.

Formats:

- ``/proc/kallsyms``: ``ADDR TYPE NAME[\\t[MODULE]]`` (kernel/kallsyms.c
  ``s_show``); compiler clones keep the name with a suffix
  (``foo.isra.0``, ``foo.constprop.0``, ``foo.part.0``, ``foo.cold``,
  ``foo.llvm.123``), which a kprobe on ``foo`` does not find;
- ``available_filter_functions``: ``NAME`` or ``NAME [MODULE]`` per line
  (kernel/trace/ftrace.c ``t_show``): the functions ftrace (and so
  fentry/kprobe.multi, and kprobes' ftrace fast path) can attach to;
- tracepoints: ``events/CATEGORY/NAME/id`` under the tracefs mount.
"""

from __future__ import annotations

import os
import re

from bpfdoctor.host._files import read_text, under
from bpfdoctor.host.mounts import read_mounts
from bpfdoctor.record import record

TRACEFS_DEFAULT = "/sys/kernel/tracing"
_CLONE = re.compile(r"^(?P<base>[A-Za-z_][A-Za-z0-9_]*)\.(?P<suffix>(isra|constprop|part|cold|llvm|lto_priv|"
                    r"localalias)[.0-9a-z_]*)$")


def tracefs_dir(root: str | os.PathLike = "/") -> str | None:
    """Where tracefs is mounted (a tracefs mount, or ``tracing`` inside a
    mounted debugfs, as libbpf looks for it); None when neither is mounted."""
    mounts = read_mounts(root)
    for m in mounts:
        if m.fstype == "tracefs":
            return m.mount_point
    for m in mounts:
        if m.fstype == "debugfs" and os.path.isdir(under(root, m.mount_point + "/tracing/events")):
            return m.mount_point + "/tracing"
    return None


def tracepoint_id(root: str | os.PathLike, tracefs: str, category: str, name: str) -> int | None:
    """The perf id of tracepoint ``category:name``; None when there is none."""
    text = read_text(root, f"{tracefs}/events/{category}/{name}/id")
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def tracepoint_categories(root: str | os.PathLike, tracefs: str) -> list[str]:
    try:
        return sorted(e.name for e in os.scandir(under(root, tracefs + "/events")) if e.is_dir())
    except OSError:
        return []


def tracepoints_in(root: str | os.PathLike, tracefs: str, category: str) -> list[str]:
    try:
        return sorted(e.name for e in os.scandir(under(root, f"{tracefs}/events/{category}")) if e.is_dir())
    except OSError:
        return []


@record
class Symbol:
    """One ``/proc/kallsyms`` line: name, type letter (``t``, ``T``...) and
    module (None for the kernel itself)."""

    name: str
    type: str
    module: str | None


def kallsyms_matches(root: str | os.PathLike, name: str) -> tuple[list[Symbol], list[Symbol]]:
    """(exact matches, compiler clones) of ``name`` in ``/proc/kallsyms``."""
    text = read_text(root, "/proc/kallsyms") or ""
    exact: list[Symbol] = []
    clones: list[Symbol] = []
    needle = name
    for line in _lines_with(text, needle):
        parts = line.split()
        if len(parts) < 3:
            continue
        sym = Symbol(parts[2], parts[1], parts[3].strip("[]") if len(parts) > 3 else None)
        if sym.name == name:
            exact.append(sym)
        else:
            m = _CLONE.match(sym.name)
            if m and m.group("base") == name:
                clones.append(sym)
    return exact, clones


def _lines_with(text: str, needle: str):
    """Lines of ``text`` that contain ``needle`` (a substring scan, then the line)."""
    start = 0
    while True:
        i = text.find(needle, start)
        if i < 0:
            return
        a = text.rfind("\n", 0, i) + 1
        b = text.find("\n", i)
        b = len(text) if b < 0 else b
        yield text[a:b]
        start = b + 1


def kallsyms_readable(root: str | os.PathLike = "/") -> bool:
    """False when addresses are hidden (kptr_restrict: all zeros) or the file is missing."""
    text = read_text(root, "/proc/kallsyms")
    if not text:
        return False
    first = text.split(None, 1)[0]
    return set(first) != {"0"}


def filter_functions(root: str | os.PathLike, tracefs: str | None) -> set[str] | str:
    """Names in ``available_filter_functions``, or why it cannot be read."""
    if tracefs is None:
        return "tracefs is not mounted"
    try:
        text = under(root, f"{tracefs}/available_filter_functions").read_text(errors="replace")
    except OSError as e:
        return f"{tracefs}/available_filter_functions: {e.strerror}"
    return {line.split()[0] for line in text.splitlines() if line.strip()}


def pmu_type(root: str | os.PathLike, pmu: str) -> int | None:
    """``/sys/bus/event_source/devices/PMU/type`` (kprobe, uprobe, tracepoint ...)."""
    text = read_text(root, f"/sys/bus/event_source/devices/{pmu}/type")
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def interface(root: str | os.PathLike, name: str) -> dict | None:
    """``/sys/class/net/NAME``: ifindex and driver, or None when there is no such interface."""
    base = f"/sys/class/net/{name}"
    idx = read_text(root, base + "/ifindex")
    if idx is None:
        return None
    driver = None
    try:
        driver = os.path.basename(os.readlink(under(root, base + "/device/driver")))
    except OSError:
        # virtual devices (veth, lo, ifb) have no device/driver link: ask ethtool
        driver = ethtool_driver(name) if os.fspath(root) == "/" else None
    return {"name": name, "ifindex": int(idx.strip() or 0), "driver": driver}


def ethtool_driver(name: str) -> str | None:
    """ETHTOOL_GDRVINFO (include/uapi/linux/ethtool.h ``struct ethtool_drvinfo``:
    cmd, then driver[32]) through SIOCETHTOOL on the current network namespace."""
    import ctypes
    import fcntl
    import socket
    import struct

    info = ctypes.create_string_buffer(struct.pack("<I", 3), 196)  # ETHTOOL_GDRVINFO
    ifr = struct.pack("16sP", name.encode()[:15], ctypes.addressof(info))
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            fcntl.ioctl(s.fileno(), 0x8946, ifr)  # SIOCETHTOOL
    except OSError:
        return None
    return info.raw[4:36].split(b"\0", 1)[0].decode(errors="replace") or None
