"""Attach a loaded program for real, and detach it: bpf links, perf events,
sockets.  Every attachment is an owned descriptor; closing it detaches
(a bpf link without a pin, a perf event, a socket all go with their last
descriptor), so nothing stays attached after bpfdoctor exits.

Mechanisms (what libbpf uses for each kind):

- raw_tp, tp_btf, fentry/fexit/fmod_ret, lsm: ``BPF_RAW_TRACEPOINT_OPEN``
  (name for raw_tp; the BTF id given at load for the others);
- tracepoint, kprobe: ``perf_event_open`` (tracepoint id from tracefs; the
  ``kprobe`` PMU with the symbol in ``config1``), then ``BPF_LINK_CREATE``
  with ``BPF_PERF_EVENT`` (5.15+), else ``PERF_EVENT_IOC_SET_BPF``;
- xdp: ``BPF_LINK_CREATE`` ``BPF_XDP`` with ``XDP_FLAGS_DRV_MODE`` (native)
  or ``XDP_FLAGS_SKB_MODE`` (generic); tc: tcx links (6.6+,
  ``BPF_TCX_INGRESS``/``EGRESS``); cgroup: ``BPF_LINK_CREATE`` on the
  cgroup directory's descriptor; socket filters: ``SO_ATTACH_BPF``.
"""

from __future__ import annotations

import ctypes
import errno as E
import fcntl
import os
import socket
from ctypes import c_int, c_long, c_uint32, c_uint64, c_uint8

from bpfdoctor.errors import SyscallError
from bpfdoctor.kernel import syscall
from bpfdoctor.kernel.enums import AttachType, BpfCmd
from bpfdoctor.kernel.fd import OwnedFd

BPF_XDP, BPF_PERF_EVENT, BPF_TCX_INGRESS, BPF_TCX_EGRESS = 37, 41, 46, 47
XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE = 2, 4
SO_ATTACH_BPF = 50
PERF_TYPE_TRACEPOINT = 2
PERF_EVENT_IOC_ENABLE, PERF_EVENT_IOC_SET_BPF = 0x2400, 0x40042408
_NR_PERF_EVENT_OPEN = {"x86_64": 298, "aarch64": 241, "riscv64": 241, "s390x": 331, "ppc64le": 319}


class LinkCreateAttr(ctypes.Structure):
    _fields_ = [("prog_fd", c_uint32), ("target_fd", c_uint32), ("attach_type", c_uint32),
                ("flags", c_uint32), ("extra", c_uint8 * 32)]


class RawTpAttr(ctypes.Structure):
    _fields_ = [("name", c_uint64), ("prog_fd", c_uint32), ("_pad", c_uint32), ("cookie", c_uint64)]


class PerfEventAttr(ctypes.Structure):
    """``struct perf_event_attr`` up to ``config2`` (PERF_ATTR_SIZE_VER1, 72 bytes)."""

    _fields_ = [("type", c_uint32), ("size", c_uint32), ("config", c_uint64), ("sample_period", c_uint64),
                ("sample_type", c_uint64), ("read_format", c_uint64), ("flags", c_uint64),
                ("wakeup_events", c_uint32), ("bp_type", c_uint32), ("config1", c_uint64), ("config2", c_uint64)]


class Attachment(OwnedFd):
    """An attached program: closing the descriptor detaches it."""

    __slots__ = ("how", "extra")
    kind = "link"

    def __init__(self, fd: int, how: str, extra: list | None = None) -> None:
        super().__init__(fd)
        self.how = how
        self.extra = extra or []  # other descriptors/objects to close after the link

    def close(self) -> None:
        super().close()
        for x in self.extra:
            x.close()
        self.extra = []


def link_create(prog_fd: int, target_fd: int, attach_type: int, flags: int = 0) -> int:
    attr = LinkCreateAttr(prog_fd=prog_fd, target_fd=target_fd, attach_type=attach_type, flags=flags)
    return syscall.bpf(BpfCmd.LINK_CREATE, attr, 16)


def raw_tracepoint_open(prog_fd: int, name: str | None) -> Attachment:
    buf = ctypes.create_string_buffer(name.encode()) if name else None
    attr = RawTpAttr(name=ctypes.addressof(buf) if buf is not None else 0, prog_fd=prog_fd)
    return Attachment(syscall.bpf(BpfCmd.RAW_TRACEPOINT_OPEN, attr, 16), "raw_tracepoint_open")


def attach_xdp(prog_fd: int, ifindex: int, mode: str) -> Attachment:
    flags = {"native": XDP_FLAGS_DRV_MODE, "generic": XDP_FLAGS_SKB_MODE}[mode]
    return Attachment(link_create(prog_fd, ifindex, BPF_XDP, flags), f"bpf_link xdp ({mode})")


def attach_tcx(prog_fd: int, ifindex: int, direction: str) -> Attachment:
    at = BPF_TCX_EGRESS if direction == "egress" else BPF_TCX_INGRESS
    return Attachment(link_create(prog_fd, ifindex, at), f"bpf_link tcx {direction}")


def attach_cgroup(prog_fd: int, path: str, attach_type: str) -> Attachment:
    at = int(getattr(AttachType, attach_type))
    cg = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return Attachment(link_create(prog_fd, cg, at), f"bpf_link cgroup {attach_type.lower()}")
    finally:
        os.close(cg)


class _Sock:
    def __init__(self, s: socket.socket) -> None:
        self.s = s

    def close(self) -> None:
        self.s.close()


