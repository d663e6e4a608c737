"""Who refers to a program: pins in bpffs and processes holding descriptors.

Pins: tools/bpf/bpftool/common.c ``build_pinned_obj_table`` walks every
``bpf`` mount with ``nftw(FTW_PHYS)`` (directory order, depth first,
symlinks not followed), opens each regular file with ``BPF_OBJ_GET`` and
keeps those that are programs.

Processes: bpftool's pids.c loads a ``task_file`` BPF iterator (it needs
libbpf skeletons; Debian's bpftool 7.1 is built without them and prints no
pids at all).  We read procfs instead: ``/proc/<pid>/fd/<n>`` links reading
``anon_inode:bpf-prog`` and the ``prog_id:`` line of the matching
``/proc/<pid>/fdinfo/<n>`` (kernel/bpf/syscall.c ``bpf_prog_show_fdinfo``).
Processes we may not inspect (another user's, without CAP_SYS_PTRACE) are
skipped, as the iterator would not skip them: the count is reported.
"""

from __future__ import annotations

import errno as E
import logging
import os
import stat
from dataclasses import dataclass

from bpfdoctor.errors import SyscallError
from bpfdoctor.host.mounts import mounts_of, read_mounts
from bpfdoctor.kernel import info as kinfo
from bpfdoctor.kernel import objects
from bpfdoctor.kernel.prog_select import fd_kind

log = logging.getLogger(__name__)
_PROG_LINK = "anon_inode:bpf-prog"


@dataclass(frozen=True, slots=True)
class ProcRef:
    pid: int
    comm: str


def bpf_mount_points() -> list[str]:
    """Mount points of every bpf filesystem, in mount-table order."""
    return [m.mount_point for m in mounts_of(read_mounts(), "bpf")]


def pinned_programs(mount_points: list[str] | None = None) -> dict[int, list[str]]:
    """program id -> pinned paths, in walk order."""
    table: dict[int, list[str]] = {}
    for top in bpf_mount_points() if mount_points is None else mount_points:
        for path in _walk_files(top):
            prog_id = _pinned_prog_id(path)
            if prog_id is not None:
                table.setdefault(prog_id, []).append(path)
    return table


def _walk_files(top: str):
    """Regular files under ``top`` in nftw's order: each directory entry in
    readdir order, descending into a directory as soon as it is met."""
    try:
        entries = os.scandir(top)
    except OSError as e:
        log.debug("cannot read %s: %s", top, e)
        return
    with entries:
        for entry in entries:
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                continue
            if stat.S_ISDIR(mode):
                yield from _walk_files(entry.path)
            elif stat.S_ISREG(mode):
                yield entry.path


def _pinned_prog_id(path: str) -> int | None:
    try:
        fd = objects.obj_get(path)
    except SyscallError as e:
        if e.errno not in (E.ENOENT, E.EPERM, E.EACCES, E.EINVAL):
            log.debug("BPF_OBJ_GET %s: %s", path, e)
        return None
    with fd:
        if fd_kind(fd.fd) != "prog":
            return None
        return kinfo.prog_info(fd, arrays=None).id


def program_holders() -> dict[int, list[ProcRef]]:
    """program id -> processes with a descriptor of it (each pid once, pid order)."""
    table: dict[int, list[ProcRef]] = {}
    denied = 0
    for name in sorted((n for n in os.listdir("/proc") if n.isdigit()), key=int):
        try:
            ids = _held_prog_ids(name)
        except PermissionError:
            denied += 1
            continue
        if not ids:
            continue
        ref = ProcRef(int(name), _comm(name))
        for prog_id in ids:
            table.setdefault(prog_id, []).append(ref)
    if denied:
        log.info("%d process(es) could not be inspected for program descriptors", denied)
    return table


def _held_prog_ids(pid: str) -> list[int]:
    base = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(base)
    except FileNotFoundError:  # exited
        return []
    found: list[int] = []
    for fd in fds:
        try:
            if os.readlink(f"{base}/{fd}") != _PROG_LINK:
                continue
        except OSError:
            continue
        prog_id = _fdinfo_prog_id(pid, fd)
        if prog_id is not None and prog_id not in found:
            found.append(prog_id)
    return found


def _fdinfo_prog_id(pid: str, fd: str) -> int | None:
    try:
        with open(f"/proc/{pid}/fdinfo/{fd}") as f:
            for line in f:
                if line.startswith("prog_id:"):
                    return int(line.split(":", 1)[1])
    except (OSError, ValueError):
        return None
    return None


def _comm(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().rstrip("\n")
    except OSError:
        return ""
