"""Loader pieces that need no kernel: names, layouts, encodings, linking."""

from __future__ import annotations

import re
import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from testlib import BUILD  # noqa: E402

from bpfdoctor.elf import open_object  # noqa: E402
from bpfdoctor.errors import InputError  # noqa: E402
from bpfdoctor.kernel.loader.externs import KconfigVar, _encode, layout_kconfig  # noqa: E402
from bpfdoctor.kernel.loader.insnbuf import InsnBuf  # noqa: E402
from bpfdoctor.kernel.loader.mapplan import internal_map_name, object_name, plan_maps  # noqa: E402
from bpfdoctor.kernel.loader.relocate import Relocator, Targets, btf_ext_for, link  # noqa: E402


@pytest.mark.parametrize("obj, sec, want", [
    ("multi_prog", ".rodata", "multi_pr.rodata"),   # what libbpf 1.1 names them (bpftool map show)
    ("multi_prog", ".bss", "multi_pr.bss"),
    ("multi_prog", ".kconfig", "multi_p.kconfig"),
    ("a", ".data", "a.data"),
    ("x", ".rodata.str1.1", ".rodata.str1.1"),
    ("x", ".data.very_long_custom_name", ".data.very_long"),
])
def test_internal_map_names(obj, sec, want):
    assert internal_map_name(obj, sec) == want


def test_object_name_stops_at_first_dot():
    assert object_name("/x/core.v4.o") == "core"


def test_kconfig_layout_libbpf_order():
    o = open_object(BUILD / "load_kconfig.o")
    vars_ = layout_kconfig(o)
    # alignment descending, then size ascending, then name (libbpf cmp_externs)
    assert [(v.align, v.size) for v in vars_] == sorted(((v.align, v.size) for v in vars_),
                                                       key=lambda t: (-t[0], t[1]))
    offs = [v.offset for v in vars_]
    assert offs == sorted(offs) and all(v.offset % v.align == 0 for v in vars_)
    weak = {v.name for v in vars_ if v.weak}
    assert weak == {"CONFIG_BPFDOCTOR_NOT_A_REAL_OPTION"}


@pytest.mark.parametrize("ctype, size, signed, raw, want", [
    ("bool", 1, False, "y", b"\x01"),
    ("tristate", 4, False, "m", struct.pack("<I", 2)),
    ("char", 1, False, "y", b"y"),
    ("int", 4, True, "-5", struct.pack("<i", -5)),
    ("int", 8, False, "0x10", struct.pack("<Q", 16)),
    ("char_array", 8, False, "(none)", b"(none)\0\0"),
])
def test_kconfig_encoding(ctype, size, signed, raw, want):
    assert _encode("o", KconfigVar("CONFIG_X", ctype, size, size, signed, False), raw) == want


@pytest.mark.parametrize("ctype, size, raw", [("bool", 1, "m"), ("int", 1, "300"), ("int", 4, "abc")])
def test_kconfig_bad_values(ctype, size, raw):
    with pytest.raises(InputError, match="CONFIG_X"):
        _encode("o", KconfigVar("CONFIG_X", ctype, size, size, False, False), raw)


def test_map_slots_from_rel_maps():
    o = open_object(BUILD / "load_mapinmap.o")
    plans = {p.name: p for p in plan_maps(o, None, b"")}
    assert plans["outer_arr"].slots == ((0, "inner_a"), (2, "inner_b"))
    assert plans["outer_hash"].slots == ((1, "inner_b"),)
    assert plans["jumps"].slots == ((1, "tail_target"),)
    assert plans["outer_arr"].inner is not None and plans["outer_arr"].inner.max_entries == 4


def _linked(objname: str, prog: str):
    o = open_object(BUILD / objname)
    t = Targets(btf={p.name: 100 + i for i, p in enumerate(plan_maps(o, None, b""))},
                data={s.name: 200 + i for i, s in enumerate(o.elf.sections)})
    return o, link(Relocator(o, t, lambda: None), o.program(prog))


def test_link_appends_subprograms_and_fixes_calls():
    o, linked = _linked("load_callbacks.o", "with_loop")
    names = [f.name for f, _ in linked.placed]
    assert names[0] == "with_loop" and set(names[1:]) == {"loop_body", "clamp", "scale"}
    starts = {f.name: s for f, s in linked.placed}
    buf = linked.buf
    targets = set()
    for i in range(len(buf)):
        code, _d, src, _off, imm = buf.get(i)
        if (code == 0x85 and src == 1) or (code == 0x18 and src == 4):
            targets.add(i + imm + 1)
    assert targets == {starts["loop_body"], starts["clamp"], starts["scale"]}
    assert len(buf) == sum(f.insn_count for f, _ in linked.placed)


