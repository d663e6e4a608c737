"""Verifier logs: a streaming parser and a catalog of known errors (pure).

Public API::

    parse_file(path) / parse_text(text) / parse_lines(iterable) -> ParsedLog
    explain_log(parsed, line_for_insn=None, context=None) -> Explanation
        (.finding, .exit_code, .diagnostic: family, class, primary/secondary spans, help)
    explain_text(text, line_for_insn=None) -> Explanation
    CATALOG, entry(id), explain_errno(n)
"""

from __future__ import annotations

from bpfdoctor.verifier.catalog import CATALOG, entry
from bpfdoctor.verifier.entry import CatalogEntry
from bpfdoctor.verifier.errno import ErrnoInfo, explain_errno
from bpfdoctor.verifier.explain import Explanation, LineForInsn, explain_log, is_verifier_log
from bpfdoctor.verifier.model import Branch, Insn, ParsedLog, SourceLine, Stats, Verdict
from bpfdoctor.verifier.parser import LogParser, parse_file, parse_lines, parse_text


def explain_text(text: str, line_for_insn: LineForInsn | None = None) -> Explanation:
    """Parse and explain a log held in a string (e.g. ``VerifierError.log``)."""
    return explain_log(parse_text(text), line_for_insn)


__all__ = [
    "CATALOG", "Branch", "CatalogEntry", "ErrnoInfo", "Explanation", "Insn", "LineForInsn",
    "LogParser", "ParsedLog", "SourceLine", "Stats", "Verdict", "entry", "explain_errno",
    "explain_log", "explain_text", "is_verifier_log", "parse_file", "parse_lines", "parse_text",
]
