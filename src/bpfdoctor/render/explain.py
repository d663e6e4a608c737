"""``bpfdoctor explain`` as text, one line, or JSON.

Renders a ``verifier.Explanation``: the verdict line, the diagnostic
(``render.diagnostic``) when the family has one, the evidence rows, why and
the fix, and with ``show_log`` the log lines before the verdict.  Pure.
"""

from __future__ import annotations


def print_explanation(result, show_log: bool, color: bool | None) -> None:
    from bpfdoctor.render.output import console, text_type

    con = console(color)
    Text = text_type(con)
    for pieces in explanation_lines(result, show_log):
        if not pieces:
            con.print()
            continue
        (first, style), *rest = pieces
        text = Text(first, style=style or "")
        for piece, style in rest:
            text = text + Text(piece, style=style or "")
        con.print(text)


def explanation_lines(result, show_log: bool) -> list[list[tuple[str, str | None]]]:
    """The text lines, each a list of ``(text, style)`` pieces; ``[]`` is an empty line."""
    from bpfdoctor.render.findings import MARK, STYLE

    f = result.finding
    out = [[(f"{MARK[f.severity]} {f.id}: {f.summary}", STYLE[f.severity])]]
    if result.diagnostic is not None:
        from bpfdoctor.render.diagnostic import diagnostic_lines

        out.append([])
        out += [[line] for line in diagnostic_lines(result.diagnostic, "  ")]
        out.append([])
    out += [[(f"  {label:<10} ", "bold"), (value, None)] for label, value in evidence_rows(result)]
    entry = result.entry
    if entry is not None and result.diagnostic is None:
        out += [[], [("  why       ", "bold"), (entry.explanation, None)],
                [("  cause     ", "bold"), (entry.cause, None)]]
    if f.fix and result.diagnostic is None:
        first, *rest = f.fix.splitlines()
        out.append([("  fix       ", "bold"), (first, None)])
        out += [[(f"              {line}", "cyan")] for line in rest]
    if f.reference:
        out.append([(f"  see       {f.reference}", "dim")])
    if show_log and result.log.excerpt:
        out += [[], [("  log (last lines before the verdict):", "bold")]]
        out += [[(f"    {line}", "dim")] for line in result.log.excerpt]
    return out


def evidence_rows(result) -> list[tuple[str, str]]:
    """(label, value) rows of the finding's evidence, in a fixed order."""
    ev = result.finding.evidence
    rows = []
    if "insn" not in ev and "insn_index" in ev:
        rows.append(("insn", f"#{ev['insn_index']} (named in the message)"))
    for key, label in (("program", "program"), ("message", "error"), ("detail", ""),
                       ("insn", "insn"), ("subprogram", "function"), ("source", "source"),
                       ("acquired_by", "acquired"), ("errno", "errno"),
                       ("processed_insns", "processed")):
        if key == "detail":
            rows.extend(("", line) for line in ev.get("detail", [])[:3])
        elif key in ev:
            rows.append((label, str(ev[key])))
    for name, value in ev.get("registers", {}).items():
        rows.append(("registers" if not any(r[0] == "registers" for r in rows) else "",
                     f"{name}={value}"))
    if ev.get("path"):
        rows.append(("path", ", ".join(ev["path"][-8:])))
    for note in ev.get("notes", []):
        rows.append(("note", note))
    return rows


def one_line_text(result) -> str:
    """``--one-line``: the diagnostic's compiler-style line, else ``id: summary``."""
    if result.diagnostic is not None:
        from bpfdoctor.render.diagnostic import one_line

        return one_line(result.diagnostic) + "\n"
    return f"{result.finding.id}: {result.finding.summary}\n"


def explanation_json(result, show_log: bool) -> dict:
    """``--json``: the explanation's dict; the log excerpt only with ``show_log``."""
    data = result.to_dict()
    if not show_log:
        data["log"].pop("excerpt", None)
    return data
