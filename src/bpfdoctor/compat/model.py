"""Records of a compatibility report: requirement verdicts, per program and
target, and the whole matrix.  ``render/compat.py`` turns them into text and
JSON; nothing here prints."""

from __future__ import annotations

from dataclasses import dataclass, field

# Verdict order, worst last: a cell shows its worst requirement.
OK, INFO, UNKNOWN, WARN, FAIL = "ok", "info", "unknown", "warn", "fail"
_RANK = {OK: 0, INFO: 1, UNKNOWN: 2, WARN: 3, FAIL: 4}


def worst(statuses) -> str:
    out = OK
    for s in statuses:
        if _RANK[s] > _RANK[out]:
            out = s
    return out


@dataclass(frozen=True, slots=True)
class Requirement:
    """One thing a program needs and what the target says about it.

    ``kind``: core, helper, kfunc, ksym, prog_type, attach_type, attach_target,
    map_type, btf_kind, isa, feature, config, kconfig.  ``subject`` names it
    (an access path, helper, function...), ``evidence`` says what the target
    has (or lacks) instead.
    """

    kind: str
    subject: str
    status: str
    evidence: str
    insn: int | None = None
    # "load": the load fails without it; "attach": the program loads but
    # cannot be attached (kprobe functions, tracepoints, config options).
    stage: str = "load"

    @property
    def summary(self) -> str:
        return f"{self.kind} {self.subject}: {self.evidence}"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "subject": self.subject, "status": self.status,
                "evidence": self.evidence, "insn": self.insn, "stage": self.stage}


@dataclass(slots=True)
class Cell:
    """One program on one target."""

    program: str
    target: str
    requirements: list[Requirement] = field(default_factory=list)

    @property
    def status(self) -> str:
        return worst(r.status for r in self.requirements)

    @property
    def first_problem(self) -> Requirement | None:
        """The first requirement with the cell's (worst) status, unless ok."""
        st = self.status
        if st in (OK, INFO):
            return None
        worst_reqs = [r for r in self.requirements if r.status == st]
        # What stops the load is shown before what only stops the attach.
        return next((r for r in worst_reqs if r.stage == "load"), worst_reqs[0])

    @property
    def loads(self) -> bool:
        """Whether the load itself would succeed (no load-stage failure)."""
        return not any(r.status == FAIL and r.stage == "load" for r in self.requirements)

    def to_dict(self) -> dict:
        fp = self.first_problem
        return {"program": self.program, "target": self.target, "status": self.status, "loads": self.loads,
                "first_problem": fp.to_dict() if fp else None,
                "requirements": [r.to_dict() for r in self.requirements]}


@dataclass(frozen=True, slots=True)
class TargetInfo:
    """A target as the report shows it: name, release, the file it was read from,
    whether its config and symbols are known, and how many BTF types it has."""

    name: str
    release: str | None
    source: str | None
    has_config: bool
    has_symbols: bool
    types: int

    def to_dict(self) -> dict:
        return {"name": self.name, "release": self.release, "source": self.source,
                "config": self.has_config, "symbols": self.has_symbols, "btf_types": self.types}


@dataclass(slots=True)
class CompatReport:
    """The whole matrix: the object's programs (name, section, type), the targets,
    and one Cell per (program, target name)."""

    object: str
    programs: list[tuple[str, str, str | None]]       # (name, section, type)
    targets: list[TargetInfo]
    cells: dict[tuple[str, str], Cell]

    def cell(self, program: str, target: str) -> Cell:
        return self.cells[(program, target)]

    def target_summary(self, target: str) -> dict:
        cells = [self.cells[(p, target)] for p, _, _ in self.programs]
        counts = {s: sum(c.status == s for c in cells) for s in (OK, INFO, UNKNOWN, WARN, FAIL)}
        return {"target": target, "programs": len(cells),
                "compatible": counts[OK] + counts[INFO], **counts}

    @property
    def compatible(self) -> bool:
        """Every program on every target: no failure and nothing unresolved."""
        return all(c.status in (OK, INFO) for c in self.cells.values())

    def to_dict(self) -> dict:
        return {"object": self.object,
                "programs": [{"name": n, "section": s, "type": t} for n, s, t in self.programs],
                "targets": [t.to_dict() for t in self.targets],
                "summary": [self.target_summary(t.name) for t in self.targets],
                "compatible": self.compatible,
                "cells": [self.cells[(p, t.name)].to_dict() for p, _, _ in self.programs for t in self.targets]}
