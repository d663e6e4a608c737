"""Disassembly listings beyond llvm-objdump: the kernel's syntax (as the
verifier log and ``bpftool prog dump xlated`` print it) and source lines from
``.BTF.ext`` line_info, which work on objects built without DWARF."""

from __future__ import annotations

import re

from bpfdoctor.elf.objdump import code_sections, disassemble, listing_lines
from bpfdoctor.elf.reader import STT_FUNC, ElfFile
from bpfdoctor.isa import kernel
from bpfdoctor.isa.insn import decode

_INSN_LINE = re.compile(r"^ *(\d+):")


def line_table(elf: ElfFile) -> dict[str, dict[int, tuple[str, int, str]]]:
    """section -> insn index -> (file, line, source text), from .BTF.ext."""
    from bpfdoctor.elf.object import BpfObject

    ext = BpfObject(elf).btf_ext
    if ext is None:
        return {}
    return {sec: {li.insn: (li.file, li.line, li.source) for li in lines}
            for sec, lines in ext.line_info.items()}


def _where(src: tuple[str, int, str]) -> str:
    return f"{src[0].rsplit('/', 1)[-1]}:{src[1]}"


def source_listing(elf: ElfFile, display: str, *, sections=None, show_raw: bool = True,
                   relocs: bool = False) -> str:
    """llvm-objdump -d output with ``; source`` lines before the instructions
    that start them, like ``llvm-objdump -S`` (which needs DWARF); ``relocs``
    as ``disassemble`` takes it."""
    table = line_table(elf)
    text = disassemble(elf, display, sections=sections, show_raw=show_raw, relocs=relocs)
    out = []
    current = None
    last = None
    for line in listing_lines(text):
        if line.startswith("Disassembly of section "):
            current = table.get(line[len("Disassembly of section "):-2], {})
            last = None
        elif current:
            m = _INSN_LINE.match(line)
            if m:
                src = current.get(int(m.group(1)))
                if src is not None and src != last:
                    # a record without text (line 0: compiler-made code) names
                    # its place, as --syntax kernel does, not a bare "; "
                    out.append(f"; {src[2]}\n" if src[2].strip() else f"; {_where(src)}\n")
                    last = src
        out.append(line)
    return "".join(out)


def kernel_listing(elf: ElfFile, display: str, *, sections=None, with_source: bool = False) -> str:
    """Each function in the kernel's syntax, numbered like bpftool's xlated dump."""
    table = line_table(elf) if with_source else {}
    out = [f"{display}: file format elf64-bpf\n"]
    for sec in code_sections(elf, sections):
        data = elf.section_data(sec)
        funcs = sorted((s for s in elf.symbols_in(sec.index) if s.type == STT_FUNC),
                       key=lambda s: s.value)
        starts = {s.value // 8: s.name for s in funcs}
        lines = table.get(sec.name, {})
        out.append(f"\nsection {sec.name}:\n")
        last = None
        usable = len(data) - len(data) % 8
        insns = decode(data[:usable], elf.little_endian, path=elf.path, section=sec.name) if usable else []
        for insn in insns:
            if insn.index in starts:
                out.append(f"{starts[insn.index]}:\n")
            src = lines.get(insn.index)
            if src is not None and src[:2] != last:
                last = src[:2]
                out.append(f"; {src[2]} @ {_where(src)}\n" if src[2].strip() else f"; {_where(src)}\n")
            out.append(f"{insn.index:4d}: {kernel.text(insn)}\n")
    return "".join(out)
