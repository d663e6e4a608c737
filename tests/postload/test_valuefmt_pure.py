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
from tests.testlib import typed_tree


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


def _walked(btf, tid, data, plain, order):
    """format_value's walk alone (no plan), the reference the plans must equal."""
    from bpfdoctor.btf.valuefmt import STEPS_BASE, STEPS_PER_BYTE, _Formatter, _Stop

    f = _Formatter(btf, plain, order, steps=STEPS_BASE + STEPS_PER_BYTE * len(data))
    try:
        return f.do_type(tid, 0, data, 0)
    except _Stop as s:
        return s.partial


def test_plans_make_the_walk_s_trees_on_every_fixture_type():
    """Every type of every fixture object's BTF, over bytes of several lengths
    (short ones included), both modes, both byte orders: the compiled plan's
    tree is the walk's (and a type without a plan still formats)."""
    import random
    from pathlib import Path

    from bpfdoctor.errors import BpfDoctorError

    from bpfdoctor.btf.valuefmt import STEPS_BASE, STEPS_PER_BYTE, compile_plan

    rng = random.Random(21)
    planned = 0
    for path in sorted((Path(__file__).resolve().parents[1] / "bpf" / "build").glob("*.o")):
        try:
            b = open_object(path).btf
        except BpfDoctorError:
            continue
        if b is None:
            continue
        for tid in range(b.type_count):
            for size, plain, order in ((64, False, "little"), (300, True, "little"), (5, True, "big")):
                data = rng.randbytes(size)
                try:
                    want = _walked(b, tid, data, plain, order)
                except BpfDoctorError as e:
                    with pytest.raises(BpfDoctorError) as got:
                        format_value(b, tid, data, plain=plain, byteorder=order)
                    assert str(got.value) == str(e)
                    continue
                for _ in range(3):  # the walk twice, then the plan (PLAN_AFTER)
                    got = format_value(b, tid, data, plain=plain, byteorder=order)
                    assert typed_tree(got) == typed_tree(want), (path.name, tid)
                plan = compile_plan(b, tid, plain, order)
                if plan is not None and plan[1] <= STEPS_BASE + STEPS_PER_BYTE * size:
                    assert typed_tree(plan[0](data, 0)) == typed_tree(want), (path.name, tid)
                    planned += 1
    assert planned > 1000  # the plans were there to compare


def test_a_type_used_by_many_members_is_compiled_once():
    """Structs of 100 members of structs of 100 members...: a plan compiled per
    member path would hold 10**6 closures (a fuzzed 12 KB BTF took 17 GB)."""
    import tracemalloc

    from bpfdoctor.btf.reader import parse_btf
    from bpfdoctor.btf.valuefmt import compile_plan
    from bpfdoctor.btf.writer import BtfWriter

    w = BtfWriter()
    t = w.int("int", 4)
    for level in range(3):  # (without the memo: 616 MB for these 3 levels)
        t = w.struct(f"s{level}", 8, [(f"m{i}", t, 0) for i in range(100)])
    b = parse_btf(w.encode(), path="fan.btf")
    tracemalloc.start()
    plan = compile_plan(b, t, False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert plan is not None and plan[1] == 1 + 100 + 100**2 + 100**3
    assert peak < 5_000_000
