"""Mount tracefs for this process only, never for the host.

``private_tracefs()`` moves the calling process into a new mount namespace
(``unshare(CLONE_NEWNS)``), marks every mount private there so nothing
propagates back (``mount --make-rprivate /``), and mounts tracefs at
/sys/kernel/tracing.  The host's mount table is unchanged; the namespace
ends with the process.  Only on the user's request (``--mount-tracefs``).
"""

from __future__ import annotations

import ctypes
import os

from bpfdoctor.errors import SyscallError

MS_REC, MS_PRIVATE = 0x4000, 1 << 18
CLONE_NEWNS = 0x00020000
_libc = ctypes.CDLL(None, use_errno=True)


def _mount(source: str | None, target: str, fstype: str | None, flags: int) -> None:
    rv = _libc.mount(source.encode() if source else None, target.encode(),
                     fstype.encode() if fstype else None, ctypes.c_ulong(flags), None)
    if rv != 0:
        raise SyscallError(f"mount({target})", ctypes.get_errno())


def find_tracefs(mount: bool = False) -> tuple[str | None, str | None]:
    """(the tracefs directory or None, a note when we had to mount it).

    With ``mount`` and no tracefs mounted, mount one privately
    (``private_tracefs``) and say so."""
    from bpfdoctor.host.tracefs import tracefs_dir

    tfs = tracefs_dir()
    if tfs is not None or not mount:
        return tfs, None
    tfs = private_tracefs()
    return tfs, f"tracefs mounted at {tfs} in a private mount namespace (host unchanged)"


def private_tracefs(target: str = "/sys/kernel/tracing") -> str:
    """Mount tracefs at ``target`` in a private mount namespace of this process."""
    if _libc.unshare(CLONE_NEWNS) != 0:  # os.unshare is Python 3.12+
        err = ctypes.get_errno()
        raise SyscallError("unshare(CLONE_NEWNS)", err,
                           f"cannot make a private mount namespace: {os.strerror(err)}")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tracefs", target, "tracefs", 0)
    return target
