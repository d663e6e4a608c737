"""``line_for_insn`` from an object file's BTF line_info (pure: reads bytes).

The verifier numbers instructions from the start of the loaded program.
libbpf loads a program as its function's instructions, starting at the
symbol's offset in its ELF section, followed by the .text subprograms it
calls (libbpf.c: bpf_object__reloc_code appends them).  Index ``i`` below
the function's length is therefore section instruction ``symbol.value / 8
+ i``; appended subprograms are placed by libbpf at load time and are not
mapped here (the log's own ``; ... @ file:line`` comments still cover them).
A line_info record covers instructions from its ``insn`` to the next
record's (kernel/bpf/log.c: find_linfo does the same search).
"""

from __future__ import annotations

import bisect
import logging
import os

from bpfdoctor.errors import NotFoundError, ParseError
from bpfdoctor.verifier.explain import LineForInsn

log = logging.getLogger(__name__)

_STT_FUNC = 2
_INSN = 8


def _functions(elf) -> dict[str, tuple[str, int, int]]:
    """name -> (section, first insn, insn count) for every function symbol."""
    out = {}
    for sym in elf.symbols:
        if sym.type != _STT_FUNC or not sym.name or sym.shndx >= len(elf.sections):
            continue
        sec = elf.sections[sym.shndx]
        out[sym.name] = (sec.name, sym.value // _INSN, max(sym.size // _INSN, 1))
    return out


def line_lookup(path: str | os.PathLike, program: str | None) -> LineForInsn:
    """A ``line_for_insn`` callback for ``program`` (a function name) in the object.

    With ``program`` None the object must hold exactly one program.
    Raises ParseError when the object has no .BTF/.BTF.ext line_info.
    """
    from bpfdoctor.btf import parse_btf
    from bpfdoctor.btf.ext import parse_btf_ext
    from bpfdoctor.elf.reader import ElfFile

    elf = ElfFile.open(path)
    name = os.fspath(path)
    btf_data, ext_data = elf.section_data(".BTF"), elf.section_data(".BTF.ext")
    if not btf_data or not ext_data:
        raise ParseError(name, "no .BTF/.BTF.ext line_info (build with clang -g)")
    ext = parse_btf_ext(ext_data, parse_btf(btf_data, path=name))
    funcs = {n: f for n, f in _functions(elf).items() if f[0] in ext.line_info and f[0] != ".text"}
    if program is None:
        if len(funcs) != 1:
            raise NotFoundError(f"{name}: {len(funcs)} programs in the object; name one with "
                                f"--program ({', '.join(sorted(funcs)) or 'none'})")
        program = next(iter(funcs))
    if program not in funcs:
        raise NotFoundError(f"{name}: no program {program!r} with line_info "
                            f"(programs: {', '.join(sorted(funcs)) or 'none'})")
    section, start, count = funcs[program]
    records = ext.line_info[section]
    starts = [r.insn for r in records]

    def line_for_insn(idx: int) -> tuple[str, int, str] | None:
        if not 0 <= idx < count:
            return None
        pos = bisect.bisect_right(starts, start + idx) - 1
        if pos < 0 or records[pos].insn < start:
            return None
        rec = records[pos]
        return rec.file, rec.line, rec.source

    log.debug("line_info for %s: section %s insns %d..%d, %d records", program, section,
              start, start + count, len(records))
    return line_for_insn
