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
  cgroup directory's descriptor; socket filters: ``SO_ATTACH_BPF``;
- perf_event: ``perf_event_open`` of a hardware or software event, then the
  same link or ioctl as tracepoints (libbpf ``bpf_program__attach_perf_event``);
- sk_skb, sk_msg: ``BPF_PROG_ATTACH`` with the sockmap/sockhash as target
  (libbpf ``bpf_prog_attach``); detached by ``BPF_PROG_DETACH``;
- sk_lookup, flow_dissector: ``BPF_LINK_CREATE`` on a network namespace
  descriptor (libbpf ``bpf_program__attach_netns``);
- sk_reuseport: ``SO_ATTACH_REUSEPORT_EBPF`` on a ``SO_REUSEPORT`` socket.
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
SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF = 50, 52
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


class ProgAttachAttr(ctypes.Structure):
    """``BPF_PROG_ATTACH``/``BPF_PROG_DETACH`` attr: target_fd, attach_bpf_fd, attach_type, attach_flags."""

    _fields_ = [("target_fd", c_uint32), ("attach_bpf_fd", c_uint32), ("attach_type", c_uint32),
                ("attach_flags", c_uint32), ("replace_bpf_fd", c_uint32)]


class ProgAttachment(Attachment):
    """A ``BPF_PROG_ATTACH`` attachment: no link, so closing detaches it with
    ``BPF_PROG_DETACH`` on the (duplicated) target descriptor first."""

    __slots__ = ("prog_fd", "attach_type")

    def __init__(self, target_fd: int, prog_fd: int, attach_type: int, how: str) -> None:
        super().__init__(os.dup(target_fd), how)
        self.prog_fd, self.attach_type = prog_fd, attach_type

    def close(self) -> None:
        if not self.closed:
            attr = ProgAttachAttr(target_fd=self._fd, attach_bpf_fd=self.prog_fd, attach_type=self.attach_type)
            try:
                syscall.bpf(BpfCmd.PROG_DETACH, attr, ctypes.sizeof(attr))
            except SyscallError:
                pass  # the map going with its last descriptor drops the program anyway
        super().close()


class ProgQueryAttr(ctypes.Structure):
    """``BPF_PROG_QUERY`` attr (include/uapi/linux/bpf.h, ``query``) up to ``prog_cnt``."""

    _fields_ = [("target_fd", c_uint32), ("attach_type", c_uint32), ("query_flags", c_uint32),
                ("attach_flags", c_uint32), ("prog_ids", c_uint64), ("prog_cnt", c_uint32), ("_pad", c_uint32)]


def prog_query(target_fd: int, attach_type: str, max_ids: int = 64) -> list[int]:
    """Ids of the programs attached to ``target_fd`` (a cgroup, netns, sockmap)
    for ``attach_type``: net/core/sock_map.c ``sock_map_bpf_prog_query``,
    kernel/bpf/net_namespace.c ``netns_bpf_prog_query``."""
    ids = (c_uint32 * max_ids)()
    attr = ProgQueryAttr(target_fd=target_fd, attach_type=int(getattr(AttachType, attach_type)),
                         prog_ids=ctypes.addressof(ids), prog_cnt=max_ids)
    syscall.bpf(BpfCmd.PROG_QUERY, attr, ctypes.sizeof(attr))
    return list(ids[:min(attr.prog_cnt, max_ids)])


def prog_attach(prog_fd: int, target_fd: int, attach_type: int, how: str) -> ProgAttachment:
    attr = ProgAttachAttr(target_fd=target_fd, attach_bpf_fd=prog_fd, attach_type=attach_type)
    syscall.bpf(BpfCmd.PROG_ATTACH, attr, ctypes.sizeof(attr))
    return ProgAttachment(target_fd, prog_fd, attach_type, how)


def attach_sockmap(prog_fd: int, map_fd: int, map_name: str, attach_type: str) -> ProgAttachment:
    at = int(getattr(AttachType, attach_type))
    return prog_attach(prog_fd, map_fd, at, f"BPF_PROG_ATTACH {attach_type.lower()} on map {map_name}")


def attach_netns(prog_fd: int, netns_path: str, attach_type: str) -> Attachment:
    at = int(getattr(AttachType, attach_type))
    ns = os.open(netns_path, os.O_RDONLY)
    try:
        return Attachment(link_create(prog_fd, ns, at), f"bpf_link {attach_type.lower()} on netns {netns_path}")
    finally:
        os.close(ns)


