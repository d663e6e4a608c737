"""Findings as text for people: grouped by area, worst first within each
group, a one-line verdict on top.  Used by ``check``, ``memlock``, ``load``
and ``explain``.  Pure: builds rich renderables or plain strings."""

from __future__ import annotations

from bpfdoctor.findings import Finding, Severity, worst

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:  # the collections package: 1.5 ms of check's start-up
    from collections.abc import Iterable, Sequence

MARK = {Severity.OK: "ok", Severity.INFO: "info", Severity.WARN: "warn", Severity.FAIL: "FAIL"}
STYLE = {Severity.OK: "green", Severity.INFO: "cyan", Severity.WARN: "yellow", Severity.FAIL: "bold red"}
VERDICT = {Severity.OK: "all good", Severity.INFO: "all good (notes below)",
           Severity.WARN: "works, with warnings", Severity.FAIL: "problems found"}


def verdict_line(findings: Sequence[Finding], subject: str = "eBPF") -> str:
    w = worst(findings)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in Severity}
    parts = [f"{counts[s]} {s.value}" for s in (Severity.FAIL, Severity.WARN, Severity.INFO, Severity.OK) if counts[s]]
    return f"{subject}: {VERDICT[w]} ({', '.join(parts) or 'nothing checked'})"


def group(findings: Iterable[Finding], areas: Sequence[str] = ()) -> list[tuple[str, list[Finding]]]:
    """Findings by area, areas in ``areas`` order first, then as they come."""
    out: dict[str, list[Finding]] = {a: [] for a in areas}
    for f in findings:
        out.setdefault(f.area, []).append(f)
    return [(a, fs) for a, fs in out.items() if fs]


def finding_lines(f: Finding, verbose: bool = False) -> list[tuple[str, str | None]]:
    """(text, style) pieces of one finding: the mark line, then fix and detail."""
    lines = [(f"  {MARK[f.severity]:<5} {f.summary}", STYLE[f.severity])]
    if f.severity.rank >= 2 or verbose:
        if f.fix:
            first, *rest = f.fix.splitlines()
            lines.append((f"        fix: {first}", None))
            lines.extend((f"             {r}", None) for r in rest)
        if f.detail and f.detail != f.fix:
            lines.extend((f"        {d}", "dim") for d in f.detail.splitlines())
        if verbose and f.reference:
            lines.append((f"        see: {f.reference}", "dim"))
    return lines


def render_text(findings: Sequence[Finding], *, areas: Sequence[str] = (), subject: str = "eBPF",
                verbose: bool = False, extra: Sequence[str] = ()) -> list[tuple[str, str | None]]:
    """The whole report as (line, style) pairs; ``render_plain`` joins them."""
    w = worst(findings)
    out: list[tuple[str, str | None]] = [(verdict_line(findings, subject), STYLE[w])]
    for area, fs in group(findings, areas):
        out.append(("", None))
        out.append((area, "bold"))
        for f in sorted(fs, key=lambda f: -f.severity.rank):
            out.extend(finding_lines(f, verbose))
    if extra:
        out.append(("", None))
        out.extend((e, None) for e in extra)
    return out


def render_plain(lines: Sequence[tuple[str, str | None]]) -> str:
    return "".join(text + "\n" for text, _ in lines)


_MARKS = tuple(MARK.values())
_LABELS = ("fix:", "see:")


def hanging_indent(text: str) -> int:
    """Where a wrapped line's continuation starts: under the text after the
    severity mark or the ``fix:``/``see:`` label, else under the first word."""
    body = text.lstrip(" ")
    lead = len(text) - len(body)
    word, _, rest = body.partition(" ")
    if word in _MARKS or word in _LABELS:
        return lead + len(word) + 1 + (len(rest) - len(rest.lstrip(" ")))
    return lead


def wrap_line(text: str, width: int) -> list[str]:
    """``text`` broken between words to ``width`` columns with a hanging
    indent; a word longer than the line (a path) is left whole."""
    import textwrap

    if len(text) <= width or width < 20:
        return [text]
    hang = hanging_indent(text)
    if hang > width // 2:
        hang = 4
    return textwrap.wrap(text, width, subsequent_indent=" " * hang, break_long_words=False,
                         break_on_hyphens=False, drop_whitespace=True) or [text]


def print_rich(console, lines: Sequence[tuple[str, str | None]], *, verdict_at_end: bool = True) -> None:
    """Print (line, style) pairs on a rich console (styles vanish without colour).

    On a terminal, lines are wrapped between words to its width with a
    hanging indent, only the severity mark is coloured (not the whole line),
    and a report that starts with a verdict repeats it at the end, where a
    report longer than the screen leaves the reader.  Piped output keeps one
    finding per line for grep."""
    from bpfdoctor.render.output import text_type

    Text = text_type(console)
    tty = console.is_terminal
    width = console.width
    cropped = False
    for text, style in lines:
        if style == "table":
            if tty and len(text) > width:
                text, cropped = text[:width - 1] + "\u2026", True
            console.print(Text(text))
            continue
        parts = wrap_line(text, width) if tty else [text]
        for i, part in enumerate(parts):
            console.print(_styled(Text, part, style, mark=i == 0))
    if cropped:
        console.print(Text(f"(rows cropped at {width} columns; --json or a wider terminal shows all)",
                           style="dim"))
    if tty and verdict_at_end and len(lines) > 2 and lines[0][0].count(":") and lines[0][1] in STYLE.values():
        console.print()
        for part in wrap_line(lines[0][0], width):
            console.print(Text(part, style=lines[0][1]))


def _styled(Text, text: str, style: str | None, mark: bool):
    """Colour the severity mark of a finding line; other lines keep their style."""
    body = text.lstrip(" ")
    word = body.split(" ", 1)[0]
    if mark and style in STYLE.values() and word in _MARKS and text.startswith("  "):
        lead = len(text) - len(body)
        t = Text(text)
        t.stylize(style, lead, lead + len(word))
        return t
    return Text(text, style=style or "")


def check_lines(report, areas: Sequence[str], verbose: bool = False) -> list[tuple[str, str | None]]:
    """``check`` (a ``CheckReport``): the findings by area, then what ``--fix`` did."""
    extra = [f"fix {'applied' if a.applied else 'FAILED'}: {a.action}" + (f" ({a.error})" if a.error else "")
             for a in report.actions]
    return render_text(report.findings, areas=areas, subject=f"eBPF on {report.release}", verbose=verbose,
                       extra=extra)


def memlock_lines(report) -> list[tuple[str, str | None]]:
    """``memlock`` (a ``MemlockReport``): the findings, then each map's charge and the total."""
    extra = []
    if report.maps:
        from bpfdoctor.units import fmt_bytes

        extra.append(f"{'map':<20} {'type':<18} {'bytes':>12} {'charged':>12}  formula")
        for m in report.maps:
            extra.append(f"{m.name[:20]:<20} {m.type.label[:18]:<18} {m.cost:>12} {m.charged:>12}  "
                         f"{m.formula}{'  (' + m.note + ')' if m.note else ''}")
        extra.append(f"{'total':<20} {'':<18} {'':>12} {report.total:>12}  ({fmt_bytes(report.total)})")
    return render_text(report.findings, areas=("memlock",), subject=f"memlock on {report.release}", extra=extra)
