"""Finding loaded programs the way bpftool's ``PROG`` argument does.

``id N``, ``name NAME``, ``tag TAG`` or ``pinned PATH``
(tools/bpf/bpftool/prog.c ``prog_parse_fds``/``prog_fd_by_nametag``): a name
or tag may match several programs, each is opened by id.  Every descriptor
returned is owned by the caller (close it, or use ``with``).
"""

from __future__ import annotations

import errno as E
import os

from bpfdoctor.errors import BpfDoctorError, NotFoundError, SyscallError, UsageError
from bpfdoctor.kernel import info as kinfo
from bpfdoctor.kernel import objects
from bpfdoctor.kernel.objects import KernelObject, ObjKind
from bpfdoctor.record import record

KINDS = ("id", "name", "tag", "pinned")
NAME_LEN = 16  # BPF_OBJ_NAME_LEN


@record
class Selector:
    """A ``PROG`` argument: ``kind`` (id, name, tag, pinned) and ``value`` as
    given (a tag in lower case)."""

    kind: str
    value: str
    number: int = 0  # the id, for ``id``

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


U32_MAX = 0xFFFFFFFF


def parse_id(what: str, value: str) -> int:
    """An object id as bpftool reads it (``strtoul(value, &end, 0)`` and the
    whole word): decimal, ``0x`` hexadecimal or ``0`` octal; ids are u32.  A
    one-line UsageError names ``what`` ("program", "map") otherwise."""
    text = value.lower()
    base, digits = 10, text
    if text.startswith("0x"):
        base, digits = 16, text[2:]
    elif len(text) > 1 and text.startswith("0"):
        base, digits = 8, text[1:]
    allowed = "0123456789abcdef"[:base]
    if not digits or any(c not in allowed for c in digits):
        raise UsageError(f"bad {what} id {value!r}: expected a number")
    # leading zeros aside, an id in range has at most 11 digits (octal)
    if len(digits.lstrip("0")) > 11 or int(digits, base) > U32_MAX:
        raise UsageError(f"bad {what} id {value!r}: ids run from 0 to {U32_MAX}")
    return int(digits, base)


def parse_selector(words: tuple[str, ...] | list[str]) -> Selector:
    """``("id", "12")`` -> Selector; a one-line UsageError otherwise."""
    if len(words) != 2:
        raise UsageError(f"PROG is two words ({'|'.join(KINDS)} VALUE), got {' '.join(words) or 'nothing'!r}")
    kind, value = words[0], words[1]
    if kind not in KINDS:
        raise UsageError(f"unknown program selector {kind!r}: expected one of {', '.join(KINDS)}")
    if kind == "id":
        return Selector(kind, value, parse_id("program", value))
    if kind == "tag":
        tag = value.lower()
        if len(tag) != 16 or any(c not in "0123456789abcdef" for c in tag):
            raise UsageError(f"bad program tag {value!r}: expected 16 hex digits")
        return Selector(kind, tag)
    if kind == "name" and not value:
        raise UsageError("empty program name")
    return Selector(kind, value)


def open_programs(sel: Selector) -> list[KernelObject]:
    """Descriptors of the programs ``sel`` names; NotFoundError if none."""
    if sel.kind == "id":
        return [open_by_id(sel.number)]
    if sel.kind == "pinned":
        return [open_pinned(sel.value)]
    found = objects.open_matching(ObjKind.PROG, lambda fd: _matches(fd, sel))
    if not found:
        raise NotFoundError(f"no loaded program has {sel}")
    return found


def is_selector(words) -> bool:
    """Whether ``words`` name a loaded program (``KIND VALUE`` or a bare id)
    rather than, say, an object file."""
    return (len(words) == 2 and words[0] in KINDS) or (len(words) == 1 and words[0].isascii()
                                                       and words[0].isdigit())