def attach_reuseport(prog_fd: int) -> Attachment:
    """SO_ATTACH_REUSEPORT_EBPF on a fresh UDP socket with SO_REUSEPORT, not yet
    bound: net/core/sock_reuseport.c ``reuseport_attach_prog`` makes the group."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, prog_fd)
    except OSError as e:
        s.close()
        raise SyscallError("setsockopt(SO_ATTACH_REUSEPORT_EBPF)", e.errno) from None
    return Attachment(os.dup(s.fileno()), "SO_ATTACH_REUSEPORT_EBPF on a SO_REUSEPORT UDP socket", [_Sock(s)])


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
    return _link_or_ioctl(prog_fd, OwnedFd(perf_event_open(attr)), what)


def _link_or_ioctl(prog_fd: int, pev: OwnedFd, what: str) -> Attachment:
    pfd = pev.fd
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


def attach_perf_counter(prog_fd: int, event: str, cpu: int = 0, sample_period: int = 1_000_000
                        ) -> Attachment:
    """A sampling hardware or software event on one CPU, every process (pid -1),
    as ``perf record -e EVENT`` would open it; ``sample_period`` 1 ms of
    cpu-clock by default (libbpf's perf_event programs are usually sampled)."""
    from bpfdoctor.kernel.attach_spec import PERF_EVENT_NAMES

    ptype, config = PERF_EVENT_NAMES[event]
    attr = PerfEventAttr(type=ptype, config=config, sample_period=sample_period)
    pfd = perf_event_open(attr, -1, cpu)
    pev = OwnedFd(pfd)
    return _link_or_ioctl(prog_fd, pev, f"{event} on CPU {cpu}")


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
    special = _BY_KIND.get((kind, err))
    if special:
        return special
    if err == E.ENOENT and kind == "raw_tp":
        return "no raw tracepoint with that name in this kernel"
    if err == E.EPERM and kind in ("fentry", "fexit", "fmod_ret", "lsm", "freplace"):
        return ("EPERM: this kernel or its security policy forbids BPF trampolines (tracing/LSM/EXT "
                "programs are refused)")
    return ERRNO_BY_KIND.get(err, os.strerror(err))


_PARANOID = ("kernel.perf_event_paranoid forbids it without CAP_PERFMON (or CAP_SYS_ADMIN): above 0 no "
             "CPU-wide events, above 1 no kernel sampling; run as root, grant CAP_PERFMON, or lower the sysctl")
_BY_KIND = {
    ("perf_event", E.ENOENT): "no such event on this machine: hardware events (cycles, instructions ...) need "
                              "a CPU PMU, which a VM without PMU passthrough lacks (no "
                              "/sys/bus/event_source/devices/cpu); use a software event such as cpu-clock",
    ("perf_event", E.EOPNOTSUPP): "the PMU cannot deliver sampling interrupts for this event (no overflow "
                                  "interrupt): a perf_event program needs a sampling event; use cpu-clock",
    ("perf_event", E.EACCES): _PARANOID,
    ("perf_event", E.EPERM): _PARANOID,
    ("perf_event", E.EINVAL): "the perf event refused the program (not a PERF_EVENT program, or an event "
                              "attribute this PMU rejects)",
    ("perf_event", E.ENODEV): "no such CPU: --perf-cpu names an offline or absent CPU",
    ("sk_skb", E.EINVAL): "the target is not a sockmap/sockhash, or the attach type does not fit an sk_skb "
                          "program (stream_parser, stream_verdict or verdict)",
    ("sk_skb", E.EBUSY): "the map already has the other verdict kind: sk_skb/stream_verdict and sk_skb/verdict "
                         "exclude each other on one map, and a program attached by a link cannot be replaced",
    ("sk_msg", E.EINVAL): "the target is not a sockmap/sockhash, or the attach type is not SK_MSG_VERDICT",
    ("sk_msg", E.EBUSY): "the map's sk_msg program was attached by a link and cannot be replaced",
    ("sk_lookup", E.E2BIG): "this network namespace already has the maximum of 64 sk_lookup links "
                            "(kernel/bpf/net_namespace.c netns_bpf_max_progs)",
    ("sk_lookup", E.EINVAL): "the target is not a network namespace descriptor, or the program is not SK_LOOKUP "
                             "with expected attach type SK_LOOKUP",
    ("flow_dissector", E.E2BIG): "a flow dissector is already attached in this network namespace by a link "
                                 "(one per namespace: kernel/bpf/net_namespace.c netns_bpf_link_attach counts "
                                 "the links against a maximum of 1)",
    ("flow_dissector", E.EEXIST): "a flow dissector is already attached in this network namespace by "
                                  "BPF_PROG_ATTACH, or one in the root namespace covers every namespace "
                                  "(net/core/flow_dissector.c flow_dissector_bpf_prog_attach_check)",
    ("flow_dissector", E.EINVAL): "the target is not a network namespace descriptor, or not a FLOW_DISSECTOR "
                                  "program",
    ("sk_reuseport", E.EINVAL): "the socket is not in a SO_REUSEPORT group, or the program type does not fit",
}
