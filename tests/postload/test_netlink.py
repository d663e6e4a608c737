"""rtnetlink IFLA_XDP parsing (pure), on messages built as the kernel builds them."""

from __future__ import annotations

import struct

from bpfdoctor.kernel.netlink import IFLA_XDP, parse_xdp


def _nla(kind: int, data: bytes) -> bytes:
    raw = struct.pack("<HH", 4 + len(data), kind) + data
    return raw + b"\0" * (-len(raw) % 4)


def _link(*attrs: bytes) -> bytes:
    return struct.pack("<BxHiII", 0, 1, 3, 0, 0) + b"".join(attrs)


def test_no_xdp():
    st = parse_xdp(_link(_nla(3, b"h15a\0"), _nla(IFLA_XDP | 0x8000, _nla(2, b"\0"))), 3)
    assert st.mode is None and st.prog_ids == {}


def test_native_and_multi():
    native = _nla(IFLA_XDP | 0x8000, _nla(2, b"\x01") + _nla(4, struct.pack("<I", 42)) + _nla(5, struct.pack("<I", 42)))
    assert parse_xdp(_link(native), 3).prog_ids == {"native": 42}
    multi = _nla(IFLA_XDP, _nla(2, b"\x04") + _nla(5, struct.pack("<I", 7)) + _nla(6, struct.pack("<I", 9)))
    st = parse_xdp(_link(multi), 3)
    assert st.mode == "multi" and st.prog_ids == {"native": 7, "generic": 9}


def test_truncated_attributes_do_not_crash():
    body = _link(_nla(IFLA_XDP, _nla(2, b"\x01")))
    for cut in range(len(body)):
        parse_xdp(body[:cut], 3)
