"""Kernel objects by id and by path: GET_NEXT_ID, GET_FD_BY_ID, OBJ_PIN, OBJ_GET."""

from __future__ import annotations

import ctypes
import errno as E
import os

from bpfdoctor.errors import SyscallError
from bpfdoctor.kernel import syscall
from bpfdoctor.kernel.attrs import GetIdAttr, ObjAttr, used_size
from bpfdoctor.kernel.enums import BpfCmd
from bpfdoctor.kernel.fd import OwnedFd

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:  # the collections package costs prog list 1.5 ms of start-up
    from collections.abc import Iterator


class ObjKind:
    """A kind of kernel object: its name and its (GET_NEXT_ID, GET_FD_BY_ID)
    commands.  The four kinds are ``ObjKind.PROG``, ``MAP``, ``BTF``, ``LINK``
    (plain constants: ``enum`` costs ``prog list`` 8 ms of start-up)."""

    __slots__ = ("name", "value")

    def __init__(self, name: str, next_id: BpfCmd, fd_by_id: BpfCmd) -> None:
        self.name, self.value = name, (next_id, fd_by_id)

    def __repr__(self) -> str:
        return f"<ObjKind.{self.name}>"


ObjKind.PROG = ObjKind("PROG", BpfCmd.PROG_GET_NEXT_ID, BpfCmd.PROG_GET_FD_BY_ID)
ObjKind.MAP = ObjKind("MAP", BpfCmd.MAP_GET_NEXT_ID, BpfCmd.MAP_GET_FD_BY_ID)
ObjKind.BTF = ObjKind("BTF", BpfCmd.BTF_GET_NEXT_ID, BpfCmd.BTF_GET_FD_BY_ID)
ObjKind.LINK = ObjKind("LINK", BpfCmd.LINK_GET_NEXT_ID, BpfCmd.LINK_GET_FD_BY_ID)


class KernelObject(OwnedFd):
    """A descriptor opened by id or from a pin; ``kind`` says what it is."""

    __slots__ = ("obj_kind",)

    def __init__(self, fd: int, obj_kind: ObjKind | None = None) -> None:
        super().__init__(fd)
        self.obj_kind = obj_kind

    @property
    def kind(self) -> str:  # type: ignore[override]
        return self.obj_kind.name.lower() if self.obj_kind else "object"


def next_id(kind: ObjKind, start: int = 0) -> int | None:
    """The first id of ``kind`` above ``start``; None when there is none."""
    attr = GetIdAttr(start_id=start)
    try:
        syscall.bpf(kind.value[0], attr, used_size(attr))
    except SyscallError as e:
        if e.errno == E.ENOENT:
            return None
        raise
    return attr.next_id


def ids(kind: ObjKind) -> Iterator[int]:
    """Every id of ``kind`` loaded now, in order."""
    current = next_id(kind, 0)
    while current is not None:
        yield current
        current = next_id(kind, current)


def fd_by_id(kind: ObjKind, obj_id: int, open_flags: int = 0) -> KernelObject:
    """Open an object by id (needs CAP_SYS_ADMIN).  ENOENT if it went away."""
    attr = GetIdAttr(start_id=obj_id, open_flags=open_flags)
    return KernelObject(syscall.bpf(kind.value[1], attr, GetIdAttr.end_of("open_flags")), kind)


def try_fd_by_id(kind: ObjKind, obj_id: int, open_flags: int = 0) -> KernelObject | None:
    """``fd_by_id``, or None if the object went away (ENOENT) since its id was listed."""
    try:
        return fd_by_id(kind, obj_id, open_flags)
    except SyscallError as e:
        if e.errno == E.ENOENT:
            return None
        raise


def open_all(kind: ObjKind, open_flags: int = 0) -> Iterator[KernelObject]:
    """A descriptor of every object of ``kind`` still there when reached
    (each owned by the caller)."""
    for obj_id in ids(kind):
        fd = try_fd_by_id(kind, obj_id, open_flags)
        if fd is not None:
            yield fd


def open_matching(kind: ObjKind, match, open_flags: int = 0) -> list[KernelObject]:
    """Descriptors of every object of ``kind`` for which ``match(fd)`` is
    true (owned by the caller); the others are closed."""
    found = []
    for fd in open_all(kind, open_flags):
        if match(fd):
            found.append(fd)
        else:
            fd.close()
    return found


def pin(fd: int | OwnedFd, path: str | os.PathLike) -> None:
    """Pin an object in bpffs (the pin outlives us: only on the user's request)."""
    raw = os.fsencode(os.fspath(path)) + b"\0"
    buf = ctypes.create_string_buffer(raw, len(raw))
    attr = ObjAttr(pathname=ctypes.addressof(buf), bpf_fd=fd.fd if isinstance(fd, OwnedFd) else fd)
    syscall.bpf(BpfCmd.OBJ_PIN, attr, used_size(attr))


def obj_get(path: str | os.PathLike, file_flags: int = 0) -> KernelObject:
    """Open a pinned object."""
    raw = os.fsencode(os.fspath(path)) + b"\0"
    buf = ctypes.create_string_buffer(raw, len(raw))
    attr = ObjAttr(pathname=ctypes.addressof(buf), file_flags=file_flags)
    return KernelObject(syscall.bpf(BpfCmd.OBJ_GET, attr, used_size(attr)))
