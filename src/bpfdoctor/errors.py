"""The one error hierarchy of bpfdoctor.

Every failure the library reports is a ``BpfDoctorError``.  The CLI is the one
place that turns these into a one-line message and an exit code; hints are
fields, never prints.
"""

from __future__ import annotations

import errno as _errno
import os


class BpfDoctorError(Exception):
    """Base class.  ``str(err)`` is the one-line message the CLI prints."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputError(BpfDoctorError):
    """A file or stream given by the user cannot be used (missing, unreadable)."""

    def __init__(self, path: str | os.PathLike | None, problem: str, *, hint: str | None = None) -> None:
        self.path = None if path is None else os.fspath(path)
        self.problem = problem
        where = f"{self.path}: " if self.path else ""
        super().__init__(f"{where}{problem}", hint=hint)


class ParseError(InputError):
    """Malformed bytes or text.  Carries the file, the section and the offset."""

    def __init__(
        self,
        path: str | os.PathLike | None,
        problem: str,
        *,
        section: str | None = None,
        offset: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.section = section
        self.offset = offset
        parts = []
        if section:
            parts.append(f"section {section}")
        if offset is not None:
            parts.append(f"offset {offset:#x}")
        loc = f" ({', '.join(parts)})" if parts else ""
        super().__init__(path, f"{problem}{loc}", hint=hint)


class UsageError(BpfDoctorError):
    """The request does not make sense (unknown section, bad selector...)."""


class NotFoundError(UsageError):
    """A named thing (program, map, section, type) does not exist."""


class SyscallError(BpfDoctorError):
    """A call into the kernel failed.  Carries the command and errno."""

    def __init__(self, command: str, err: int, message: str | None = None, *, hint: str | None = None) -> None:
        self.command = command
        self.errno = err
        self.errno_name = _errno.errorcode.get(err, f"E{err}") if err != 524 else "ENOTSUPP"
        text = message or f"{command} failed: {self.errno_name} ({os.strerror(err) if err != 524 else 'Operation not supported'})"
        super().__init__(text, hint=hint)


class VerifierError(SyscallError):
    """The verifier rejected a program.  Carries the whole log and a summary."""

    def __init__(self, command: str, err: int, log: str, summary: str, *, program: str | None = None,
                 hint: str | None = None) -> None:
        self.log = log
        self.summary = summary
        self.program = program
        who = f"program {program}: " if program else ""
        super().__init__(command, err, f"{who}verifier rejected the program: {summary}", hint=hint)


class HostError(BpfDoctorError):
    """A host fact could not be read (permission, missing file we require)."""


def input_error(path: str | os.PathLike, err: OSError, kind: str = "a regular file") -> InputError:
    """The one-line error for a user's file that cannot be opened or read."""
    if isinstance(err, IsADirectoryError):
        problem = f"is a directory, not {kind}"
    elif isinstance(err, FileNotFoundError):
        problem = "no such file"
    elif isinstance(err, PermissionError):
        problem = "permission denied"
    else:
        problem = f"cannot read: {err.strerror or err}"
    return InputError(path, problem)


_MAP_ABOVE = 16 << 20  # bytes


def map_input(path: str | os.PathLike, kind: str, check_head=None, head_size: int = 64):
    """A user's file as a read-only bytes-like object, checked before it is read.

    ``check_head(head)`` sees the first ``head_size`` bytes and raises the
    one-line error for a wrong file (bad magic) before anything else is read;
    a regular file is then memory-mapped, so a parser touches only the pages
    it needs and a 2 GB file costs no 2 GB of memory.  Pipes and /proc files
    are read whole."""
    try:
        with open(path, "rb") as f:
            head = f.read(head_size)
            if check_head is not None:
                check_head(head)
            st = os.fstat(f.fileno())
            import stat

            # Small files are read: a mapping keeps a duplicate descriptor
            # open for as long as the object lives.
            if not stat.S_ISREG(st.st_mode) or st.st_size <= _MAP_ABOVE:
                return head + f.read()
            import mmap  # a C extension: loaded only for a file this large

            try:
                return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):
                # sysfs files (/sys/kernel/btf/vmlinux) have a size but no mmap
                return head + f.read()
    except OSError as e:
        raise input_error(path, e, kind) from None


def check_text(path: str | os.PathLike, kind: str, elf_hint: str | None = None) -> None:
    """A log is text: refuse an ELF file or binary data from the first 8 KiB,
    before reading the rest (a library would print screens of binary, a
    sparse file gigabytes of NULs)."""
    try:
        with open(path, "rb") as f:
            head = f.read(8192)
    except OSError as e:
        raise input_error(path, e, kind) from None
    if head[:4] == b"\x7fELF":
        raise InputError(path, f"an ELF file (object or library), not {kind}", hint=elf_hint)
    if b"\0" in head:
        raise InputError(path, f"binary data, not {kind} (it contains NUL bytes)")


def read_bytes(path: str | os.PathLike, kind: str = "a regular file") -> bytes:
    """Read a user's file whole, or raise the matching ``InputError``."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise input_error(path, e, kind) from None