def test_func_info_rebased_for_appended_subprograms():
    from bpfdoctor.kernel.loader.btfext_raw import raw_ext

    o, linked = _linked("load_callbacks.o", "with_loop")
    raw = raw_ext(o.btf_ext)
    funcs, lines = btf_ext_for(linked, raw)
    assert sorted(f[0] for f in funcs) == sorted(s for _, s in linked.placed)
    assert all(o.btf.kind(f[1]).name == "FUNC" for f in funcs)
    assert [ln[0] for ln in lines] == sorted(ln[0] for ln in lines)


def test_insnbuf_set_keeps_other_fields():
    b = InsnBuf(struct.pack("<BBhi", 0x18, 0x21, 5, -1) + bytes(8))
    b.set(0, src=2, imm=0xFFFFFFFF)
    assert b.get(0) == (0x18, 1, 2, 5, -1)


@pytest.mark.parametrize("datasec", [True, False])
def test_datasec_offsets_past_4_gib_wrap_as_libbpf_s_u32(tmp_path, datasec):
    # libbpf stores a variable's symbol value in a __u32 (vsi->offset) and, on
    # kernels without DATASEC, offset * 8 in another (m->offset): both wrap.
    # Writing them into our array('I') raised OverflowError, a traceback in
    # 'load' found by loading the fuzz corpus.
    from bpfdoctor.btf.kinds import Kind
    from bpfdoctor.elf.reader import STT_OBJECT
    from bpfdoctor.kernel.loader.btfprep import BtfFeatures, prepare

    src = BUILD / "btf_kinds.o"
    obj = open_object(src)
    data = bytearray(src.read_bytes())
    idx = obj.elf.section(".data").index
    moved = 0
    for s in obj.elf.symbols:
        if s.shndx == idx and s.type == STT_OBJECT:
            struct.pack_into("<Q", data, obj.elf._symtab.offset + 24 * s.index + 8, s.value + (1 << 32))
            moved += 1
    assert moved
    (tmp_path / "big.o").write_bytes(data)
    big = open_object(tmp_path / "big.o")
    feat = BtfFeatures(datasec=datasec)
    want, _ = prepare(obj.btf, obj.elf, feat, {}, 0)
    got, _ = prepare(big.btf, big.elf, feat, {}, 0)
    assert got.tobytes() == want.tobytes()
    assert want.find(".data" if datasec else "_data", Kind.DATASEC if datasec else Kind.STRUCT)


@pytest.mark.parametrize("bad_id", [0, 9999])
def test_a_datasec_entry_naming_no_type_is_libbpf_s_error(tmp_path, bad_id):
    # an id past the last type raised IndexError (a traceback in 'load'), and
    # id 0 silently read the last type; libbpf: "unexpected non-VAR type found"
    from bpfdoctor.btf.kinds import Kind
    from bpfdoctor.errors import ParseError
    from bpfdoctor.kernel.loader.btfprep import BtfFeatures, prepare

    src = BUILD / "btf_kinds.o"
    obj = open_object(src)
    btf = obj.btf
    ds = next(t for t in range(1, btf.type_count) if btf.kind(t) == Kind.DATASEC and btf.name(t) == ".data")
    _, word = btf.raw(ds)
    sec = obj.elf.section(".BTF")
    hdr_len, type_off = struct.unpack_from("<II", src.read_bytes(), sec.offset + 4)
    data = bytearray(src.read_bytes())
    struct.pack_into("<I", data, sec.offset + hdr_len + type_off + 4 * (word + 3), bad_id)  # entry 0's type
    (tmp_path / "bad.o").write_bytes(data)
    bad = open_object(tmp_path / "bad.o")
    with pytest.raises(ParseError, match=f"DATASEC '.data' holds a non-VAR type \\[{bad_id}\\]"):
        prepare(bad.btf, bad.elf, BtfFeatures(), {}, 0)


@pytest.mark.parametrize("name, problem", [
    ("zero-size-function.o", "section '.text': corrupted program '', offset 0, size 0"),
])
def test_functions_libbpf_calls_corrupted_are_refused(name, problem):
    """libbpf.c bpf_object__init_prog refuses a FUNC symbol of no size, of a size or
    at an offset that is not whole instructions; our object model derives a missing
    size from the next symbol, so ``load`` loaded what libbpf refuses.  (A mutant of
    the loader campaign, loaded beside ``bpftool prog loadall``.)"""
    from bpfdoctor.kernel.loader.relocate import check_object

    with pytest.raises(InputError, match=re.escape(problem)):
        check_object(open_object(Path(__file__).parent / "regressions" / name))
