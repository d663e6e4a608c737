"""BPF_PROG_LOAD and BPF_PROG_TEST_RUN."""

from __future__ import annotations

import ctypes
import errno as E
from collections.abc import Sequence
from bpfdoctor.record import record

from bpfdoctor.errors import SyscallError, VerifierError
from bpfdoctor.kernel import syscall
from bpfdoctor.kernel.attrs import ProgLoadAttr, TestRunAttr, used_size
from bpfdoctor.kernel.enums import BpfCmd, ProgType
from bpfdoctor.kernel.fd import OwnedFd
from bpfdoctor.kernel.log import LogBuffer, summarize
from bpfdoctor.kernel.maps import _name_bytes

INSN_SIZE = 8
_NO_LOG_HELPS = (E.EPERM, E.ENOMEM, E.E2BIG, E.ENOSYS, E.EBADF)


@record
class TestRunResult:
    """What BPF_PROG_TEST_RUN returned: the program's return value, the mean
    time per run in ns (the kernel's ``duration``), and the data and context
    as the program left them."""

    retval: int
    duration_ns: int
    data_out: bytes
    ctx_out: bytes


class Program(OwnedFd):
    """An owned program descriptor with the verifier's log of its load."""

    __slots__ = ("prog_type", "name", "log", "log_true_size")
    kind = "program"

    def __init__(self, fd: int, prog_type: int, name: str = "", log: str = "", log_true_size: int = 0):
        super().__init__(fd)
        self.prog_type = ProgType(prog_type)
        self.name, self.log, self.log_true_size = name, log, log_true_size

    def test_run(self, data: bytes = b"", *, ctx: bytes = b"", repeat: int = 1,
                 data_out_size: int | None = None, ctx_out_size: int = 0, flags: int = 0,
                 cpu: int = 0) -> TestRunResult:
        """BPF_PROG_TEST_RUN: run the program once (or ``repeat`` times) on ``data``."""
        din = ctypes.create_string_buffer(data, max(1, len(data)))
        out_size = len(data) if data_out_size is None else data_out_size
        dout = ctypes.create_string_buffer(max(1, out_size))
        cin = ctypes.create_string_buffer(ctx, max(1, len(ctx)))
        cout = ctypes.create_string_buffer(max(1, ctx_out_size))
        attr = TestRunAttr(prog_fd=self.fd, repeat=repeat, flags=flags, cpu=cpu)
        if data:
            attr.data_in, attr.data_size_in = ctypes.addressof(din), len(data)
        if out_size:
            attr.data_out, attr.data_size_out = ctypes.addressof(dout), out_size
        if ctx:
            attr.ctx_in, attr.ctx_size_in = ctypes.addressof(cin), len(ctx)
        if ctx_out_size:
            attr.ctx_out, attr.ctx_size_out = ctypes.addressof(cout), ctx_out_size
        syscall.bpf(BpfCmd.PROG_TEST_RUN, attr, used_size(attr))
        return TestRunResult(attr.retval, attr.duration, dout.raw[: min(attr.data_size_out, out_size)],
                             cout.raw[: min(attr.ctx_size_out, ctx_out_size)])


def _pointer(data: bytes | None, keep: list) -> int:
    if not data:
        return 0
    buf = ctypes.create_string_buffer(data, len(data))
    keep.append(buf)
    return ctypes.addressof(buf)


def _attempt(attr: ProgLoadAttr, log: LogBuffer | None, level: int) -> tuple[int, int]:
    if log is None:
        attr.log_buf = attr.log_size = attr.log_level = 0
        return syscall.invoke(BpfCmd.PROG_LOAD, ctypes.addressof(attr), used_size(attr))
    attr.log_buf, attr.log_size, attr.log_level = log.address, log.size, level
    attr.log_true_size = 0
    rv, err = syscall.invoke(BpfCmd.PROG_LOAD, ctypes.addressof(attr), ProgLoadAttr.end_of("log_true_size"))
    if err == E.E2BIG:
        # Before 6.4 the kernel does not know log_true_size and refuses the longer attr.
        rv, err = syscall.invoke(BpfCmd.PROG_LOAD, ctypes.addressof(attr), used_size(attr))
    return rv, err


