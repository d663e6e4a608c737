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
import os
import stat

from bpfdoctor.errors import SyscallError
from bpfdoctor.host.mounts import mounts_of, read_mounts
from bpfdoctor.kernel import info as kinfo
from bpfdoctor.kernel import objects
from bpfdoctor.kernel.prog_select import fd_kind
from bpfdoctor.lazylog import get_logger
from bpfdoctor.record import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:  # (collections.abc is no import of the prog list path)
    from collections.abc import Callable

log = get_logger(__name__)
_PROG_LINK = "anon_inode:bpf-prog"


@record
class ProcRef:
    """A process holding a descriptor of a BPF object: pid and command name."""

    pid: int
    comm: str


def bpf_mount_points() -> list[str]:
    """Mount points of every bpf filesystem, in mount-table order."""
    return [m.mount_point for m in mounts_of(read_mounts(), "bpf")]


def pinned_programs(mount_points: list[str] | None = None) -> dict[int, list[str]]:
    """program id -> pinned paths, in walk order."""
    return pinned_ids("prog", lambda fd: kinfo.prog_info(fd, arrays=None).id, mount_points)


def pinned_ids(kind: str, id_of, mount_points: list[str] | None = None,
               file_flags: int = 0) -> dict[int, list[str]]:
    """object id -> pinned paths, in walk order, for the pins of ``kind``
    ("prog", "map", "link"); ``id_of(fd)`` reads the id from a descriptor."""
    table: dict[int, list[str]] = {}
    for top in bpf_mount_points() if mount_points is None else mount_points:
        for path in walk_files(top):
            obj_id = _pinned_id(path, kind, id_of, file_flags)
            if obj_id is not None:
                table.setdefault(obj_id, []).append(path)
    return table


def walk_files(top: str):
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
                yield from walk_files(entry.path)
            elif stat.S_ISREG(mode):
                yield entry.path


def _pinned_id(path: str, kind: str, id_of, file_flags: int) -> int | None:
    try:
        fd = objects.obj_get(path, file_flags)
    except SyscallError as e:
        if e.errno not in (E.ENOENT, E.EPERM, E.EACCES, E.EINVAL):
            log.debug("BPF_OBJ_GET %s: %s", path, e)
        return None
    with fd:
        if fd_kind(fd.fd) != kind:
            return None
        return id_of(fd)


def program_holders() -> dict[int, list[ProcRef]]:
    """program id -> processes with a descriptor of it (each pid once, pid order)."""
    return fd_holders(_PROG_LINK, "prog_id")


def fd_holders(link: str, id_field: str) -> dict[int, list[ProcRef]]:
    """object id -> processes holding a descriptor whose ``/proc/<pid>/fd``
    link reads ``link`` (``anon_inode:bpf-prog``, ``anon_inode:bpf-map``),
    the id taken from the ``id_field`` line of its fdinfo; each pid once,
    in pid order."""
    table: dict[int, list[ProcRef]] = {}
    denied = 0
    for name in _pids():
        try:
            ids = _held_ids(name, link, id_field)
        except PermissionError:
            denied += 1
            continue
        if not ids:
            continue
        ref = ProcRef(int(name), process_comm(name))
        for obj_id in ids:
            table.setdefault(obj_id, []).append(ref)
    if denied:
        log.info("%d process(es) could not be inspected for %s descriptors", denied, link)
    return table


def processes_with(match: Callable[[str], bool]) -> list[ProcRef]:
    """The processes holding a descriptor whose ``/proc/<pid>/fd`` link
    satisfies ``match`` (``trace_pipe``'s reader), in pid order; those we
    may not inspect are skipped."""
    out = []
    for name in _pids():
        try:
            links = _fd_links(name)
        except PermissionError:
            continue
        if any(match(target) for _, target in links):
            out.append(ProcRef(int(name), process_comm(name)))
    return out


def _pids() -> list[str]:
    return sorted((n for n in os.listdir("/proc") if n.isdigit()), key=int)


def _fd_links(pid: str) -> list[tuple[str, str]]:
    """(fd, link target) of each descriptor of ``pid``; [] once it has
    exited; PermissionError when we may not look."""
    base = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(base)
    except FileNotFoundError:  # exited
        return []
    out = []
    for fd in fds:
        try:
            out.append((fd, os.readlink(f"{base}/{fd}")))
        except OSError:
            continue
    return out


def _held_ids(pid: str, link: str, id_field: str) -> list[int]:
    found: list[int] = []
    for fd, target in _fd_links(pid):
        if target != link:
            continue
        obj_id = _fdinfo_id(pid, fd, id_field)
        if obj_id is not None and obj_id not in found:
            found.append(obj_id)
    return found


def _fdinfo_id(pid: str, fd: str, id_field: str) -> int | None:
    prefix = id_field + ":"
    try:
        with open(f"/proc/{pid}/fdinfo/{fd}") as f:
            for line in f:
                if line.startswith(prefix):
                    return int(line.split(":", 1)[1])
    except (OSError, ValueError):
        return None
    return None


def process_comm(pid: str | int) -> str:
    """The process's command name, or "" when it is gone or hidden."""
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().rstrip("\n")
    except OSError:
        return ""
