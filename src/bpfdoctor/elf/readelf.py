"""``llvm-readelf-19 -r`` and ``-s`` compatible text (GNU style output of
llvm/tools/llvm-readobj/ELFDumper.cpp)."""

from __future__ import annotations

from bpfdoctor.elf.reader import SHN_ABS, SHN_COMMON, SHN_UNDEF, SHT_RELA, STT_SECTION, ElfFile
from bpfdoctor.elf.relocs import RELOC_NAMES

_TYPES = {0: "NOTYPE", 1: "OBJECT", 2: "FUNC", 3: "SECTION", 4: "FILE", 5: "COMMON", 6: "TLS",
          10: "GNU_IFUNC"}
_BINDS = {0: "LOCAL", 1: "GLOBAL", 2: "WEAK", 10: "UNIQUE"}
_VIS = {0: "DEFAULT", 1: "INTERNAL", 2: "HIDDEN", 3: "PROTECTED"}


def _ndx(shndx: int) -> str:
    if shndx == SHN_UNDEF:
        return "UND"
    if shndx == SHN_ABS:
        return "ABS"
    if shndx == SHN_COMMON:
        return "COM"
    return str(shndx)


def format_symbols(elf: ElfFile) -> str:
    st = next((s for s in elf.sections if s.type == 2), None)
    if st is None:
        return ""
    syms = elf.symbols
    out = [f"\nSymbol table '{st.name}' contains {len(syms)} entries:\n",
           "   Num:    Value          Size Type    Bind   Vis       Ndx Name\n"]
    for s in syms:
        name = elf.symbol_name(s) if s.type == STT_SECTION else s.name
        out.append(f"{s.index:6d}: {s.value:016x} {s.size:5d} {_TYPES.get(s.type, f'<unknown>: {s.type}'):<7} "
                   f"{_BINDS.get(s.bind, f'<unknown>: {s.bind}'):<6} {_VIS[s.visibility]:<8}  "
                   f"{_ndx(s.shndx):>3} {name}\n")
    return "".join(out)


def format_relocations(elf: ElfFile) -> str:
    relsecs = elf.relocation_sections()
    if not relsecs:
        return "\nThere are no relocations in this file.\n"
    syms = elf.symbols
    out = []
    for rs in relsecs:
        rels = elf.relocations(rs)
        n = len(rels)
        # llvm-readelf says "1 entries" (ELFDumper.cpp printRelocHeaderFields).
        out.append(f"\nRelocation section '{rs.name}' at offset {rs.offset:#x} contains {n} entries:\n")
        rela = rs.type == SHT_RELA
        out.append("    Offset             Info             Type               Symbol's Value  Symbol's Name"
                   + (" + Addend\n" if rela else "\n"))
        for r in rels:
            info = (r.sym << 32) | r.type
            tname = RELOC_NAMES.get(r.type, "Unknown")
            line = f"{r.offset:016x}  {info:016x} {tname:<22}"
            if r.sym:
                s = syms[r.sym]
                name = elf.symbol_name(s) if s.type == STT_SECTION else s.name
                line += f" {s.value:016x} {name}"
                if rela:
                    line += f" {'-' if r.addend < 0 else '+'} {abs(r.addend):x}"
            elif rela:
                line += f"{'':>34}{'-' if r.addend < 0 else ''}{abs(r.addend):x}"
            out.append(line + "\n")
    return "".join(out)
