"""BPF relocations: type names (llvm/BinaryFormat/ELFRelocs/BPF.def, the names
of the kernel's Documentation/bpf/llvm_reloc.rst) and what each relocation of
a code section means to a loader."""

from __future__ import annotations

from bpfdoctor.record import record

from bpfdoctor.elf.reader import (SHN_UNDEF, STT_FUNC, STT_SECTION, ElfFile, Section)

RELOC_NAMES = {
    0: "R_BPF_NONE",
    1: "R_BPF_64_64",        # ld_imm64 of a map or global variable
    2: "R_BPF_64_ABS64",     # 64-bit data (e.g. DWARF)
    3: "R_BPF_64_ABS32",     # 32-bit data (e.g. DWARF)
    4: "R_BPF_64_NODYLD32",  # .BTF/.BTF.ext and map-in-map initial values
    10: "R_BPF_64_32",       # call: bpf-to-bpf or kfunc
}


def reloc_name(t: int) -> str:
    return RELOC_NAMES.get(t, f"unknown ({t})")


@record
class ProgramReloc:
    """A relocation of one instruction of a code section.

    ``kind``: "map" (a map definition), "data" (global data: .data, .rodata,
    .bss...), "call" (bpf-to-bpf call into a code section), "func_addr"
    (address of a function, for callbacks), "extern" (an undefined symbol:
    a kfunc, ``__ksym`` or ``__kconfig``), "other".
    """

    insn: int
    type: int
    symbol: str
    symbol_section: str | None
    symbol_value: int
    kind: str

    @property
    def type_name(self) -> str:
        return reloc_name(self.type)

    def to_dict(self) -> dict:
        return {"insn": self.insn, "type": self.type_name, "symbol": self.symbol,
                "symbol_section": self.symbol_section, "symbol_value": self.symbol_value,
                "kind": self.kind}


def _kind(elf: ElfFile, sym, sec: Section | None, rtype: int) -> str:
    if sym.shndx == SHN_UNDEF:
        return "extern"
    if sec is None:
        return "other"
    if sec.name in ("maps", ".maps") or sec.name.startswith("maps/"):
        return "map"
    if sec.flags & 0x4:
        if rtype == 10:
            return "call"
        return "func_addr"
    if sec.name.startswith((".data", ".rodata", ".bss")) or sec.name in (".kconfig", ".ksyms"):
        return "data"
    return "other"


def program_relocations(elf: ElfFile, code: Section) -> list[ProgramReloc]:
    syms = elf.symbols
    out = []
    for r in elf.relocations_for(code):
        sym = syms[r.sym] if r.sym < len(syms) else None
        if sym is None:
            continue
        sec = elf.sections[sym.shndx] if 0 < sym.shndx < len(elf.sections) else None
        name = elf.symbol_name(sym) if sym.type == STT_SECTION else sym.name
        out.append(ProgramReloc(r.offset // 8, r.type, name, sec.name if sec else None, sym.value,
                                _kind(elf, sym, sec, r.type)))
    return out


__all__ = ["RELOC_NAMES", "reloc_name", "ProgramReloc", "program_relocations", "STT_FUNC"]
