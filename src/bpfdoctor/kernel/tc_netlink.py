"""Classic tc attachment over rtnetlink: a ``clsact`` qdisc and a ``bpf``
filter in direct-action mode, what ``tc filter add dev X ingress bpf da``
and libbpf's ``bpf_tc_hook_create``/``bpf_tc_attach`` do.  For kernels
before tcx links (6.6), and for programs people attach with tc.

Undone on close: the filter is deleted, and the qdisc too when we created
it (an existing clsact, with other filters on it, is left alone).
Messages: include/uapi/linux/rtnetlink.h (``struct tcmsg``),
include/uapi/linux/pkt_cls.h (``TCA_BPF_*``), net/sched/cls_bpf.c.
"""

from __future__ import annotations

import errno as E
import os
import socket
import struct

from bpfdoctor.errors import SyscallError

RTM_NEWQDISC, RTM_DELQDISC, RTM_NEWTFILTER, RTM_DELTFILTER = 36, 37, 44, 45
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400
NLMSG_ERROR = 2
TCA_KIND, TCA_OPTIONS = 1, 2
TCA_BPF_FD, TCA_BPF_NAME, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT = 6, 7, 8, 1
TC_H_CLSACT, TC_H_MIN_INGRESS, TC_H_MIN_EGRESS = 0xFFFFFFF1, 0xFFF2, 0xFFF3
ETH_P_ALL = 0x0003
NLA_F_NESTED = 0x8000


def _nla(kind: int, data: bytes) -> bytes:
    raw = struct.pack("<HH", 4 + len(data), kind) + data
    return raw + b"\0" * (-len(raw) % 4)


def _tcmsg(ifindex: int, handle: int, parent: int, info: int) -> bytes:
    return struct.pack("<BxxxiIII", socket.AF_UNSPEC, ifindex, handle, parent, info)


class _Rtnl:
    def __init__(self) -> None:
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
        self.seq = 0

    def request(self, mtype: int, flags: int, body: bytes) -> int:
        """Send one request, return the kernel's errno (0: done)."""
        self.seq += 1
        msg = struct.pack("<IHHII", 16 + len(body), mtype, flags | NLM_F_REQUEST | NLM_F_ACK, self.seq, 0) + body
        self.s.sendto(msg, (0, 0))
        while True:
            data = self.s.recv(65536)
            off = 0
            while off + 16 <= len(data):
                length, t, _f, seq, _pid = struct.unpack_from("<IHHII", data, off)
                if t == NLMSG_ERROR and seq == self.seq:
                    return -struct.unpack_from("<i", data, off + 16)[0]
                off += max(16, (length + 3) & ~3)

    def close(self) -> None:
        self.s.close()


class TcFilter:
    """A bpf filter on a clsact hook; ``close()`` removes what we added."""

    def __init__(self, ifindex: int, direction: str, prio: int, handle: int, created_qdisc: bool) -> None:
        self.ifindex, self.direction, self.prio, self.handle = ifindex, direction, prio, handle
        self.created_qdisc = created_qdisc
        self.how = f"tc clsact {direction} bpf filter (netlink, prio {prio} handle {handle})"
        self._open = True

    def close(self) -> None:
        if not self._open:
            return
        self._open = False
        nl = _Rtnl()
        try:
            parent = _parent(self.direction)
            nl.request(RTM_DELTFILTER, 0, _tcmsg(self.ifindex, self.handle, parent, _info(self.prio))
                       + _nla(TCA_KIND, b"bpf\0"))
            if self.created_qdisc:
                nl.request(RTM_DELQDISC, 0, _tcmsg(self.ifindex, 0xFFFF0000, TC_H_CLSACT, 0)
                           + _nla(TCA_KIND, b"clsact\0"))
        finally:
            nl.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_open", False):
            self.close()


def _parent(direction: str) -> int:
    return (TC_H_CLSACT & 0xFFFF0000) | (TC_H_MIN_EGRESS if direction == "egress" else TC_H_MIN_INGRESS)


def _info(prio: int) -> int:
    return (prio << 16) | socket.htons(ETH_P_ALL)


def attach_tc(prog_fd: int, ifindex: int, direction: str, name: str = "bpfdoctor", *, prio: int = 1,
              handle: int = 1) -> TcFilter:
    """clsact (created if missing) + a direct-action bpf filter at ``prio``/``handle``
    (libbpf's defaults: 1 and 1).  EEXIST: a filter already sits there."""
    nl = _Rtnl()
    try:
        err = nl.request(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL,
                         _tcmsg(ifindex, 0xFFFF0000, TC_H_CLSACT, 0) + _nla(TCA_KIND, b"clsact\0"))
        if err not in (0, E.EEXIST):
            raise SyscallError("RTM_NEWQDISC clsact", err, f"cannot add a clsact qdisc: {os.strerror(err)}")
        created = err == 0
        opts = (_nla(TCA_BPF_FD, struct.pack("<I", prog_fd)) + _nla(TCA_BPF_NAME, name.encode()[:255] + b"\0")
                + _nla(TCA_BPF_FLAGS, struct.pack("<I", TCA_BPF_FLAG_ACT_DIRECT)))
        body = (_tcmsg(ifindex, handle, _parent(direction), _info(prio)) + _nla(TCA_KIND, b"bpf\0")
                + _nla(TCA_OPTIONS | NLA_F_NESTED, opts))
        err = nl.request(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, body)
        if err:
            if created:
                nl.request(RTM_DELQDISC, 0, _tcmsg(ifindex, 0xFFFF0000, TC_H_CLSACT, 0) + _nla(TCA_KIND, b"clsact\0"))
            raise SyscallError("RTM_NEWTFILTER bpf", err)
        return TcFilter(ifindex, direction, prio, handle, created)
    finally:
        nl.close()
