"""Verifier diagnostics as text, in the style of compiler diagnostics (pure).

``diagnostic_lines`` gives (text, style) pairs for rich::

    error[unreleased-reference]: Unreleased reference id=2 alloc_insn=4
      = class: source bug — change the program's code
      --> prog.c:16:9
       |
    16 |         *slot = bpf_ktime_get_ns();
       |         ^^^^^^^^^^^^^^^^^^^^^^^^^^^ the path through this line reaches ...
       |
      ::: prog.c:12:17
    12 |         __u64 *slot = bpf_ringbuf_reserve(&events, sizeof(*slot), 0);
       |                       ------------------- reference acquired here
      = fix: release it on every path before returning: ...

``one_line`` is the form for CI logs: ``file:line:col: error[family] (class): message``.
The JSON form is ``Diagnostic.to_dict``.
"""

from __future__ import annotations

from bpfdoctor.verifier.diagnostic import Diagnostic, Span


def _where(span: Span) -> str:
    return span.where()


def _snippet(span: Span, width: int, mark: str) -> list[tuple[str, str | None]]:
    """The source line (or the instruction) and a marker under it."""
    pad = " " * width
    if span.line is not None and span.text:
        raw = span.text.rstrip()
        body = raw.expandtabs(8)
        start = len(body) - len(body.lstrip())
        if span.column and 0 < span.column <= len(raw):
            # line_info columns count bytes of the raw line (a tab is one)
            start = len(raw[:span.column - 1].expandtabs(8))
        marker = mark * max(1, len(body) - start)
        return [(f"{str(span.line).rjust(width)} | {body}", None),
                (f"{pad} | {' ' * start}{marker} {span.label}", "bold")]
    if span.insn is not None:
        text = f"{span.insn}: {span.insn_text}" if span.insn_text else f"insn {span.insn}"
        # the source line's text when the log gave it alone (an older kernel's "; text")
        said = [(f"{pad} | ; {span.text.strip()}", None)] if span.text and span.text.strip() else []
        return said + [(f"{pad} | {text}", None), (f"{pad} | {mark * len(text)} {span.label}", "bold")]
    return [(f"{pad} = {span.label}", None)]


def diagnostic_lines(d: Diagnostic, indent: str = "") -> list[tuple[str, str | None]]:
    spans = ([d.primary] if d.primary else []) + list(d.secondary)
    width = max([len(str(s.line)) for s in spans if s.line is not None] + [2])
    pad = " " * width
    out: list[tuple[str, str | None]] = [
        (f"error[{d.family}]: {d.message or d.title}", "bold red"),
        (f"{pad} = class: {d.klass.label} — {d.klass.layer}", "yellow"),
    ]
    for i, span in enumerate(spans):
        arrow = "-->" if i == 0 else ":::"
        out.append((f"{pad}{arrow} {_where(span)}", "cyan"))
        out.append((f"{pad} |", None))
        out += _snippet(span, width, "^" if i == 0 else "-")
    if d.why:
        out.append((f"{pad} = why: {d.why}", None))
    for i, h in enumerate(d.help):
        first, *rest = h.splitlines()
        out.append((f"{pad} = {'fix' if i == 0 else 'help'}: {first}", "green"))
        out += [(f"{pad}         {r}", "green") for r in rest]
    if d.suggestion and d.primary is not None and d.primary.line is not None:
        out.append((f"{pad} = suggestion at {_where(d.primary)}:", "green"))
        out += [(f"{pad}     {ln}", "cyan") for ln in d.suggestion.splitlines()]
    if d.errno:
        out.append((f"{pad} = errno: {d.errno}", None))
    for n in d.notes:
        out.append((f"{pad} = note: {n}", "dim"))
    return [(indent + t, s) for t, s in out]


def one_line(d: Diagnostic) -> str:
    """``file:line:col: error[family] (class): message`` (insn N without line_info)."""
    where = _where(d.primary) if d.primary is not None else "?"
    return f"{where}: error[{d.family}] ({d.klass.value}): {d.message or d.title}"
