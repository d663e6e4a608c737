"""Text for ``bpfdoctor compat``: the targets with a summary line each, then
the programs x targets matrix, each cell the verdict with a footnote number
for its first failing requirement, then the footnotes.  ``--details`` adds
every requirement that is not plainly ok, per cell."""

from __future__ import annotations

from bpfdoctor.compat.model import FAIL, INFO, OK, UNKNOWN, WARN, CompatReport
from bpfdoctor.render.table import columns

_WORD = {OK: "ok", INFO: "ok", UNKNOWN: "?", WARN: "warn", FAIL: "FAIL"}
_STYLE = {OK: "green", INFO: "green", UNKNOWN: "yellow", WARN: "yellow", FAIL: "bold red"}


def compat_lines(report: CompatReport, details: bool = False) -> list[tuple[str, str | None]]:
    """(line, style) pairs; the CLI prints them with or without colour."""
    out: list[tuple[str, str | None]] = []
    n_t = len(report.targets)
    verdict = "compatible with every target" if report.compatible else "NOT compatible with every target"
    out.append((f"{report.object}: {len(report.programs)} programs x {n_t} target"
                f"{'s' if n_t != 1 else ''}: {verdict}", "bold green" if report.compatible else "bold red"))
    out.append(("", None))
    rows = []
    for i, t in enumerate(report.targets, 1):
        s = report.target_summary(t.name)
        parts = [f"{s['compatible']}/{s['programs']} compatible"]
        parts += [f"{s[k]} {k}" for k in (FAIL, WARN, UNKNOWN) if s[k]]
        rows.append((f"T{i}", t.name, ", ".join(parts)))
    out.append(("targets", "bold"))
    for (tid, name, summ), line, t in zip(rows, columns(rows, "  "), report.targets):
        style = "green" if summ.startswith(f"{len(report.programs)}/") and "," not in summ else "yellow"
        out.append((line, style))
        # The source on its own line keeps the table inside 80 columns.
        out.append((f"      from {_source(t)}", None))
    out.append(("", None))
    notes: dict[str, int] = {}
    table = [["program", "section"] + [f"T{i}" for i in range(1, n_t + 1)]]
    for name, section, _ in report.programs:
        row = [name, section]
        for t in report.targets:
            c = report.cell(name, t.name)
            fp = c.first_problem
            word = _WORD[c.status]
            if fp is not None:
                text = fp.summary + (" (needed to attach; the load works)" if fp.stage == "attach" else "")
                num = notes.setdefault(text, len(notes) + 1)
                word += f" [{num}]"
            row.append(word)
        table.append(row)
    lines = columns(table)
    out.append((lines[0], "bold"))
    out += [(line, None) for line in lines[1:]]
    if notes:
        out.append(("", None))
        for text, num in notes.items():
            out.append((f"[{num}] {text}", None))
    if details:
        out += _details(report)
    return out


def _source(t) -> str:
    extra = []
    if t.has_config:
        extra.append("config")
    if t.has_symbols:
        extra.append("symbols")
    import os

    # The file name is enough to recognise it; --json has the whole path.
    src = os.path.basename(t.source or "") if t.source and not t.source.startswith("/sys/") else (t.source or "")
    return src + (f" (+{', '.join(extra)})" if extra else "")


def _details(report: CompatReport) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for name, _, _ in report.programs:
        for t in report.targets:
            c = report.cell(name, t.name)
            shown = [r for r in c.requirements if r.status not in (OK,)]
            out.append(("", None))
            out.append((f"{name} on {t.name}: {c.status} ({len(c.requirements)} requirements)", _STYLE[c.status]))
            for r in shown:
                at = f" (insn {r.insn})" if r.insn is not None else ""
                out.append((f"  {_WORD[r.status]:<4} {r.kind} {r.subject}{at}: {r.evidence}", _STYLE[r.status]))
    return out


def print_compat(report: CompatReport, details: bool, color: bool | None, wrote: tuple | None = None) -> None:
    """The text report; ``wrote``: (path, bytes, target name) of an emitted minimal BTF."""
    from bpfdoctor.render.output import console, text_type

    con = console(color)
    Text = text_type(con)
    for line, style in compat_lines(report, details):
        con.print(Text(line, style=style or ""))
    if wrote is not None:
        path, size, target = wrote
        con.print(Text(f"wrote {path} ({size} bytes of BTF for {target})"))


def compat_json(report: CompatReport, min_btf: tuple | None = None) -> dict:
    """The JSON report; ``min_btf``: (path, bytes) of an emitted minimal BTF."""
    out = report.to_dict()
    if min_btf is not None:
        out["min_btf"] = {"path": min_btf[0], "bytes": min_btf[1]}
    return out
