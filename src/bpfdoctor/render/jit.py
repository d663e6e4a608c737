"""``bpfdoctor jit`` as text and JSON: the dump table, a disassembly, a
written image.  Renders ``jit.logparse`` records (``JitLog``, ``JitDump``)
and ``jit.disasm`` instructions.  Pure (capstone is imported by
``jit.disasm`` only when something is disassembled)."""

from __future__ import annotations


def dump_status(d) -> str:
    """ok, int3-only, truncated N/M (bytes found of proglen) or bad."""
    if d.all_int3:
        return "int3-only"
    if d.complete:
        return "ok"
    return f"truncated {d.bytes_found}/{d.proglen}" if d.bytes_found < d.proglen else "bad"


def list_text(jitlog) -> str:
    """``jit list``: one row per dump, then a summary line."""
    from bpfdoctor.render.table import columns

    rows = [("INDEX", "LINE", "FLEN", "PROGLEN", "PASS", "IMAGE", "COMM", "PID", "STATUS")]
    for d in jitlog.dumps:
        rows.append((d.index, d.first_line, d.flen, d.proglen, d.passes, d.image, d.comm, d.pid, dump_status(d)))
    summary = f"{len(jitlog.dumps)} JIT dump(s) in {jitlog.source}"
    if jitlog.orphan_rows:
        summary += f"; {jitlog.orphan_rows} 'JIT code:' row(s) without a header"
    return "\n".join(columns(rows)) + "\n" + summary + "\n"


def header_line(dump) -> str:
    """The line bpf_jit_disasm prints before the listing (alone with ``-O FILE``)."""
    from bpfdoctor.jit.disasm import format_header

    return format_header(dump.proglen, dump.passes, dump.flen, dump.image)


def disasm_text(dump, spec, syntax: str, opcodes: bool) -> str:
    """bpf_jit_disasm's output: the header line, then the listing."""
    from bpfdoctor.jit.disasm import format_listing

    return header_line(dump) + format_listing(dump.data, spec, syntax, opcodes=opcodes)


def disasm_json(source, dump, spec, syntax: str) -> dict:
    from bpfdoctor.jit.disasm import disassemble

    return {"source": source, "dump": dump.to_dict(), "arch": spec.name, "syntax": syntax,
            "code": dump.data.hex(), "insns": [i.to_dict() for i in disassemble(dump.data, spec, syntax)]}


def image_json(source, dump, written: str) -> dict:
    return {"source": source, "dump": dump.to_dict(), "written": written}
