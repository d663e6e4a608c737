"""BTF-defined maps and .BTF.ext helpers on the fixture object."""

from __future__ import annotations

from bpfdoctor.btf.ext import parse_btf_ext
from bpfdoctor.btf.maps import btf_maps
from bpfdoctor.cli.btf import load_file


def test_btf_maps(kinds_obj):
    b, _ = load_file(str(kinds_obj))
    maps = {m.name: m for m in btf_maps(b)}
    assert set(maps) == {"inner_a", "inner_b", "outer", "sized", "bloom", "outer_hash"}
    assert (maps["inner_a"].type, maps["inner_a"].key_size, maps["inner_a"].value_size) == (2, 4, 16)
    assert maps["outer"].type == 12 and maps["outer"].inner.max_entries == 4
    assert maps["outer"].inner.value_size == 16
    s = maps["sized"]
    assert (s.key_size, s.value_size, s.map_flags, s.pinning, s.numa_node, s.key_type_id) == (8, 16, 1, 1, 0, None)
    assert maps["bloom"].map_extra == 3 and maps["bloom"].value_size == 8
    assert maps["outer_hash"].inner.type == 27 and maps["outer_hash"].inner.max_entries == 4096
    assert all(not m.problems for m in maps.values())


def test_ext_records(kinds_obj):
    b, ext = load_file(str(kinds_obj))
    e = parse_btf_ext(ext, b)
    names = {f.name for fs in e.func_info.values() for f in fs}
    assert {"core_all", "add_all", "global_helper"} <= names
    assert e.func_info["kprobe/do_nothing"][0].insn == 0
    lines = e.line_info["kprobe/do_nothing"]
    assert lines[0].file.endswith("btf_kinds.c") and "core_all" in lines[0].source
    assert all(a.insn <= b_.insn for a, b_ in zip(lines, lines[1:]))
    assert len(e.core_relos["kprobe/do_nothing"]) >= 20
    kinds = {r.kind.libbpf_name for r in e.core_relos["kprobe/do_nothing"]}
    assert kinds == {"byte_off", "byte_sz", "field_exists", "signed", "lshift_u64", "rshift_u64",
                     "local_type_id", "target_type_id", "type_exists", "type_size", "type_matches",
                     "enumval_exists", "enumval_value"}


def test_big_endian_ext_equals_little(bpf_objects):
    le, lext = load_file(str(bpf_objects["btf_kinds.o"]))
    be, bext = load_file(str(bpf_objects["btf_kinds.bpfeb.o"]))
    a, b = parse_btf_ext(lext, le), parse_btf_ext(bext, be)
    assert a.func_info == b.func_info

    def shape(e):  # instruction choice for bitfield reads differs by byte order
        return {int(r.kind) for rs in e.core_relos.values() for r in rs}

    assert shape(a) == shape(b)
