"""``llvm-readelf-19 -r`` and ``-s`` compatible text (GNU style output of
llvm/tools/llvm-readobj/ELFDumper.cpp)."""

from __future__ import annotations

from bpfdoctor.elf.reader import (SHN_ABS, SHN_COMMON, SHN_LORESERVE, SHN_UNDEF, SHT_RELA, STT_SECTION,
                                  ElfFile)
from bpfdoctor.elf.relocs import RELOC_NAMES

# llvm-readelf's names (ELFDumper.cpp ElfSymbolTypes, ElfSymbolBindings):
# type 10 is "IFUNC" there; other values are named by range below.
_TYPES = {0: "NOTYPE", 1: "OBJECT", 2: "FUNC", 3: "SECTION", 4: "FILE", 5: "COMMON", 6: "TLS",
          10: "IFUNC"}
_BINDS = {0: "LOCAL", 1: "GLOBAL", 2: "WEAK", 10: "UNIQUE"}
_VIS = {0: "DEFAULT", 1: "INTERNAL", 2: "HIDDEN", 3: "PROTECTED"}
_UNKNOWN_TYPE = f"{'Unknown':<22}"
# GNU-style columns of a 64-bit symbol row (Num, Value, Size, Type, Bind,
# Vis, Ndx, Name); Ndx and Name move 13 right when some symbol has st_other
# bits beyond the visibility ("[<other: 0x..>]" follows its Vis).
_SYM_COLUMNS = (0, 8, 25, 31, 39, 46, 56, 60)
_OTHER_SHIFT = 13


def _ndx(shndx: int) -> str:
    if shndx == SHN_UNDEF:
        return "UND"
    if shndx == SHN_ABS:
        return "ABS"
    if shndx == SHN_COMMON:
        return "COM"
    if 0xFF00 <= shndx <= 0xFF1F:
        return f"PRC[0x{shndx:04x}]"
    if 0xFF20 <= shndx <= 0xFF3F:
        return f"OS[0x{shndx:04x}]"
    if shndx >= SHN_LORESERVE:
        return f"RSV[0x{shndx:04x}]"
    return str(shndx)


def _type(t: int) -> str:
    if t in _TYPES:
        return _TYPES[t]
    if 10 <= t <= 12:
        return f"<OS specific>: {t}"
    if 13 <= t <= 15:
        return f"<processor specific>: {t}"
    return f"<unknown>: {t}"


def _symbol_name(elf: ElfFile, s) -> str:
    """getFullSymbolName: a symbol's own name; for a section symbol without
    one, its section's name, "<section N>" past the last section, "<?>"
    for an index that names no section (0 or reserved)."""
    if s.name or s.type != STT_SECTION:
        return s.name
    if s.shndx == SHN_UNDEF or s.shndx >= SHN_LORESERVE:
        return "<?>"
    if s.shndx >= len(elf.sections):
        return f"<section {s.shndx}>"
    return elf.sections[s.shndx].name


def _row(fields, columns) -> str:
    """formatted_raw_ostream::PadToColumn per field: spaces up to its
    column, at least one once a wider field has passed it."""
    out = ""
    for text, col in zip(fields, columns):
        out += " " * (col - len(out) if len(out) < col else (1 if out else 0)) + text
    return out


def format_symbols(elf: ElfFile) -> str:
    st = next((s for s in elf.sections if s.type == 2), None)
    syms = elf.symbols
    if st is None or not syms:
        return ""  # ELFDumper prints nothing for an empty table either
    other_used = any(s.other & ~3 for s in syms)
    shift = _OTHER_SHIFT if other_used else 0
    columns = _SYM_COLUMNS[:6] + (_SYM_COLUMNS[6] + shift, _SYM_COLUMNS[7] + shift)
    header = "   Num:    Value          Size Type    Bind   Vis" + " " * (7 + shift) + "Ndx Name"
    # GNUELFDumper::printSymtabMessage: a table without a name is "for image"
    title = f"Symbol table '{st.name}'" if st.name else "Symbol table for image"
    out = [f"\n{title} contains {len(syms)} entries:\n", header + "\n"]
    for s in syms:
        size = s.size - (1 << 64) if s.size >> 63 else s.size  # printed as a signed number
        vis = _VIS[s.visibility] + (f" [<other: {s.other:#x}>]" if s.other & ~3 else "")
        bind = _BINDS.get(s.bind, f"{s.bind:x}")
        out.append(_row((f"{s.index:6d}:", f"{s.value:016x}", f"{size:5d}", _type(s.type), bind, vis,
                         f"{_ndx(s.shndx):>3}", _symbol_name(elf, s)), columns) + "\n")
    return "".join(out)


def format_relocations(elf: ElfFile) -> str:
    relsecs = elf.relocation_sections()
    if not relsecs:
        return "\nThere are no relocations in this file.\n"
    syms = elf.symbols
    # The part after the type column depends only on the symbol: build it once.
    # ELFDumper's printRelRelaReloc: the value at column 58 and the name at 69
    # (so symbol 0, which has neither, still pads the line to 69), the name
    # as getFullSymbolName gives it, "<null>" when that is empty.
    tails = [" " * 12] + [f" {s.value:016x} {_symbol_name(elf, s) or '<null>'}" for s in syms[1:]]
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
