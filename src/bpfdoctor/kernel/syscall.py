"""The one way into ``bpf(2)``.

:func:`invoke` is the single gate: every command in :mod:`bpfdoctor.kernel`
reaches the kernel through it (``bpf()`` is the raising form on top, and the
probes call ``invoke`` directly because most probe loads are *expected* to
fail and an exception per probe would cost more than the syscall).  A test
sees or replaces every call by patching ``bpfdoctor.kernel.syscall.invoke``.

ctypes releases the GIL around foreign calls, so probes can run ``bpf()`` from
several threads at once.
"""

from __future__ import annotations

import ctypes
import os

from bpfdoctor.errors import SyscallError
from bpfdoctor.kernel.enums import BpfCmd
from bpfdoctor.lazylog import get_logger

log = get_logger(__name__)

# __NR_bpf per architecture (arch/*/include/uapi/asm/unistd*.h; the generic
# table include/uapi/asm-generic/unistd.h gives 280 for arm64/riscv/loongarch).
_NR_BPF = {
    "x86_64": 321, "i386": 357, "i686": 357, "aarch64": 280, "arm64": 280,
    "armv7l": 386, "armv6l": 386, "riscv64": 280, "loongarch64": 280,
    "ppc64le": 361, "ppc64": 361, "s390x": 351, "mips64": 5315,
}

_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long
_syscall.argtypes = (ctypes.c_long, ctypes.c_int, ctypes.c_void_p, ctypes.c_uint)
NR_BPF: int | None = _NR_BPF.get(os.uname().machine)  # platform.machine(), without importing platform


def invoke(cmd: int, attr_addr: int, size: int) -> tuple[int, int]:
    """``syscall(SYS_bpf, cmd, attr, size)`` -> (return value, errno).

    The hot path of the probes; never raises.  ``attr_addr`` is the address
    of a buffer that lives for the duration of the call.
    """
    if NR_BPF is None:
        return -1, 38  # ENOSYS: we do not know the syscall number here
    ctypes.set_errno(0)
    rv = _syscall(NR_BPF, cmd, attr_addr, size)
    return rv, (ctypes.get_errno() if rv < 0 else 0)


def bpf(cmd: int, attr: ctypes.Structure | ctypes.Array, size: int | None = None) -> int:
    """Run one bpf() command on ``attr`` (a ctypes object, passed by address).

    ``size`` is how many bytes of ``attr`` the kernel may read (default: all).
    Returns the non-negative result; raises ``SyscallError(command, errno)``.
    """
    n = ctypes.sizeof(attr) if size is None else size
    rv, err = invoke(int(cmd), ctypes.addressof(attr), n)
    if rv < 0:
        name = BpfCmd(int(cmd))._name_
        log.debug("bpf(%s, size=%d) failed: errno %d", name, n, err)
        raise SyscallError(f"bpf({name})", err)
    return rv


def close_fd(fd: int) -> None:
    """Close a descriptor we own; a failure here is not the user's problem."""
    try:
        os.close(fd)
    except OSError as e:  # pragma: no cover - EBADF means a bug of ours
        log.warning("close(%d) failed: %s", fd, e)
