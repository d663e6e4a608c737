"""``bpfdoctor load`` as text: a head line, one block per program, the maps.

Renders a ``doctor.load_report.LoadReport``; lines are ``(text, style)``
pairs, printed through the console (colour only on a terminal).
"""

from __future__ import annotations

Lines = list[tuple[str, "str | None"]]


def print_load(report, color: bool | None, show_log: bool) -> None:
    from bpfdoctor.render.output import console, text_type

    con = console(color)
    Text = text_type(con)
    for text, style in load_lines(report, show_log):
        if text is None:
            con.print()
        else:
            con.print(Text(text, style=style or ""))


def load_lines(report, show_log: bool) -> list:
    """Every line of the report; ``(None, None)`` is an empty line."""
    out = _head(report)
    for p in report.programs:
        out.append((None, None))
        out += program_lines(p, show_log)
    if report.maps:
        out += [(None, None), ("maps", "bold")]
        out += [(line, None) for line in map_lines(report.maps)]
    notes = list(report.notes)
    if report.btf_sanitized:
        notes.append(f"BTF sanitized for this kernel: {', '.join(report.btf_sanitized)}")
    out += [(f"note: {note}", "yellow") for note in notes]
    return out


def _head(report) -> Lines:
    merr = report.map_error
    if merr is not None:
        out = [(f"{report.object}: not loaded: map {merr.name!r} could not be created: {merr.errno_name}",
                "bold red")]
        for f in merr.diagnosis:
            out.append((f"  cause: {f.summary}", "yellow"))
            if f.fix:
                out.append((f"    fix: {f.fix.splitlines()[0]}", None))
        if not merr.diagnosis:
            out.append((f"  {merr.message}", None))
        return out
    if not report.programs:
        head = f"{report.object}: no programs to load, {_count(len(report.maps), 'map')} created"
    else:
        verdict = "all loaded" if report.rejected == 0 else f"{report.rejected} not loaded"
        head = f"{report.object}: {report.loaded}/{len(report.programs)} programs loaded ({verdict})"
    return [(head, "bold green" if report.rejected == 0 else "bold red")]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def map_lines(maps) -> list[str]:
    """One line per map (``MapResult``); the name column is as wide as the
    longest name, so a 15-character kernel name is never glued to its type."""
    from bpfdoctor.elf.object import map_type_name

    types = [map_type_name(m.map_type) for m in maps]
    wn = max((len(m.kernel_name) for m in maps), default=0)
    wt = max((len(t) for t in types), default=0)
    out = []
    for m, t in zip(maps, types):
        pin = f"  pinned {m.pinned}" if m.pinned else ""
        out.append(f"  {m.kernel_name:<{wn}}  {t:<{wt}}  id {m.id:<6} key {m.key_size}B "
                   f"value {m.value_size}B max_entries {m.max_entries}{pin}")
    return out


def program_lines(p, show_log: bool) -> Lines:
    """One program (``ProgramReport``): what was loaded, or why not."""
    r = p.result
    head = f"{r.name} ({r.prog_type}, section {r.section})"
    if r.status == "loaded":
        out = _loaded_lines(r, head)
    elif r.status == "error":
        out = [(f"FAIL  {head}: not loaded: {r.message}", "bold red")]
    else:
        out = [(f"FAIL  {head}: rejected: {r.errno_name} ({p.errno_meaning})", "bold red")]
        out += _explanation_lines(p)
        for f in p.diagnosis:
            out.append((f"      cause: {f.summary}", "yellow"))
            if f.fix:
                out.append((f"        fix: {f.fix.splitlines()[0]}", None))
        if not show_log and p.log_tail:
            out.append(("      log (last lines):", "bold"))
            out += [(f"        {ln}", "dim") for ln in p.log_tail]
    poisoned = [c for c in r.core if c.poisoned]
    if poisoned:
        out.append((f"      CO-RE: {len(poisoned)} of {len(r.core)} relocations failed "
                    f"and were poisoned ({', '.join(c.spec for c in poisoned[:3])})", "yellow"))
    if show_log and p.log:
        out.append(("      verifier log:", "bold"))
        out += [(f"        {ln}", "dim") for ln in p.log.splitlines()]
    return out


def _loaded_lines(r, head: str) -> Lines:
    out = [(f"ok    {head}: loaded, id {r.id}, tag {r.tag}", "green"),
           (f"      xlated {r.xlated_len} B, jited {r.jited_len} B, {r.insn_count} insns"
            + (f" (with {', '.join(r.subprograms)})" if r.subprograms else ""), None)]
    st = r.stats
    parts = [f"{(st.processed_insns if st else None) or r.verified_insns} insns processed"]
    if st is not None and st.total_states is not None:
        parts.append(f"{_count(st.total_states, 'state')} (peak {st.peak_states})")
    if st is not None and st.time_usec is not None:
        parts.append(f"{st.time_usec} us")
    if st is not None and st.stack_depth:
        parts.append("stack " + "+".join(map(str, st.stack_depth)))
    out.append(("      verifier: " + ", ".join(parts), None))
    if r.pinned:
        out.append((f"      pinned at {r.pinned}", None))
    return out


def _registers(ev: dict) -> Lines:
    regs = ev.get("registers") or {}
    if not regs:
        return []
    return [("      registers " + " ".join(f"{k}={v}" for k, v in list(regs.items())[:6]), None)]


def _explanation_lines(p) -> Lines:
    f = p.explanation
    if not f:
        return [(f"      error: {p.result.message}", None)]
    ev = f.evidence or {}
    if p.diagnostic is not None:
        from bpfdoctor.render.diagnostic import diagnostic_lines

        return diagnostic_lines(p.diagnostic, "      ") + _registers(ev)
    out = [(f"      error     {ev.get('message', p.result.message)}", None)]
    for key, label in (("insn", "insn"), ("source", "source"), ("subprogram", "function")):
        if key in ev:
            out.append((f"      {label:<9} {ev[key]}", None))
    out += _registers(ev)
    out.append((f"      why       {f.summary}", None))
    if f.detail:
        out.append((f"                {f.detail.splitlines()[0]}", "dim"))
    if f.fix:
        first, *rest = f.fix.splitlines()
        out.append((f"      fix       {first}", "cyan"))
        out += [(f"                {r}", "cyan") for r in rest[:4]]
    return out
