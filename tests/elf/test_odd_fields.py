"""Fields no compiler writes, read as llvm-readelf and llvm-objdump read them.

Found by comparing our listings with theirs on the ELF families' fuzz
corpora: symbol sizes wider than the column, st_other bits beyond the
visibility, unknown types and bindings, reserved section indexes, section
symbols without a name; sections typed other than PROGBITS; names in UTF-8.
"""

from __future__ import annotations

import struct
import subprocess

import pytest
from testlib import BUILD, require_tool, run_cli

from bpfdoctor.elf.reader import ElfFile

pytestmark = pytest.mark.tools

SRC = BUILD / "btf_kinds.o"
_SHNDX = [0, 1, 2, 0xFFF1, 0xFFF2, 0xFF00, 0xFF1F, 0xFF20, 0xFF3F, 0xFF40, 0xFEFF, 0xFFFF, 0xFFF3,
          0xFFF0, 0xFFFE, 200]


def _same_as_llvm(tmp_path, monkeypatch, data: bytes, ours: tuple[str, ...], tool: tuple[str, ...],
                  *, upto_error: bool = False) -> str:
    """Write ``data``, list it with the LLVM ``tool`` and with ``bpfdoctor
    ours``, and require the same text (``upto_error``: the tool stops with an
    error where we go on, so its text is only our beginning).  Returns theirs."""
    require_tool(tool[0])
    (tmp_path / "odd.o").write_bytes(data)
    ref = subprocess.run([*tool, "odd.o"], cwd=tmp_path, capture_output=True, timeout=60)
    monkeypatch.chdir(tmp_path)
    res = run_cli(*ours, "odd.o")
    assert res.exit_code == 0, res.stderr
    want = ref.stdout.decode()
    if upto_error:
        assert ref.returncode == 1 and res.stdout.startswith(want)
    else:
        assert ref.returncode == 0 and res.stdout == want
    return want


def _symbols(vary) -> bytes:
    """btf_kinds.o with each symbol i > 0 rewritten by ``vary(i, n_sections)``
    to (st_name or None to keep it, st_info, st_other, st_shndx, st_size)."""
    data = bytearray(SRC.read_bytes())
    elf = ElfFile(bytes(data), str(SRC))
    symtab = next(s for s in elf.sections if s.type == 2)
    for i in range(1, len(elf.symbols)):
        at = symtab.offset + 24 * i
        name, info, other, shndx, size = vary(i, len(elf.sections))
        if name is not None:
            struct.pack_into("<I", data, at, name)
        struct.pack_into("<BBH", data, at + 4, info, other, shndx)
        struct.pack_into("<Q", data, at + 16, size)
    return bytes(data)


CASES = {
    # bindings and types of every value, st_other bits, sizes past the column
    "every field": lambda i, n: (None, ((i * 7) % 16) << 4 | (i * 5) % 16, [0, 1, 2, 3, 9, 0x20, 0x80, 0xFF][i % 8],
                                 _SHNDX[i % 13], [0, 5, 99999, 100000, 1 << 40, (1 << 64) - 1][i % 6]),
    # section symbols on reserved and out-of-range indexes, with their names
    "section symbols": lambda i, n: (None, 1 << 4 | 3, 0, (_SHNDX + [n, n - 1])[i % 18], 0),
    # and without: "<?>", "<section N>" or the section's name
    "unnamed section symbols": lambda i, n: (0, 1 << 4 | 3, 0, (_SHNDX + [n, n - 1])[i % 18], 0),
}


@pytest.mark.parametrize("case", CASES)
def test_symbol_tables_read_as_llvm_readelf_reads_them(case, tmp_path, monkeypatch):
    _same_as_llvm(tmp_path, monkeypatch, _symbols(CASES[case]), ("elf", "symbols"), ("llvm-readelf-19", "-s"))


