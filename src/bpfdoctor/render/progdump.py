"""``prog dump xlated`` and ``prog dump jited`` over one or several programs.

bpftool prints one program's dump bare, and several each under its
``print_prog_header`` (text) or as ``[{header fields..., "insns": [...]}]``
(JSON).  Takes the ``kernel.prog_dump`` records (duck-typed); pure.
"""

from __future__ import annotations

from bpfdoctor.render import prog as R


def header_json(entry) -> dict:
    """print_prog_header_json: the leading fields of a 'prog show' entry."""
    full = R.entry_json(entry, any_pinned=False)
    keep = ("id", "type", "name", "tag", "gpl_compatible", "run_time_ns", "run_cnt", "recursion_misses")
    return {k: full[k] for k in keep if k in full}


def _joined(dumps, texts) -> str:
    if len(dumps) == 1:
        return texts[0]
    return "\n".join(R.header_text(d.data.entry) + "\n" + t for d, t in zip(dumps, texts))


def xlated_text(dumps, *, opcodes: bool, linum: bool, source: bool) -> str:
    from bpfdoctor.isa import xlated as X

    return _joined(dumps, [X.format_plain(list(d.lines), opcodes=opcodes, linum=linum, source=source)
                           for d in dumps])


def xlated_json(dumps, *, opcodes: bool, linum: bool, source: bool):
    from bpfdoctor.isa import xlated as X

    body = [X.to_json(list(d.lines), opcodes=opcodes, linum=linum, source=source) for d in dumps]
    if len(dumps) == 1:
        return body[0]
    return [{**header_json(d.data.entry), "insns": b} for d, b in zip(dumps, body)]


def _funcs(d, source: bool):
    from bpfdoctor.record import replace

    return d.funcs if source else tuple(replace(f, sources=None) for f in d.funcs)


def jited_text(dumps, spec, syntax: str, *, opcodes: bool, linum: bool, source: bool) -> str:
    from bpfdoctor.jit.disasm import format_listing

    return _joined(dumps, [R.jited_text(_funcs(d, source), linum=linum,
                                        listing=lambda b: format_listing(b, spec, syntax, opcodes=opcodes))
                           for d in dumps])


def jited_json(dumps, spec, syntax: str, *, linum: bool, source: bool):
    from bpfdoctor.jit.disasm import disassemble

    body = [R.jited_json(_funcs(d, source), insns_of=lambda b: disassemble(b, spec, syntax), linum=linum)
            for d in dumps]
    return body if len(body) > 1 else body[0]


def jited_kernel_log(dumps) -> str:
    """--as-kernel-log: each program as the kernel's bpf_jit_enable=2 dump."""
    return "".join(R.kernel_log(d.funcs, comm=d.data.entry.info.name) for d in dumps)
