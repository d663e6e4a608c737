"""Findings as text for people: grouped by area, worst first within each
group, a one-line verdict on top.  Used by ``check``, ``memlock``, ``load``
and ``explain``.  Pure: builds rich renderables or plain strings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bpfdoctor.findings import Finding, Severity, worst

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


def print_rich(console, lines: Sequence[tuple[str, str | None]]) -> None:
    """Print (line, style) pairs on a rich console (styles vanish without colour)."""
    from bpfdoctor.render.output import text_type

    Text = text_type(console)
    for text, style in lines:
        console.print(Text(text, style=style or ""))
