"""Bad input: a one-line error naming the file and the problem, exit code 2,
no traceback; the readers return a result or raise our own error, whatever
the bytes."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpfdoctor.elf import objdump, readelf
from bpfdoctor.elf.object import BpfObject
from bpfdoctor.elf.reader import ElfFile
from bpfdoctor.errors import BpfDoctorError
from bpfdoctor.render.elfinfo import info_dict
from testlib import BUILD, run_cli as run


def everything(data: bytes) -> None:
    """Every view the elf and disasm commands build, on ``data``."""
    f = ElfFile(data, "x.o")
    objdump.format_sections(f, "x.o")
    objdump.disassemble(f, "x.o")
    readelf.format_symbols(f)
    readelf.format_relocations(f)
    o = BpfObject(f)
    info_dict(o, "x.o")
    from bpfdoctor.elf.listing import kernel_listing, source_listing

    kernel_listing(f, "x.o", with_source=True)
    source_listing(f, "x.o")


@pytest.mark.parametrize("args", [["disasm"], ["elf", "sections"], ["elf", "symbols"], ["elf", "relocs"],
                                  ["elf", "info"], ["elf", "info", "--json"]])
@pytest.mark.parametrize("target,expect", [
    ("missing", "no such file"), ("dir", "is a directory"), ("empty", "empty file"),
    ("text", "not an ELF file"), ("x86", "ELF for x86-64 (e_machine 62), not a BPF object"),
    ("elf32", "32-bit ELF"), ("trunc", "runs past the end of the file"),
])
def test_cli_one_line_errors(tmp_path, args, target, expect):
    paths = {
        "missing": tmp_path / "nope.o", "dir": tmp_path, "empty": tmp_path / "empty.o",
        "text": tmp_path / "text.o", "x86": tmp_path / "x86.o", "elf32": tmp_path / "e32.o",
        "trunc": tmp_path / "trunc.o",
    }
    paths["empty"].write_bytes(b"")
    paths["text"].write_text("hello\n")
    x86 = bytearray((BUILD / "multi_prog.o").read_bytes())
    x86[18:20] = struct.pack("<H", 62)
    paths["x86"].write_bytes(bytes(x86))
    paths["elf32"].write_bytes(b"\x7fELF\x01\x01\x01" + bytes(60))
    paths["trunc"].write_bytes((BUILD / "multi_prog.o").read_bytes()[:2000])
    res = run(*args, str(paths[target]))
    assert res.exit_code == 2
    assert res.stdout == ""
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"bpfdoctor: {paths[target]}")
    assert expect in err[0]
    assert "Traceback" not in res.output


def test_real_x86_binary_is_refused():
    res = run("elf", "info", "/bin/ls")
    assert res.exit_code == 2 and "not a BPF object" in res.output


def test_unknown_section_is_a_one_line_error(obj):
    res = run("disasm", "-j", "nope", str(obj("multi_prog")))
    assert res.exit_code == 2 and "no section named nope" in res.output


def _corrupt(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    b = bytearray(data)
    struct.pack_into("<" + fmt, b, offset, value)
    return bytes(b)


def test_corrupted_headers_and_tables(obj):
    data = obj("multi_prog").read_bytes()
    f = ElfFile(data, "m.o")
    shoff = f.shoff
    strsec = f.sections[f.shstrndx]
    symtab = next(s for s in f.sections if s.type == 2)
    cases = {
        "e_shoff past end": _corrupt(data, 0x28, "Q", len(data) + 64),
        "e_shentsize": _corrupt(data, 0x3A, "H", 40),
        "e_shstrndx": _corrupt(data, 0x3E, "H", 999),
        "section offset": _corrupt(data, shoff + 3 * 64 + 24, "Q", 1 << 40),
        "section name offset": _corrupt(data, shoff + 3 * 64, "I", strsec.size + 100),
        "symtab entsize": _corrupt(data, shoff + symtab.index * 64 + 56, "Q", 7),
        "symtab link": _corrupt(data, shoff + symtab.index * 64 + 40, "I", 999),
        "strtab unterminated": data[:strsec.offset + strsec.size - 1] + b"X" + data[strsec.offset + strsec.size:],
    }
    for what, bad in cases.items():
        with pytest.raises(BpfDoctorError) as e:
            everything(bad)
        assert "x.o" in str(e.value), what


def test_every_truncation(obj):
    """Cut at every byte of the header region and at a stride after it."""
    data = obj("ldabs").read_bytes()
    cuts = list(range(0, 300)) + list(range(300, len(data), 11))
    for n in cuts:
        try:
            everything(data[:n])
        except BpfDoctorError:
            pass


FIXTURES = ["multi_prog", "maps_btf", "core", "xdp_ddos01_blacklist.bpfeb", "isa_all"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(FIXTURES), flips=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)),
                                                     max_size=12),
       cut=st.one_of(st.none(), st.integers(0, 1 << 20)))
def test_flipped_and_truncated_objects(build_dir, name, flips, cut):
    data = bytearray((build_dir / f"{name}.o").read_bytes())
    for pos, val in flips:
        data[pos % len(data)] = val
    if cut is not None:
        data = data[:cut % (len(data) + 1)]
    try:
        everything(bytes(data))
    except BpfDoctorError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes(data):
    try:
        everything(b"\x7fELF\x02\x01\x01" + data)
    except BpfDoctorError:
        pass


def test_kernel_syntax_refuses_a_last_ld_imm64_without_its_second_slot(tmp_path):
    from bpfdoctor.elf.objdump import code_sections

    data = bytearray((BUILD / "multi_prog.o").read_bytes())
    sec = code_sections(ElfFile(bytes(data), "m.o"), None)[0]
    data[sec.offset + sec.size - 8] = 0x18  # the last exit becomes half an ld_imm64
    bad = tmp_path / "half.o"
    bad.write_bytes(bytes(data))
    for args in (["disasm", "--syntax", "kernel"], ["disasm", "--syntax", "kernel", "-S"]):
        res = run(*args, str(bad))
        assert res.exit_code == 2 and res.stdout == ""
        assert res.stderr.strip() == (f"bpfdoctor: {bad}: ld_imm64 without its second slot "
                                      f"(section {sec.name}, offset {sec.size - 8:#x})")
    # llvm-objdump's syntax shows it as <unknown> and goes on
    assert run("disasm", str(bad)).exit_code == 0
