"""Our lean ELF reader agrees with pyelftools on every fixture: sections,
symbols and relocations, field by field."""

from __future__ import annotations

import pytest

from bpfdoctor.elf.reader import ElfFile
from testlib import BUILD, fixture_objects

elftools = pytest.importorskip("elftools.elf.elffile")
from elftools.elf.relocation import RelocationSection  # noqa: E402

OBJECTS = fixture_objects() + [BUILD / "large.o"]


@pytest.mark.parametrize("path", OBJECTS, ids=lambda p: p.name)
def test_same_view_as_pyelftools(path, build_dir):
    ours = ElfFile.open(path)
    with open(path, "rb") as f:
        ref = elftools.ELFFile(f)
        assert ours.little_endian == ref.little_endian
        ref_secs = list(ref.iter_sections())
        assert [(s.index, s.name, s.type, s.flags, s.offset, s.size, s.link, s.info, s.entsize)
                for s in ours.sections] == [
            (i, s.name, s.header["sh_type"] if isinstance(s.header["sh_type"], int) else _SHT[s.header["sh_type"]],
             s.header["sh_flags"], s.header["sh_offset"], s.header["sh_size"], s.header["sh_link"],
             s.header["sh_info"], s.header["sh_entsize"]) for i, s in enumerate(ref_secs)]
        symtab = ref.get_section_by_name(".symtab")
        assert [(s.name, s.value, s.size, s.shndx) for s in ours.symbols] == [
            (s.name, s["st_value"], s["st_size"], _ndx(s["st_shndx"])) for s in symtab.iter_symbols()]
        for rs in ref_secs:
            if isinstance(rs, RelocationSection):
                mine = ours.relocations(ours.sections[ref_secs.index(rs)])
                theirs = [(r["r_offset"], r["r_info_type"], r["r_info_sym"]) for r in rs.iter_relocations()]
                assert [(r.offset, r.type, r.sym) for r in mine] == theirs, rs.name


_SHT = {"SHT_NULL": 0, "SHT_PROGBITS": 1, "SHT_SYMTAB": 2, "SHT_STRTAB": 3, "SHT_RELA": 4, "SHT_NOBITS": 8,
        "SHT_REL": 9, "SHT_LLVM_ADDRSIG": 0x6FFF4C03}


def _ndx(v):
    return {"SHN_UNDEF": 0, "SHN_ABS": 0xFFF1, "SHN_COMMON": 0xFFF2}.get(v, v)
