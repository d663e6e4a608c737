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
import os

from bpfdoctor.errors import NotFoundError, ParseError
from bpfdoctor.lazylog import get_logger
from bpfdoctor.verifier.explain import LineForInsn

log = get_logger(__name__)

def line_lookup(path: str | os.PathLike, program: str | None) -> LineForInsn:
    """A ``line_for_insn`` callback for ``program`` (a function name) in the object.

    With ``program`` None the object must hold exactly one program.
    Raises ParseError when the object has no .BTF/.BTF.ext line_info.
    """
    from bpfdoctor.elf import open_object

    obj = open_object(path)
    name = os.fspath(path)
    ext = obj.btf_ext
    if ext is None:
        raise ParseError(name, "no .BTF/.BTF.ext line_info (build with clang -g)")
    funcs = {p.name: p for p in obj.programs if p.section in ext.line_info}
    if program is None:
        if len(funcs) != 1:
            raise NotFoundError(f"{name}: {len(funcs)} programs in the object; name one with "
                                f"--program ({', '.join(sorted(funcs)) or 'none'})")
        program = next(iter(funcs))
    if program not in funcs:
        raise NotFoundError(f"{name}: no program {program!r} with line_info "
                            f"(programs: {', '.join(sorted(funcs)) or 'none'})")
    prog = funcs[program]
    section, start, count = prog.section, prog.first_insn, prog.insn_count
    records = ext.line_info[section]
    starts = [r.insn for r in records]

    def line_for_insn(idx: int) -> tuple[str, int, str] | None:
        if not 0 <= idx < count:
            return None
        pos = bisect.bisect_right(starts, start + idx) - 1
        if pos < 0 or records[pos].insn < start:
            return None
        rec = records[pos]
        return rec.file, rec.line, rec.source, rec.column

    log.debug("line_info for %s: section %s insns %d..%d, %d records", program, section,
              start, start + count, len(records))
    return line_for_insn


def program_context(path: str | os.PathLike, program: str | None, prog_type: str | None = None):
    """A ``ProgramContext`` from the object: the program's type (from its section
    unless ``prog_type`` is given) and its maps with their type and sizes."""
    from bpfdoctor.elf import open_object
    from bpfdoctor.verifier.context import MapFacts, ProgramContext

    obj = open_object(path)
    progs = {p.name: p for p in obj.programs}
    prog = progs.get(program or "") or (next(iter(progs.values())) if len(progs) == 1 else None)
    if prog_type is None and prog is not None and prog.prog_type:
        prog_type = prog.prog_type.lower()
    maps = {m.name: MapFacts(m.name, m.type_name, m.key_size, m.value_size, m.max_entries)
            for m in obj.maps}
    return ProgramContext(prog_type=prog_type, name=prog.name if prog else program, maps=maps)

