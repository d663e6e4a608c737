"""BPF_BTF_LOAD: hand raw BTF to the kernel, with its log on failure."""

from __future__ import annotations

import ctypes
import errno as E

from bpfdoctor.errors import SyscallError, VerifierError
from bpfdoctor.kernel import syscall
from bpfdoctor.kernel.attrs import BtfLoadAttr, used_size
from bpfdoctor.kernel.enums import BpfCmd
from bpfdoctor.kernel.fd import OwnedFd
from bpfdoctor.kernel.log import LogBuffer, summarize


class Btf(OwnedFd):
    __slots__ = ("log",)
    kind = "btf"

    def __init__(self, fd: int, log: str = "") -> None:
        super().__init__(fd)
        self.log = log


def _try(data: bytes, log: LogBuffer | None, level: int) -> tuple[int, int, BtfLoadAttr]:
    blob = ctypes.create_string_buffer(data, len(data))
    attr = BtfLoadAttr(btf=ctypes.addressof(blob), btf_size=len(data))
    if log is not None:
        attr.btf_log_buf, attr.btf_log_size, attr.btf_log_level = log.address, log.size, level
    size = BtfLoadAttr.end_of("btf_log_true_size") if log is not None else used_size(attr)
    rv, err = syscall.invoke(BpfCmd.BTF_LOAD, ctypes.addressof(attr), size)
    if err == E.E2BIG and log is not None:
        # Pre-6.4 kernels do not know btf_log_true_size: it must not be passed.
        size = BtfLoadAttr.end_of("btf_log_level")
        rv, err = syscall.invoke(BpfCmd.BTF_LOAD, ctypes.addressof(attr), size)
    return rv, err, attr


def load_btf(data: bytes, *, log_level: int = 0, log_size: int = 1 << 20) -> Btf:
    """Load raw BTF.  With ``log_level`` 0 the load is retried with a log on
    failure, so a rejection always carries the kernel's reason."""
    log = LogBuffer(log_size) if log_level else None
    rv, err, _ = _try(data, log, log_level)
    if rv < 0 and log is None and err not in (E.EPERM, E.ENOMEM, E.ENOSYS):
        log = LogBuffer(log_size)
        rv, err, _ = _try(data, log, 1)
    text = log.text() if log is not None else ""
    if rv < 0:
        if text:
            raise VerifierError("bpf(BTF_LOAD)", err, text, summarize(text))
        raise SyscallError("bpf(BTF_LOAD)", err)
    return Btf(rv, text)
