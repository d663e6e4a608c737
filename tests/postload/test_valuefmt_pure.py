"""btf.valuefmt and render.jsonw without a kernel: every type of the fixture's
BTF formatted from arbitrary (also short) bytes returns a tree and never
raises anything but the project's error."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpfdoctor.btf import Kind
from bpfdoctor.btf.valuefmt import Obj, Raw, format_value, to_python
from bpfdoctor.elf import open_object
from bpfdoctor.errors import BpfDoctorError
from bpfdoctor.render.jsonw import JsonWriter, quote


@pytest.fixture(scope="module")
def btf(obj):
    return open_object(obj("postload_maps")).btf


@pytest.fixture(scope="module")
def type_ids(btf):
    keep = (Kind.INT, Kind.STRUCT, Kind.UNION, Kind.ARRAY, Kind.ENUM, Kind.ENUM64, Kind.TYPEDEF, Kind.PTR,
            Kind.DATASEC, Kind.VAR, Kind.CONST, Kind.VOLATILE)
    return [t.id for t in btf.types() if t.kind in keep]


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=120), pick=st.integers(min_value=0), plain=st.booleans())
def test_any_bytes_any_type(btf, type_ids, data, pick, plain):
    tid = type_ids[pick % len(type_ids)]
    try:
        tree = format_value(btf, tid, data, plain=plain)
    except BpfDoctorError:
        return
    w = JsonWriter(pretty=True)
    w.value(tree)
    assert isinstance(w.text(), str)
    if not plain:
        json.dumps(to_python(tree))


def test_bitfields_and_signed_enum(btf):
    rec = btf.find("flags_t", Kind.STRUCT)
    at = {m.name: m.bit_offset for m in btf.type(rec).members}
    assert at == {"low": 0, "mid": 3, "neg": 12, "wide": 17}  # wide packs into the same 64-bit unit
    value = 5 | (0x1FF << 3) | (0x1F << 12) | (0x12345 << 17)
    raw = value.to_bytes(8, "little")
    tree = format_value(btf, rec, raw, plain=True)
    assert dict(tree.items) == {"low": Raw("0x5"), "mid": Raw("0x1ff"), "neg": Raw("0x1f"), "wide": Raw("0x12345")}
    assert to_python(format_value(btf, rec, raw, plain=False))["mid"] == "0x1ff"


def test_writer_layout_matches_json_writer():
    w = JsonWriter(pretty=True)
    w.begin("[")
    w.value(Obj((("key", 1), ("value", [1, 2]), ("s", 'a"b'))))
    w.end("]")
    assert w.text() == '[{\n        "key": 1,\n        "value": [1,2\n        ],\n        "s": "a\\"b"\n    }\n]'
    assert quote("t\tn\n") == '"t\\tn\\n"'


def _cyclic_btf():
    """[3] char-like array whose element is a CONST referring to itself;
    [6] an array of ``const void``."""
    import struct

    from bpfdoctor.btf.reader import parse_btf

    strs = b"\0char\0int\0"
    types = struct.pack("<4I", 1, 1 << 24, 1, (2 << 24) | 8)            # [1] char
    types += struct.pack("<3I", 0, 10 << 24, 2)                          # [2] const -> [2]
    types += struct.pack("<6I", 0, 3 << 24, 0, 2, 4, 4)                  # [3] [2][4]
    types += struct.pack("<4I", 6, 1 << 24, 4, (1 << 24) | 32)           # [4] int
    types += struct.pack("<3I", 0, 10 << 24, 0)                          # [5] const void
    types += struct.pack("<6I", 0, 3 << 24, 0, 5, 4, 4)                  # [6] [5][4]
    hdr = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types), len(strs))
    return parse_btf(hdr + types + strs, path="cyclic.btf")


@pytest.mark.parametrize("tid", [3, 6])
def test_modifier_cycles_and_const_void_elements_end(tid):
    # bpftool's is_str_array loops over modifiers without a bound: on [3] it never returns
    from testlib import time_limit

    btf = _cyclic_btf()
    with time_limit(30, "format_value"):
        for plain in (True, False):
            try:
                tree = format_value(btf, tid, b"ab\0d", plain=plain)
            except BpfDoctorError:
                continue  # (it is: the element's size resolves through the cycle / to void)
            JsonWriter(pretty=True).value(tree)