def open_one(words) -> KernelObject:
    """The one program ``words`` names (a bare number is an id); a
    UsageError listing the ids when a name or tag matches several."""
    if len(words) == 1:
        words = ("id", words[0])
    fds = open_programs(parse_selector(tuple(words)))
    if len(fds) > 1:
        ids = []
        for fd in fds:
            ids.append(str(kinfo.prog_info(fd, arrays=None).id))
            fd.close()
        raise UsageError(f"{' '.join(words)} matches {len(ids)} programs (ids {', '.join(ids)}): pick one by id")
    return fds[0]


def open_by_id(prog_id: int) -> KernelObject:
    try:
        return objects.fd_by_id(ObjKind.PROG, prog_id)
    except SyscallError as e:
        if e.errno == E.ENOENT:
            raise NotFoundError(f"no program with id {prog_id} is loaded") from None
        raise


def open_pinned(path: str) -> KernelObject:
    """bpftool ``open_obj_pinned_any``: the pin must be a program."""
    return open_pinned_kind(path, "prog")


_PIN_NOUN = {"prog": "program", "map": "map", "link": "link"}


def open_pinned_kind(path: str, kind: str, file_flags: int = 0) -> KernelObject:
    """The pinned object at ``path``, which must be of ``kind`` ("prog",
    "map", "link"); one-line errors for a directory, a missing file, a file
    that is not a pin, or a pin of another kind."""
    noun = _PIN_NOUN[kind]
    if os.path.isdir(path):
        raise UsageError(f"{path}: is a directory, not a pinned {noun}")
    try:
        fd = objects.obj_get(path, file_flags=file_flags)
    except SyscallError as e:
        why = {E.ENOENT: "no such file", E.EPERM: "not a BPF object or no permission",
               E.EACCES: "permission denied", E.EINVAL: "not on a bpf filesystem"}.get(e.errno, e.errno_name)
        if e.errno in (E.ENOENT, E.EINVAL, E.EACCES) and os.path.exists(path):
            # kernel/bpf/inode.c bpf_inode_type: EACCES for a file in bpffs that is not a pin
            why = f"not a pinned BPF object ({e.errno_name})"
        raise NotFoundError(f"{path}: cannot open pinned object: {why}") from None
    got = fd_kind(fd.fd)
    if got != kind:
        fd.close()
        raise UsageError(f"{path}: pinned object is a {got or 'non-BPF file'}, not a {noun}")
    fd.obj_kind = {"prog": ObjKind.PROG, "map": ObjKind.MAP, "link": ObjKind.LINK}[kind]
    return fd


def fd_kind(fd: int) -> str | None:
    """bpftool common.c ``get_fd_type``: ``anon_inode:bpf-prog`` -> "prog"."""
    try:
        link = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None
    for kind in ("prog", "map", "link"):
        if link == f"anon_inode:bpf-{kind}":
            return kind
    return None


def _matches(fd: KernelObject, sel: Selector) -> bool:
    rec = kinfo.prog_info(fd, arrays=None)
    if sel.kind == "tag":
        return rec.tag == sel.value
    if rec.name == sel.value:  # the kernel's (at most 15-character) name, as bpftool 7.1
        return True
    # A longer NAME must be the full BTF name (newer bpftool matches it too).
    return len(sel.value) >= NAME_LEN - 1 and sel.value.startswith(rec.name) and full_name(fd, rec) == sel.value


def full_name(fd: int | KernelObject, rec: kinfo.ProgInfoRecord) -> str:
    """bpftool common.c ``get_prog_full_name``: a 15-character name is
    completed from the BTF name of the program's first func_info record."""
    if len(rec.name) < NAME_LEN - 1 or not rec.btf_id:
        return rec.name
    from bpfdoctor.kernel.prog_btf import program_btf

    finfo = kinfo.prog_info(fd, arrays=frozenset({"func_info"}))
    if len(finfo.func_info) < 8:
        return rec.name
    type_id = int.from_bytes(finfo.func_info[4:8], "little")
    btf = program_btf(rec.btf_id)
    if btf is None:
        return rec.name
    try:
        t = btf.type(type_id)
    except BpfDoctorError:  # a bad id: keep the kernel's name, as bpftool does
        return rec.name
    return t.name if t.kind.name == "FUNC" and t.name else rec.name
