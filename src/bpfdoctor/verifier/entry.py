"""The record type of the error catalog (data lives in catalog_*.py)."""

from __future__ import annotations

import re

from bpfdoctor.record import field, record

_ESCAPED_LITERAL = set("()[]{}.*+?|^$\\/-:'\"<>=!#&%,;@ ")
_QUANTIFIERS = "?*{"


def required_literal(pattern: str) -> str | None:
    """A run of text every match of ``pattern`` contains, or None.

    Only text outside any group and character class counts (a group may be
    an alternative or optional); a character followed by ``?``, ``*`` or
    ``{`` is optional and dropped; a top-level ``|`` means no single run is
    required.  The longest run of at least three characters is returned:
    a line without it cannot match, so the pattern need not be compiled or
    run for that line.
    """
    if pattern.startswith("(?") and not pattern.startswith(("(?:", "(?<", "(?=", "(?!", "(?P")):
        return None  # inline flags such as (?i)
    runs: list[str] = []
    cur: list[str] = []
    depth = 0
    i, n = 0, len(pattern)

    def close() -> None:
        if cur:
            runs.append("".join(cur))
            cur.clear()

    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            i += 2
            if depth == 0 and nxt in _ESCAPED_LITERAL:
                if i < n and pattern[i] in _QUANTIFIERS:
                    close()
                else:
                    cur.append(nxt)
            elif depth == 0:
                close()
            continue
        if c == "[":
            close()
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            continue
        if c == "(":
            close()
            depth += 1
        elif c == ")":
            depth -= 1
            if depth < 0:
                return None
        elif c == "|":
            if depth == 0:
                return None
        elif depth == 0:
            if c in _QUANTIFIERS:
                if cur:
                    cur.pop()
                close()
                if c == "{":  # skip the counts: {2}, {1,3}
                    end = pattern.find("}", i)
                    i = n if end < 0 else end
            elif c in "+.^$":
                close()
            elif i + 1 < n and pattern[i + 1] in _QUANTIFIERS:
                close()
            else:
                cur.append(c)
        i += 1
    close()
    best = max(runs, key=len, default="")
    return best if len(best) >= 3 else None


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


@record
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
    # per pattern: [literal every match contains or None, compiled pattern or None]
    _compiled: list = field(default_factory=list, compare=False, repr=False)

    @property
    def compiled(self) -> tuple[re.Pattern[str], ...]:
        return tuple(self._pattern(k) for k in range(len(self.patterns)))

    def _pattern(self, k: int) -> re.Pattern[str]:
        slot = self._slots()[k]
        if slot[1] is None:
            slot[1] = re.compile(_anchored(self.patterns[k]))
        return slot[1]

    def _slots(self) -> list:
        if not self._compiled:
            self._compiled.extend([required_literal(p), None] for p in self.patterns)
        return self._compiled

    def search(self, line: str) -> re.Match[str] | None:
        """The first pattern's match in ``line``.  Patterns are compiled on
        first use, and not run at all on a line without their required text:
        a process that explains one log compiles a handful of the catalog's
        ~500 patterns, not all of them (that took most of ``explain``'s
        start-up)."""
        for k, (literal, _) in enumerate(self._slots()):
            if literal is not None and literal not in line:
                continue
            m = self._pattern(k).search(line)
            if m:
                return m
        return None

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "patterns": list(self.patterns),
                "explanation": self.explanation, "cause": self.cause, "fix": self.fix,
                "snippet": self.snippet, "reference": self.reference, "requires": self.requires}
