"""The record type of the error catalog (data lives in catalog_*.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


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
        object.__setattr__(self, "compiled", tuple(re.compile(p) for p in self.patterns))

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