def attach_socket(prog_fd: int) -> Attachment:
    """SO_ATTACH_BPF on a fresh UDP socket (the filter lives as long as the socket)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_BPF, prog_fd)
    except OSError as e:
        s.close()
        raise SyscallError("setsockopt(SO_ATTACH_BPF)", e.errno) from None
    return Attachment(os.dup(s.fileno()), "SO_ATTACH_BPF on a UDP socket", [_Sock(s)])


_libc = ctypes.CDLL(None, use_errno=True)


def perf_event_open(attr: PerfEventAttr, pid: int = -1, cpu: int = 0) -> int:
    nr = _NR_PERF_EVENT_OPEN.get(os.uname().machine)
    if nr is None:
        raise SyscallError("perf_event_open", E.ENOSYS)
    attr.size = ctypes.sizeof(attr)
    ctypes.set_errno(0)
    fd = _libc.syscall(c_long(nr), ctypes.byref(attr), c_int(pid), c_int(cpu), c_int(-1), c_long(8))
    if fd < 0:
        raise SyscallError("perf_event_open", ctypes.get_errno())
    return fd


def attach_perf_event(prog_fd: int, attr: PerfEventAttr, what: str) -> Attachment:
    pfd = perf_event_open(attr)
    pev = OwnedFd(pfd)
    try:
        return Attachment(link_create(prog_fd, pfd, BPF_PERF_EVENT), f"bpf_link perf_event ({what})", [pev])
    except SyscallError as e:
        if e.errno not in (E.EINVAL, E.EOPNOTSUPP):
            pev.close()
            raise
    try:  # before 5.15: the ioctl, and the perf event itself holds the program
        fcntl.ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd)
        fcntl.ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0)
    except OSError as e:
        pev.close()
        raise SyscallError("ioctl(PERF_EVENT_IOC_SET_BPF)", e.errno) from None
    return Attachment(pev.detach(), f"perf_event ioctl ({what})")


def attach_tracepoint(prog_fd: int, tp_id: int) -> Attachment:
    attr = PerfEventAttr(type=PERF_TYPE_TRACEPOINT, config=tp_id, sample_period=1, wakeup_events=1)
    return attach_perf_event(prog_fd, attr, "tracepoint")


def attach_kprobe(prog_fd: int, pmu_type: int, symbol: str, offset: int = 0, retprobe_bit: int | None = None
                  ) -> Attachment:
    """perf_event_open on the kprobe PMU (kernel/trace/trace_event_perf.c ``perf_kprobe_init``)."""
    return _attach_probe(prog_fd, pmu_type, symbol, offset, retprobe_bit, "kprobe")


def attach_uprobe(prog_fd: int, pmu_type: int, path: str, offset: int, retprobe_bit: int | None = None
                  ) -> Attachment:
    """perf_event_open on the uprobe PMU, every process (pid -1), as libbpf
    ``perf_event_open_probe`` does (kernel/trace/trace_event_perf.c ``perf_uprobe_init``)."""
    return _attach_probe(prog_fd, pmu_type, path, offset, retprobe_bit, "uprobe")


def _attach_probe(prog_fd: int, pmu_type: int, name: str, offset: int, retprobe_bit: int | None,
                  what: str) -> Attachment:
    """A kprobe or uprobe PMU event: ``config1`` points at the symbol or path,
    ``config2`` is the offset, and the PMU's ``retprobe`` format bit in
    ``config`` makes it a return probe."""
    buf = ctypes.create_string_buffer(name.encode())
    attr = PerfEventAttr(type=pmu_type, sample_period=1, wakeup_events=1,
                         config1=ctypes.addressof(buf), config2=offset)
    if retprobe_bit is not None:
        attr.config = 1 << retprobe_bit
    att = attach_perf_event(prog_fd, attr, what)
    del buf  # the kernel copied the string in perf_event_open
    return att


ERRNO_BY_KIND = {
    E.EBUSY: "the hook is occupied: another program is attached there (detach it or use replace semantics)",
    E.EEXIST: "the hook is occupied: a program is already attached (XDP/tc allow one per mode without "
              "multi-prog)",
    E.EOPNOTSUPP: "this attach mode is not supported here (for XDP: the driver has no native XDP; for "
                  "kprobe.multi: no CONFIG_FPROBE)",
    524: "ENOTSUPP: the kernel cannot build a BPF trampoline here (fentry/fexit/fmod_ret/lsm need "
         "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS and arch support)",
    E.EINVAL: "the kernel refused the combination: wrong expected attach type for this hook, wrong program "
              "type, or a bad target",
    E.ENOENT: "the target does not exist (no such tracepoint, function or hook)",
    E.ENODEV: "no such network device",
    E.EPERM: "not permitted: capabilities (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN), lockdown "
             "or an LSM refused it",
    E.EACCES: "permission denied (an LSM or file permissions)",
    E.EBADF: "the target descriptor is not of the right kind (cgroup directory, perf event)",
    E.E2BIG: "too many programs attached to this hook",
}


def errno_meaning(err: int, kind: str) -> str:
    if err == E.EOPNOTSUPP and kind == "xdp":
        return "the interface's driver has no native XDP (driver mode): generic mode works on every device"
    if err == E.EINVAL and kind == "xdp":
        return ("EINVAL for XDP: a program of another mode is attached, flags conflict, or the MTU is too "
                "large for XDP on this driver")
    if err == E.EEXIST and kind == "tc":
        return "a tc filter already sits at this priority and handle on the hook (tc filter show dev IF ingress)"
    if err == E.ENOENT and kind == "raw_tp":
        return "no raw tracepoint with that name in this kernel"
    if err == E.EPERM and kind in ("fentry", "fexit", "fmod_ret", "lsm", "freplace"):
        return ("EPERM: this kernel or its security policy forbids BPF trampolines (tracing/LSM/EXT "
                "programs are refused)")
    return ERRNO_BY_KIND.get(err, os.strerror(err))
