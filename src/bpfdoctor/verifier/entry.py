"""The record type of the error catalog (data lives in catalog_*.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


def _anchored(pattern: str) -> str:
    """A pattern that opens with a run (``\\S+``, ``\\w+``) made to start
    only where the run starts.  ``search`` tries every position, and from
    each one the run consumes the rest of a token: quadratic in a long token
    (32 KB of digits: 25 s).  The leftmost match starts at the token's start
    anyway, so the matches are the same."""
    for run, outside in ((r"\S+", r"(?<!\S)"), (r"\S*", r"(?<!\S)"), (r"\w+", r"(?<!\w)"), (r"\w*", r"(?<!\w)")):
        if pattern.startswith(run):
            return outside + pattern
    return pattern


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One known verifier error.

    ``patterns`` are regular expressions searched in the error lines; they
    cover the wordings of old and new kernels.  ``requires`` names a context
    check (see ``explain.CONTEXT_CHECKS``) for entries that share a message
    with another and differ by what led to it.  ``reference`` is the kernel
    (or libbpf) function that prints the message.
    """

    id: str
    title: str
    patterns: tuple[str, ...]
    explanation: str
    cause: str
    fix: str
    snippet: str
    reference: str
    requires: str | None = None
    compiled: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", tuple(re.compile(_anchored(p)) for p in self.patterns))

    def search(self, line: str) -> re.Match[str] | None:
        for pattern in self.compiled:
            m = pattern.search(line)
            if m:
                return m
        return None

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "patterns": list(self.patterns),
                "explanation": self.explanation, "cause": self.cause, "fix": self.fix,
                "snippet": self.snippet, "reference": self.reference, "requires": self.requires}
