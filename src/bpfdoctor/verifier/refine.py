"""Move the primary span to a line that has no instructions, using the source (pure).

Some lines to change never appear in BTF line_info: clang merged a `return 2;`
into the epilogue, sank an index load below a NULL check, folded a bound into
another comparison, or the line is a declaration (`int idx`, `const volatile`
global).  When the source file is readable (``sources.SourceCache``), these
rules look for that line inside the failing function: the `return` whose
value is R0's, the signed declaration of the index, the check that compares
the index, the `const` declaration of a global that is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bpfdoctor.verifier.context import RETURN_CODES
from bpfdoctor.verifier.diagnostic import Span
from bpfdoctor.verifier.numbers import num
from bpfdoctor.verifier.rootcause import Analysis, Path

_RETURN = re.compile(r"\breturn\b\s*\(?\s*(-?\s*(?:0x[0-9a-fA-F]{1,16}|\d{1,20}|[A-Za-z_]\w*))\s*\)?\s*;")
_R0_CONST = re.compile(r"R0 has (?:smin=(-?\d{1,20}) smax=(-?\d{1,20})|value (?:\(0x([0-9a-f]{1,16}); 0x0\)|(-?\d{1,20})))")
_INDEX = re.compile(r"\[\s*([A-Za-z_]\w*)\s*\]")
_SIGNED = r"\b(?:int|long|short|char|signed|__s8|__s16|__s32|__s64|s8|s16|s32|s64)\b"
_IDENT = re.compile(r"[A-Za-z_]\w*")


def refine(p: Path, a: Analysis, family: str, rejected: Span | None, sources) -> None:
    anchor = a.primary or rejected
    if sources is None or anchor is None or not anchor.file or not anchor.line:
        return
    lines = sources.lines(anchor.file)
    rule = _RULES.get(family)
    if not lines or rule is None:
        return
    rej = rejected or anchor
    # the rules search the failing function in the anchor's file, from its first
    # line down to the rejected one, so that line must be in the file read: not
    # in another file (an inlined header), not past its end (the file on disk is
    # not the one compiled)
    if not rej.line or (rej.file != anchor.file and sources.lines(rej.file) != lines) \
            or max(rej.line, anchor.line) > len(lines):
        return
    lo = max(1, _function_start(p, anchor.file, anchor.line))
    found = rule(p, a, lines, lo, rej)
    if found is None:
        return
    line, label = found
    if line == anchor.line or not 0 < line <= len(lines):
        return
    if a.primary is not None and a.primary.role == "primary":
        a.secondary.append(Span("analysis", a.primary.label, a.primary.insn, a.primary.insn_text,
                                a.primary.file, a.primary.line, a.primary.column, a.primary.text))
    a.primary = Span("primary", label, None, "", anchor.file, line, None, lines[line - 1].rstrip())
    a.notes.append("the line to change has no instructions of its own; found in the source file")


def _function_start(p: Path, file: str, line: int) -> int:
    """The first line of the failing function: the smallest line of its frame on the path."""
    frame = p.fstep.frame if p.fstep is not None else 0
    best = line
    for st in p.steps:
        if st.kind == "insn" and st.frame == frame:
            sp = p.span("x", "", st.index, st)
            if sp.file == file and sp.line is not None and sp.line < best:
                best = sp.line
    return best


def _r0_value(p: Path) -> int | None:
    m = _R0_CONST.search(p.error)
    if not m:
        return None
    if m.group(1) is not None:
        if m.group(1) != m.group(2):
            return None
        v = num(m.group(1))
    elif m.group(3) is not None:
        v = num(m.group(3), 16)
    else:
        v = num(m.group(4))
    return v - (1 << 32) if (1 << 31) <= v < (1 << 32) else v


def _literal(expr: str, names: dict[str, int]) -> int | None:
    e = expr.replace(" ", "")
    try:
        return int(e, 0)
    except ValueError:
        return names.get(e)


def _return_line(p: Path, a: Analysis, lines: list[str], lo: int, rej: Span):
    v = _r0_value(p)
    if v is None or (a.primary is not None and "return" in (a.primary.text or "")):
        return None
    names = {n: val for n, val in RETURN_CODES.get(p.ctx.prog_type or "", ("", ()))[1]}
    hits = [n for n in range(lo, min(rej.line, len(lines)) + 1)
            if (m := _RETURN.search(lines[n - 1])) and _literal(m.group(1), names) == v]
    if len(hits) == 1:
        return hits[0], f"returns {v}, outside what this program type may return"
    return None


def _index_var(rej: Span) -> str | None:
    m = _INDEX.search(rej.text or "")
    return m.group(1) if m else None


def _signed_declaration(p: Path, a: Analysis, lines: list[str], lo: int, rej: Span):
    var = _index_var(rej)
    if var is None:
        return None
    decl = re.compile(_SIGNED + r"[^;=()]*\b" + re.escape(var) + r"\b\s*[=;,]")
    for n in range(rej.line - 1, lo - 1, -1):
        if decl.search(lines[n - 1]):
            return n, f"`{var}` is declared signed here: a negative value passes the check"
    return None


def _index_check(p: Path, a: Analysis, lines: list[str], lo: int, rej: Span):
    # only when the analysis found a check on the path whose line does not name
    # the index (clang folded the bound into another comparison)
    var = _index_var(rej)
    if var is None or a.primary is None or "check" not in a.primary.label \
            or re.search(rf"\b{re.escape(var)}\b", a.primary.text or ""):
        return None
    cmp_ = re.compile(rf"\bif\b.*(?:\b{re.escape(var)}\b\s*[<>]=?|[<>]=?\s*\b{re.escape(var)}\b)")
    for n in range(rej.line - 1, lo - 1, -1):
        if cmp_.search(lines[n - 1]):
            return n, f"this check does not bound `{var}` to the array's length"
    return None


def _const_global(p: Path, a: Analysis, lines: list[str], lo: int, rej: Span):
    names = set(_IDENT.findall(rej.text or ""))
    for n, text in enumerate(lines, 1):
        if text[:1].isspace() or "const" not in text:
            continue
        for name in names:
            if re.search(rf"\bconst\b[^;(]*\b{re.escape(name)}\b\s*[=;\[]", text):
                return n, f"`{name}` is declared const (.rodata: frozen when the program loads)"
    return None


def _core_member(p: Path, a: Analysis, lines: list[str], lo: int, rej: Span):
    """The line of the function that names the member a failed CO-RE relocation wanted."""
    if a.primary is not None and a.primary.role == "primary":
        return None
    for _insn, spec in p.ctx.core_failures:
        names = re.findall(r"[A-Za-z_]\w*", spec.split("(")[0].split("=")[0])
        if not names:
            continue
        pat = re.compile(rf"\b{re.escape(names[-1])}\b")
        for n in range(lo, min(lo + 400, len(lines)) + 1):
            if pat.search(lines[n - 1]) and not re.search(r"\b(?:enum|struct|union)\b.*\{",
                                                          lines[n - 1]):
                return n, f"`{names[-1]}` does not exist on this kernel"
    return None


_RULES: dict[str, Callable] = {
    "return-value-out-of-range": _return_line,
    "map-value-negative-index": _signed_declaration,
    "map-value-out-of-bounds": _index_check,
    "map-value-unbounded-access": _index_check,
    "write-to-read-only-map": _const_global,
    "core-relocation-failed": _core_member,
}
