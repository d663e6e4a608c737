"""Pinning in bpffs, only when the user asks (``--pin DIR``).

DIR must be on a BPF filesystem (statfs f_type BPF_FS_MAGIC, as libbpf.c
``check_path`` checks before bpf_obj_pin); it is created when its parent is.
Programs go to DIR/<program>, maps to DIR/maps/<map> (bpftool's ``prog
loadall ... pinmaps DIR/maps`` layout).  A failure part way removes the pins
made so far: nothing stays pinned that the command did not report.
"""

from __future__ import annotations

import ctypes
import os

from bpfdoctor.errors import SyscallError, UsageError
from bpfdoctor.kernel import objects
from bpfdoctor.lazylog import get_logger

log = get_logger(__name__)

BPF_FS_MAGIC = 0xCAFE4A11
_libc = ctypes.CDLL(None, use_errno=True)


class _StatFs(ctypes.Structure):
    # struct statfs on 64-bit Linux: f_type is the first word; the rest is not read.
    _fields_ = [("f_type", ctypes.c_long), ("_rest", ctypes.c_byte * 112)]


def fs_magic(path: str) -> int | None:
    buf = _StatFs()
    if _libc.statfs(os.fsencode(path), ctypes.byref(buf)) != 0:
        return None
    return buf.f_type & 0xFFFFFFFF


def check_pin_dir(path: str) -> str:
    """The directory to pin into; raises UsageError naming the problem."""
    path = os.path.abspath(path)
    probe = path if os.path.exists(path) else os.path.dirname(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise UsageError(f"{path}: --pin needs a directory, this is a file")
    magic = fs_magic(probe)
    if magic is None:
        raise UsageError(f"{path}: --pin directory (or its parent) does not exist")
    if magic != BPF_FS_MAGIC:
        raise UsageError(f"{path}: not on a BPF filesystem (bpffs); --pin needs a directory under "
                         "a bpffs mount", hint="mount -t bpf bpf /sys/fs/bpf, then --pin /sys/fs/bpf/NAME")
    return path


def _safe(name: str) -> str:
    return name.replace("/", "_") or "_"


class Pins:
    """Pins made so far; ``undo()`` removes them."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.paths: list[str] = []
        self.dirs: list[str] = []

    def _mkdir(self, d: str) -> None:
        if not os.path.isdir(d):
            os.mkdir(d, 0o700)
            self.dirs.append(d)

    def pin(self, fd, name: str, sub: str | None = None) -> str:
        self._mkdir(self.root)
        d = os.path.join(self.root, sub) if sub else self.root
        self._mkdir(d)
        path = os.path.join(d, _safe(name))
        try:
            objects.pin(fd, path)
        except SyscallError as e:
            raise SyscallError(e.command, e.errno, f"pin {path}: {e}") from None
        self.paths.append(path)
        return path

    def undo(self) -> None:
        for p in reversed(self.paths):
            try:
                os.unlink(p)
            except OSError as e:
                log.warning("could not remove pin %s: %s", p, e)
        for d in reversed(self.dirs):
            try:
                os.rmdir(d)
            except OSError:
                pass
        self.paths.clear()
        self.dirs.clear()
