"""Findings: the one record shape that check, memlock, load, explain and
``elf info`` warnings report.  Text and JSON renderers render the same record.
"""

from __future__ import annotations

from bpfdoctor.rawenum import StrMembers
from bpfdoctor.record import field, record


class Severity(StrMembers):
    """Ordered from best to worst; ``rank`` gives the order.  A ``str, Enum``
    in behaviour, built without ``enum`` (8 ms of ``check``'s start-up)."""

    OK = "ok"
    INFO = "info"
    WARN = "warn"
    FAIL = "fail"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.OK: 0, Severity.INFO: 1, Severity.WARN: 2, Severity.FAIL: 3}


@record
class Finding:
    """One diagnosis.

    ``id`` is stable kebab-case (``memlock-rlimit-low``); ``evidence`` holds the
    facts that led to it as ``name -> value`` pairs; ``fix`` is a command or
    config a person can apply; ``reference`` a URL or kernel source path.
    """

    id: str
    severity: Severity
    summary: str
    area: str = "general"
    evidence: dict[str, object] = field(default_factory=dict)
    fix: str | None = None
    reference: str | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, object]:
        from dataclasses import asdict

        d = asdict(self)
        d["severity"] = self.severity.value
        return d


def worst(findings) -> Severity:
    """The worst severity among ``findings`` (OK when there are none)."""
    result = Severity.OK
    for f in findings:
        if f.severity.rank > result.rank:
            result = f.severity
    return result