def load_program(prog_type: int, insns: bytes, license: str = "GPL", *, name: str = "",
                 expected_attach_type: int = 0, attach_btf_id: int = 0, attach_btf_obj_fd: int = 0,
                 attach_prog_fd: int = 0, prog_btf_fd: int = 0, func_info: bytes = b"",
                 func_info_rec_size: int = 0, line_info: bytes = b"", line_info_rec_size: int = 0,
                 kern_version: int = 0, prog_flags: int = 0, fd_array: Sequence[int] = (),
                 log_level: int = 0, log_size: int = 1 << 20, ifindex: int = 0) -> Program:
    """Load a program.  ``insns`` is the raw instruction bytes.

    With ``log_level`` 0 the load is tried without a log (fast) and, if the
    verifier refuses, retried once at level 1 so the error carries the log.
    Raises ``VerifierError`` (with the log) or ``SyscallError`` (no log: EPERM...).
    """
    attr, _keep = prog_load_attr(prog_type, insns, license, name=name, expected_attach_type=expected_attach_type,
                                 attach_btf_id=attach_btf_id, attach_btf_obj_fd=attach_btf_obj_fd,
                                 attach_prog_fd=attach_prog_fd, prog_btf_fd=prog_btf_fd, func_info=func_info,
                                 func_info_rec_size=func_info_rec_size, line_info=line_info,
                                 line_info_rec_size=line_info_rec_size, kern_version=kern_version,
                                 prog_flags=prog_flags, fd_array=fd_array, ifindex=ifindex)
    log = LogBuffer(log_size) if log_level else None
    rv, err = _attempt(attr, log, log_level)
    if rv < 0 and log is not None and err == E.ENOSPC and attr.log_true_size > log.size:
        log = LogBuffer(attr.log_true_size)  # the kernel told us the size it needs
        rv, err = _attempt(attr, log, log_level)
    if rv < 0 and log is None and err not in _NO_LOG_HELPS:
        log = LogBuffer(log_size)
        rv, err = _attempt(attr, log, 1)
    text = log.text() if log is not None else ""
    if rv < 0:
        if text:
            raise VerifierError("bpf(PROG_LOAD)", err, text, summarize(text), program=name or None)
        raise SyscallError("bpf(PROG_LOAD)", err)
    return Program(rv, prog_type, name, text, attr.log_true_size)


def prog_load_attr(prog_type: int, insns: bytes, license: str = "GPL", *, name: str = "",
                   expected_attach_type: int = 0, attach_btf_id: int = 0, attach_btf_obj_fd: int = 0,
                   attach_prog_fd: int = 0, prog_btf_fd: int = 0, func_info: bytes = b"",
                   func_info_rec_size: int = 0, line_info: bytes = b"", line_info_rec_size: int = 0,
                   kern_version: int = 0, prog_flags: int = 0, fd_array: Sequence[int] = (),
                   ifindex: int = 0) -> tuple[ProgLoadAttr, list]:
    """The BPF_PROG_LOAD attributes for these arguments, without the log, and
    the buffers they point into (keep them as long as the attributes).  No
    system call; ``ValueError`` if ``insns`` is not whole instructions."""
    if len(insns) % INSN_SIZE:
        raise ValueError(f"instructions are {len(insns)} bytes, not a multiple of {INSN_SIZE}")
    keep: list = []
    attr = ProgLoadAttr(prog_type=int(prog_type), insn_cnt=len(insns) // INSN_SIZE,
                        kern_version=kern_version, prog_flags=prog_flags, prog_name=_name_bytes(name),
                        prog_ifindex=ifindex, expected_attach_type=int(expected_attach_type),
                        prog_btf_fd=prog_btf_fd, attach_btf_id=attach_btf_id,
                        attach_btf_obj_fd=attach_btf_obj_fd or attach_prog_fd)
    attr.insns = _pointer(insns, keep)
    attr.license = _pointer(license.encode() + b"\0", keep)
    if func_info:
        attr.func_info, attr.func_info_rec_size = _pointer(func_info, keep), func_info_rec_size
        attr.func_info_cnt = len(func_info) // func_info_rec_size
    if line_info:
        attr.line_info, attr.line_info_rec_size = _pointer(line_info, keep), line_info_rec_size
        attr.line_info_cnt = len(line_info) // line_info_rec_size
    if fd_array:
        attr.fd_array = _pointer(bytes((ctypes.c_int32 * len(fd_array))(*fd_array)), keep)
    return attr, keep
