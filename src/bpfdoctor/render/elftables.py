"""``elf sections``, ``elf symbols`` and ``elf relocs`` as JSON: one object
per row of the table llvm-objdump -h / llvm-readelf -s / -r print, with what
each row means for BPF (a section's kind, a relocation's use).  Pure."""

from __future__ import annotations


def sections_json(f) -> list[dict]:
    from bpfdoctor.elf.objdump import section_kind

    return [{"index": s.index, "name": s.name, "size": s.size, "vma": s.addr, "type": s.type,
             "flags": s.flags, "kind": section_kind(s)} for s in f.sections]


def symbols_json(f) -> list[dict]:
    n = len(f.sections)
    return [{"index": s.index, "name": f.symbol_name(s), "value": s.value, "size": s.size,
             "type": s.type, "bind": s.bind, "visibility": s.visibility,
             "section": f.sections[s.shndx].name if 0 < s.shndx < n else None,
             "shndx": s.shndx} for s in f.symbols]


def relocations_json(f) -> list[dict]:
    """Every relocation; in code, the instruction and what the loader does
    with it (``kind``: map, call, data, CO-RE ...)."""
    from bpfdoctor.elf.relocs import program_relocations, reloc_name

    out = []
    for rs in f.relocation_sections():
        target = f.sections[rs.info] if rs.info < len(f.sections) else None
        code = target is not None and target.is_exec
        meaning = {r.insn: r.kind for r in program_relocations(f, target)} if code else {}
        for r in f.relocations(rs):
            sym = f.symbols[r.sym] if r.sym < len(f.symbols) else None
            out.append({"section": rs.name, "target_section": target.name if target else None,
                        "offset": r.offset, "insn": r.offset // 8 if code else None,
                        "type": reloc_name(r.type), "type_id": r.type,
                        "symbol": f.symbol_name(sym) if sym else None,
                        "symbol_value": sym.value if sym else None,
                        "kind": meaning.get(r.offset // 8)})
    return out
