"""What ``bpfdoctor load`` reports: the loader's results with their causes.

The loader (``kernel.loader``) says what the kernel answered for each map and
program.  This module adds why: the verifier's explanation of a rejection
(``kernel.loader.explain``), the host's facts behind EPERM and ENOMEM
(``doctor.diagnose_eperm``), and the map type's rules behind a refused map.
The result is one ``LoadReport`` record; ``render.load`` shows it as text and
``to_dict`` is the command's JSON.
"""

from __future__ import annotations

import errno as E

from bpfdoctor.record import record


@record
class MapError:
    """The map the kernel refused to create (nothing was loaded after it)."""

    name: str
    kernel_name: str
    errno: int
    errno_name: str
    message: str
    diagnosis: tuple = ()  # Findings: host facts (EPERM, ENOMEM) or the map type's rules

    def to_dict(self) -> dict:
        return {"name": self.name, "kernel_name": self.kernel_name, "errno": self.errno,
                "errno_name": self.errno_name, "message": self.message,
                "diagnosis": [f.to_dict() for f in self.diagnosis]}


@record
class ProgramReport:
    """One program's result (``kernel.loader.ProgramResult``) and, when it was
    rejected, what explains it."""

    result: object  # ProgramResult
    errno_meaning: str | None = None
    explanation: object = None  # Finding from the verifier's log
    diagnostic: object = None  # verifier.Diagnostic, when the family has one
    diagnosis: tuple = ()  # Findings about the host (EPERM, ENOMEM)
    log_tail: tuple[str, ...] = ()
    log: str | None = None  # the whole verifier log, when asked for

    def to_dict(self) -> dict:
        d = self.result.to_dict()
        d.update(errno_meaning=self.errno_meaning,
                 explanation=self.explanation.to_dict() if self.explanation is not None else None,
                 diagnostic=self.diagnostic.to_dict() if self.diagnostic is not None else None,
                 diagnosis=[f.to_dict() for f in self.diagnosis], log_tail=list(self.log_tail),
                 log=self.log)
        return d


@record
class LoadReport:
    """Everything ``load`` found for one object."""

    object: str
    programs: tuple = ()  # ProgramReports
    maps: tuple = ()  # MapResults
    map_error: MapError | None = None
    btf_loaded: bool = False
    btf_sanitized: tuple[str, ...] = ()
    btf_log: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def loaded(self) -> int:
        return sum(p.result.status == "loaded" for p in self.programs)

    @property
    def rejected(self) -> int:
        return len(self.programs) - self.loaded

    @property
    def ok(self) -> bool:
        return self.map_error is None and self.rejected == 0

    @property
    def exit_code(self) -> int:
        """0 when every map was created and every program loaded, else 1."""
        return 0 if self.ok else 1

    def to_dict(self) -> dict:
        return {
            "map_error": self.map_error.to_dict() if self.map_error is not None else None,
            "object": self.object,
            "summary": {"programs": len(self.programs), "loaded": self.loaded, "rejected": self.rejected},
            "programs": [p.to_dict() for p in self.programs],
            "maps": [m.to_dict() for m in self.maps],
            "btf": {"loaded": self.btf_loaded, "sanitized": list(self.btf_sanitized),
                    "log": self.btf_log or None},
            "notes": list(self.notes),
        }


def load_report(lo, with_log: bool) -> LoadReport:
    """The report on a loaded object (``kernel.loader.LoadedObject``);
    ``with_log`` keeps each program's whole verifier log."""
    facts = []

    def host():  # the host's facts, read once for every program's EPERM diagnosis
        if not facts:
            from bpfdoctor.host.facts import read_host

            facts.append(read_host("/"))
        return facts[0]

    return LoadReport(
        object=lo.path,
        programs=tuple(program_report(r, with_log, lo.map_results, host) for r in lo.results),
        maps=tuple(lo.map_results),
        map_error=map_error(lo),
        btf_loaded=lo.btf is not None,
        btf_sanitized=tuple(lo.btf_sanitized),
        btf_log=lo.btf_log or None,
        notes=tuple(lo.notes),
    )


def map_error(lo) -> MapError | None:
    """The map the kernel refused, with the causes: host facts for EPERM and
    ENOMEM (privilege, unprivileged BPF, memlock, memory cgroup), the map
    type's rules for EINVAL/E2BIG/ENOTSUPP."""
    if lo.map_failure is None:
        return None
    plan, err = lo.map_failure
    diagnosis = ()
    if err.errno in (E.EPERM, E.ENOMEM):
        from bpfdoctor.doctor import diagnose_eperm

        diagnosis = tuple(diagnose_eperm(err.errno))
    elif err.errno in (E.EINVAL, E.E2BIG, 524):
        from bpfdoctor.elf.map_rules import MapShape, map_create_problems

        diagnosis = tuple(map_create_problems(MapShape(
            plan.name, plan.map_type, plan.key_size, plan.value_size, plan.max_entries, plan.flags,
            plan.map_extra, plan.btf_key_type_id, plan.btf_value_type_id)))
    return MapError(plan.name, plan.kernel_name, err.errno, err.errno_name, str(err), diagnosis)


def program_report(r, with_log: bool, maps=(), host=None) -> ProgramReport:
    """One program's report: for a rejection, the errno's meaning, the
    verifier's explanation and the host's part in EPERM/ENOMEM."""
    log = r.log if with_log and r.log else None
    if r.errno is None and r.status != "rejected":
        return ProgramReport(r, log=log)  # loaded, or not prepared: nothing to explain (no verifier import)
    from bpfdoctor.kernel.loader.explain import errno_meaning, explain_result, log_tail, needs_host_diagnosis

    meaning = errno_meaning(r.errno) if r.errno is not None else None
    explanation = diagnostic = None
    tail = ()
    diagnosis = ()
    if r.status == "rejected":
        tail = tuple(log_tail(r.log))
        exp = explain_result(r, maps)
        if exp is not None:
            explanation, diagnostic = exp.finding, exp.diagnostic
            if diagnostic is not None and diagnostic.errno:
                # the errno as this rejection's message explains it, not a fixed text
                meaning = diagnostic.errno.split(": ", 1)[-1]
        if needs_host_diagnosis(r):
            from bpfdoctor.doctor import diagnose_eperm
            from bpfdoctor.kernel.loader.consts import prog_type_by_name

            diagnosis = tuple(diagnose_eperm(r.errno, prog_type=prog_type_by_name(r.prog_type),
                                             facts=host() if host else None))
            if diagnosis:
                # the host's own causes follow: the errno's usual first cause would
                # contradict them (root with every capability, refused by an LSM)
                meaning = errno_meaning(r.errno).split(": ", 1)[0]
    return ProgramReport(r, meaning, explanation, diagnostic, diagnosis, tail, log)
