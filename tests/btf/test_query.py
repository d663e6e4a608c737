"""Type queries: lookup, sizes, offsets and bitfields, cycle safety."""

from __future__ import annotations

import pytest

from bpfdoctor.btf import Kind, parse_btf
from bpfdoctor.btf.query import (align_of, find_member, member_offset, resolve_size, skip_mods,
                                 type_name)
from bpfdoctor.cli.btf import load_file
from bpfdoctor.errors import NotFoundError, ParseError

from .btfgen import BtfBuilder


def test_lookup_by_name_and_kind(vmlinux):
    tid = vmlinux.find("task_struct", Kind.STRUCT)
    assert vmlinux.type(tid).name == "task_struct"
    assert vmlinux.find_ids("task_struct", Kind.FWD) == []
    assert sorted(vmlinux.name_index()["task_struct"]) == vmlinux.find_ids("task_struct")
    with pytest.raises(NotFoundError):
        vmlinux.find("no_such_type_hopefully")


def test_sizes_and_offsets_in_fixture(kinds_obj):
    b, _ = load_file(str(kinds_obj))
    bits = b.find("bits", Kind.STRUCT)
    assert resolve_size(b, bits) == 16
    assert member_offset(b, bits, "b").bit_offset == 3
    assert member_offset(b, bits, "b").bitfield_size == 5
    assert member_offset(b, bits, "c").bitfield_size == 40
    nested = b.find("nested", Kind.STRUCT)
    # anonymous union -> anonymous struct -> hi
    loc = member_offset(b, nested, "hi")
    assert loc.byte_offset == 12 and len(loc.path) == 3
    assert member_offset(b, nested, "name[1][2]").byte_offset == member_offset(b, nested, "name").byte_offset + 5
    assert type_name(b, b.type(find_member(b, nested, "cv").type).id) == "const volatile int *"
    assert align_of(b, nested) == 8  # libbpf caps alignment at the pointer size
    assert align_of(b, bits) == 8


def test_vmlinux_pid_offset_matches_bpftool_layout(vmlinux):
    ts = vmlinux.find("task_struct", Kind.STRUCT)
    loc = member_offset(vmlinux, ts, "pid")
    assert vmlinux.type(skip_mods(vmlinux, loc.type)).name in ("int", "pid_t") or loc.type
    m = [m for m in vmlinux.type(ts).members if m.name == "pid"][0]
    assert loc.bit_offset == m.bit_offset


def test_typedef_cycle_raises():
    b = BtfBuilder()
    b.typedef("loop", 1)  # id 1 points at itself
    btf = parse_btf(b.encode(), path="cycle.btf")
    with pytest.raises(ParseError, match="cycle"):
        skip_mods(btf, 1)
    with pytest.raises(ParseError):
        resolve_size(btf, 1)
    c = BtfBuilder()
    c.add(10, "", 1)  # CONST pointing at itself
    with pytest.raises(ParseError):
        type_name(parse_btf(c.encode(), path="c.btf"), 1)
