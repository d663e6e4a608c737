"""``llvm-readelf-19 -r`` and ``-s`` compatible text (GNU style output of
llvm/tools/llvm-readobj/ELFDumper.cpp)."""

from __future__ import annotations

from bpfdoctor.elf.reader import SHN_ABS, SHN_COMMON, SHN_UNDEF, SHT_RELA, STT_SECTION, ElfFile
from bpfdoctor.elf.relocs import RELOC_NAMES

_TYPES = {0: "NOTYPE", 1: "OBJECT", 2: "FUNC", 3: "SECTION", 4: "FILE", 5: "COMMON", 6: "TLS",
          10: "GNU_IFUNC"}
_BINDS = {0: "LOCAL", 1: "GLOBAL", 2: "WEAK", 10: "UNIQUE"}
_VIS = {0: "DEFAULT", 1: "INTERNAL", 2: "HIDDEN", 3: "PROTECTED"}
_UNKNOWN_TYPE = f"{'Unknown':<22}"


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
    # The part after the type column depends only on the symbol: build it once.
    tails = [""] + [f" {s.value:016x} {elf.symbol_name(s) if s.type == STT_SECTION else s.name}"
                    for s in syms[1:]]
    types = {t: f"{n:<22}" for t, n in RELOC_NAMES.items()}
    out = []
    for rs in relsecs:
        rels = elf.relocations(rs)
        n = len(rels)
        # llvm-readelf says "1 entries" (ELFDumper.cpp printRelocHeaderFields).
        out.append(f"\nRelocation section '{rs.name}' at offset {rs.offset:#x} contains {n} entries:\n")
        if rs.type == SHT_RELA:
            out.append("    Offset             Info             Type               Symbol's Value  Symbol's Name"
                       " + Addend\n")
            out.extend(_rela_line(r, syms, tails, types) for r in rels)
            continue
        out.append("    Offset             Info             Type               Symbol's Value  Symbol's Name\n")
        # One %-format per section keeps the per-line work in C.
        fields = []
        for r in rels:
            fields += (r.offset, (r.sym << 32) | r.type, types.get(r.type) or _UNKNOWN_TYPE, tails[r.sym])
        out.append(("%016x  %016x %s%s\n" * n) % tuple(fields))
    return "".join(out)


def _rela_line(r, syms, tails, types) -> str:
    line = f"{r.offset:016x}  {(r.sym << 32) | r.type:016x} {types.get(r.type) or _UNKNOWN_TYPE}"
    sign = "-" if r.addend < 0 else "+"
    if r.sym:
        return f"{line}{tails[r.sym]} {sign} {abs(r.addend):x}\n"
    return f"{line}{'':>34}{'-' if r.addend < 0 else ''}{abs(r.addend):x}\n"
