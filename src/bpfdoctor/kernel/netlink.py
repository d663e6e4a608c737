"""rtnetlink through the socket module: which XDP program an interface has.

``RTM_GETLINK`` for one ifindex returns ``IFLA_XDP``, a nested attribute
(include/uapi/linux/if_link.h): ``IFLA_XDP_ATTACHED`` (the mode: none,
driver, skb/generic, hw, or several), ``IFLA_XDP_PROG_ID`` and the per-mode
ids (net/core/rtnetlink.c ``rtnl_xdp_fill``).  This sees programs attached
by any means: bpf links, ``ip link set dev X xdp obj ...`` (netlink), libxdp.
"""

from __future__ import annotations

import os
import socket
import struct

from bpfdoctor.errors import SyscallError
from bpfdoctor.record import record

NETLINK_ROUTE, RTM_GETLINK, RTM_NEWLINK = 0, 18, 16
NLM_F_REQUEST, NLMSG_ERROR, NLMSG_DONE = 1, 2, 3
IFLA_XDP = 43
IFLA_XDP_ATTACHED, IFLA_XDP_PROG_ID, IFLA_XDP_DRV_PROG_ID, IFLA_XDP_SKB_PROG_ID, IFLA_XDP_HW_PROG_ID = 2, 4, 5, 6, 7
XDP_MODES = {0: None, 1: "native", 2: "generic", 3: "offload", 4: "multi"}


@record
class XdpState:
    """The XDP program(s) on one interface, as rtnetlink reports them."""

    ifindex: int
    mode: str | None              # None: no XDP program
    prog_ids: dict[str, int]      # mode -> program id


def _attrs(buf: bytes, off: int, end: int):
    while off + 4 <= end:
        length, kind = struct.unpack_from("<HH", buf, off)
        if length < 4:
            return
        yield kind & 0x3FFF, buf[off + 4: off + length]  # drop NLA_F_NESTED / NET_BYTEORDER
        off += (length + 3) & ~3


def parse_xdp(payload: bytes, ifindex: int) -> XdpState:
    """The XDP state from an RTM_NEWLINK message body (after the nlmsghdr)."""
    ids: dict[str, int] = {}
    mode = None
    for kind, data in _attrs(payload, 16, len(payload)):  # after struct ifinfomsg (16 bytes)
        if kind != IFLA_XDP:
            continue
        for k, v in _attrs(data, 0, len(data)):
            if k == IFLA_XDP_ATTACHED and v:
                mode = XDP_MODES.get(v[0], f"mode {v[0]}")
            elif k in (IFLA_XDP_DRV_PROG_ID, IFLA_XDP_SKB_PROG_ID, IFLA_XDP_HW_PROG_ID) and len(v) >= 4:
                ids[{5: "native", 6: "generic", 7: "offload"}[k]] = struct.unpack_from("<I", v)[0]
            elif k == IFLA_XDP_PROG_ID and len(v) >= 4 and mode != "multi":
                ids.setdefault(mode or "?", struct.unpack_from("<I", v)[0])
    return XdpState(ifindex, mode, {k: v for k, v in ids.items() if v})


def xdp_state(ifindex: int) -> XdpState:
    """The XDP program(s) on ``ifindex`` in the current network namespace."""
    req = struct.pack("<IHHII", 32, RTM_GETLINK, NLM_F_REQUEST, 1, 0) + struct.pack("<BxHiII", 0, 0, ifindex, 0, 0)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE) as s:
        s.sendto(req, (0, 0))
        while True:
            data = s.recv(65536)
            off = 0
            while off + 16 <= len(data):
                length, mtype = struct.unpack_from("<IH", data, off)
                if length < 16:
                    break
                body = data[off + 16: off + length]
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from("<i", body)[0]
                    if err:
                        raise SyscallError("RTM_GETLINK", err, f"netlink: ifindex {ifindex}: {os.strerror(err)}")
                    return XdpState(ifindex, None, {})
                if mtype == RTM_NEWLINK:
                    return parse_xdp(body, ifindex)
                if mtype == NLMSG_DONE:
                    return XdpState(ifindex, None, {})
                off += (length + 3) & ~3