def test_sections_read_as_llvm_objdump_reads_them(tmp_path, monkeypatch):
    # a UTF-8 name is measured and padded in bytes; an allocated section that
    # is not PROGBITS is not DATA (ELFObjectFile::isSectionData)
    data = bytearray(SRC.read_bytes())
    elf = ElfFile(bytes(data), str(SRC))
    names = elf.sections[elf.shstrndx]
    text = elf.section(".text")
    (name_off,) = struct.unpack_from("<I", data, elf.shoff + 64 * text.index)
    at = names.offset + name_off  # (".rel.text" may share these bytes)
    data[at:at + 5] = ".t\u00e9x".encode()  # 5 bytes, 4 characters
    rodata = elf.section(".rodata")
    struct.pack_into("<I", data, elf.shoff + 64 * rodata.index + 4, 7)  # SHT_NOTE, still SHF_ALLOC
    ref = _same_as_llvm(tmp_path, monkeypatch, bytes(data), ("elf", "sections"), ("llvm-objdump-19", "-h"))
    assert ".t\u00e9x" in ref


def _relocations(symbols: dict[int, tuple[int | None, int, int]], targets: list[tuple[int, int]]) -> bytes:
    """btf_kinds.o with symbols rewritten ({index: (st_name or None, st_info,
    st_shndx)}) and the relocations of its program section pointed at
    ``targets`` [(symbol, type)], in turn."""
    data = bytearray(SRC.read_bytes())
    elf = ElfFile(bytes(data), str(SRC))
    symtab = next(s for s in elf.sections if s.type == 2)
    for i, (name, info, shndx) in symbols.items():
        at = symtab.offset + 24 * i
        if name is not None:
            struct.pack_into("<I", data, at, name)
        struct.pack_into("<BBH", data, at + 4, info, 0, shndx)
    rel = elf.section(".relkprobe/do_nothing")
    for j in range(rel.size // 16):
        sym, typ = targets[j % len(targets)]
        struct.pack_into("<Q", data, rel.offset + 16 * j + 8, sym << 32 | typ)
    return bytes(data)


def _named(count: int) -> list[int]:
    return [s.index for s in ElfFile(SRC.read_bytes(), str(SRC)).symbols if s.name][:count]


RELOCS = {
    # symbol 0, an unnamed NOTYPE symbol ("<null>"), unnamed section symbols
    # on a reserved index ("<?>") or past the last section, unknown types
    "unnamed targets": lambda: _relocations(
        {5: (0, 0x10, 1), 6: (0, 0x13, 0xFFF1), 7: (0, 0x13, 200), 8: (0, 0x13, 1)},
        [(0, 1), (5, 0), (6, 10), (7, 3), (8, 2), (1, 4), (2, 50), (0, 50)]),
    # named section symbols: their own name in readelf, the section in objdump
    "named section symbols": lambda: _relocations(
        {i: (None, 0x13, sh) for i, sh in zip(_named(6), [1, 0xFFF1, 0, 0xFF00, 0xFFF2, 2])},
        [(i, 1) for i in _named(6)]),
}


@pytest.mark.parametrize("case", RELOCS)
@pytest.mark.parametrize("ours,theirs", [(("elf", "relocs"), ("llvm-readelf-19", "-r")),
                                          (("disasm", "-r"), ("llvm-objdump-19", "-dr"))])
def test_relocations_read_as_llvm_reads_them(case, ours, theirs, tmp_path, monkeypatch):
    # llvm-objdump stops with an error at the section symbol past the last
    # section; we go on (documented)
    stops = ours[0] == "disasm" and case == "unnamed targets"
    _same_as_llvm(tmp_path, monkeypatch, RELOCS[case](), ours, theirs, upto_error=stops)


@pytest.mark.parametrize("decodable", [True, False])
def test_an_ld_imm64_cut_off_by_its_section_end(decodable, tmp_path, monkeypatch):
    # a decodable ld_imm64 without its second word fails with Size 0 (one
    # byte skipped at a time); a first word that decodes as nothing fails
    # with Size 8 (one <unknown> of 8 bytes): we showed eight 1-byte lines
    data = bytearray(SRC.read_bytes())
    elf = ElfFile(bytes(data), str(SRC))
    sec = elf.section("kprobe/do_nothing")
    code = elf.section_data(sec)
    first = next(i for i in range(0, len(code), 8) if code[i] == 0x18)
    struct.pack_into("<Q", data, elf.shoff + 64 * sec.index + 32, first + 8)  # sh_size: cut after word 1
    if not decodable:
        struct.pack_into("<h", data, sec.offset + first + 2, 0x300)  # an offset no ld_imm64 has
    _same_as_llvm(tmp_path, monkeypatch, bytes(data), ("disasm",), ("llvm-objdump-19", "-d"))


def test_symbols_without_a_name_label_nothing(tmp_path, monkeypatch):
    # llvm-objdump skips them when it gathers labels: the section's own label
    # (or the previous symbol's) stands; we printed "<>:"
    data = bytearray(SRC.read_bytes())
    elf = ElfFile(bytes(data), str(SRC))
    symtab = next(s for s in elf.sections if s.type == 2)
    funcs = [s for s in elf.symbols if s.type == 2 and s.name]
    assert funcs
    for s in funcs:
        struct.pack_into("<I", data, symtab.offset + 24 * s.index, 0)
    _same_as_llvm(tmp_path, monkeypatch, bytes(data), ("disasm", "-r"), ("llvm-objdump-19", "-dr"))


def test_zero_runs_stop_at_relocations_under_dr(tmp_path, monkeypatch):
    # llvm-objdump -dr prints zero blocks patched by relocations instead of
    # "...", so that the relocations show; -d still skips them
    data = bytearray(SRC.read_bytes())
    elf = ElfFile(bytes(data), str(SRC))
    sec = elf.section("kprobe/do_nothing")
    data[sec.offset + 8:sec.offset + sec.size] = bytes(sec.size - 8)  # all but the first word
    _same_as_llvm(tmp_path, monkeypatch, bytes(data), ("disasm", "-r"), ("llvm-objdump-19", "-dr"))
    _same_as_llvm(tmp_path, monkeypatch, bytes(data), ("disasm",), ("llvm-objdump-19", "-d"))


def test_names_with_line_separators_other_than_newline(tmp_path, monkeypatch):
    # str.splitlines cut the listing inside a section name holding \x1e, and
    # its relocations were lost
    data = bytearray(SRC.read_bytes())
    elf = ElfFile(bytes(data), str(SRC))
    sec = elf.section("kprobe/do_nothing")
    names = elf.sections[elf.shstrndx]
    (name_off,) = struct.unpack_from("<I", data, elf.shoff + 64 * sec.index)
    data[names.offset + name_off + 6] = 0x1E  # "kprobe\x1edo_nothing" (".rel..." shares it)
    # .BTF.ext names the old section, and llvm-objdump gives up on a name it
    # cannot find: hide .BTF.ext from both
    table = bytes(data[names.offset:names.offset + names.size])
    at = names.offset + table.index(b".BTF.ext\0")
    data[at + 7] = ord("X")
    ref = _same_as_llvm(tmp_path, monkeypatch, bytes(data), ("disasm", "-r"), ("llvm-objdump-19", "-dr"))
    assert "kprobe\x1edo_nothing" in ref and "R_BPF_64_64" in ref


def test_an_empty_symbol_table_prints_nothing(tmp_path, monkeypatch):
    data = bytearray(SRC.read_bytes())
    elf = ElfFile(bytes(data), str(SRC))
    symtab = next(s for s in elf.sections if s.type == 2)
    struct.pack_into("<Q", data, elf.shoff + 64 * symtab.index + 32, 0)  # sh_size 0
    _same_as_llvm(tmp_path, monkeypatch, bytes(data), ("elf", "symbols"), ("llvm-readelf-19", "-s"))
