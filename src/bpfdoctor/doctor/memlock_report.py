"""``memlock``: limits, accounting, and what an object's maps will need."""

from __future__ import annotations

import os

from bpfdoctor.doctor.checks_memory import check_memlock, fmt_bytes
from bpfdoctor.doctor.live import Accounting, infer_accounting, probe_accounting
from bpfdoctor.doctor.map_memory import MapMemory, maps_memory
from bpfdoctor.findings import Finding, Severity, worst
from bpfdoctor.host.cpus import possible_cpus
from bpfdoctor.host.facts import HostFacts, read_host
from bpfdoctor.host.kernel_info import version_tuple
from bpfdoctor.record import record


@record
class MemlockReport:
    """The ``memlock`` report: the host's limits and accounting and, with an object
    (``object_path``, else None), each map's charge and their ``total`` in bytes."""

    release: str
    accounting: Accounting
    facts: HostFacts
    maps: tuple[MapMemory, ...]
    total: int
    findings: tuple[Finding, ...]
    object_path: str | None = None

    @property
    def exit_code(self) -> int:
        return {Severity.WARN: 1, Severity.FAIL: 2}.get(worst(self.findings), 0)

    def to_dict(self) -> dict:
        lim, cg = self.facts.memlock, self.facts.memcg
        return {
            "schema": 1, "kernel": self.release, "accounting": self.accounting.mode,
            "accounting_how": self.accounting.how,
            "rlimit": {"soft": lim.soft, "hard": lim.hard} if lim else None,
            "memcg": {"version": cg.version, "path": cg.path, "limit": cg.limit, "usage": cg.usage} if cg else None,
            "object": self.object_path,
            "maps": [{"name": m.name, "type": m.type.label, "cost": m.cost, "charged": m.charged,
                      "formula": m.formula, "note": m.note} for m in self.maps],
            "total": self.total, "verdict": worst(self.findings).value, "exit_code": self.exit_code,
            "findings": [f.to_dict() for f in self.findings],
        }


def verdict_for(total: int, facts: HostFacts, acct: Accounting) -> Finding:
    ev = {"total": total, "accounting": acct.mode}
    if acct.mode == "rlimit":
        soft = facts.memlock.soft if facts.memlock else None
        ev["limit"] = soft
        if soft is not None and total > soft:
            return Finding("memlock-object-fits", Severity.FAIL,
                           f"maps need {fmt_bytes(total)}, RLIMIT_MEMLOCK allows {fmt_bytes(soft)} "
                           "(and the user's other BPF objects count too): map creation will fail with EPERM",
                           "memlock", ev, "ulimit -l unlimited  (or LimitMEMLOCK=infinity for a service)")
        return Finding("memlock-object-fits", Severity.OK,
                       f"maps need {fmt_bytes(total)}, within RLIMIT_MEMLOCK {fmt_bytes(soft)}", "memlock", ev)
    cg = facts.memcg
    if cg is not None and cg.limit is not None:
        free = cg.limit - (cg.usage or 0)
        ev.update(limit=cg.limit, free=free)
        if total > free:
            return Finding("memlock-object-fits", Severity.FAIL,
                           f"maps need {fmt_bytes(total)}, memory cgroup has {fmt_bytes(max(free, 0))} free: "
                           "map creation will fail with ENOMEM", "memlock", ev,
                           f"raise the limit of cgroup {cg.limit_at}")
    return Finding("memlock-object-fits", Severity.OK,
                   f"maps need about {fmt_bytes(total)}, charged to the memory cgroup", "memlock", ev)


def memlock_report(obj_path: str | os.PathLike | None = None, *, root: str = "/", specs=None,
                   probe: bool = True) -> MemlockReport:
    """Limits and accounting; with an object (or ``specs``), each map's need."""
    facts = read_host(root)
    live = probe and os.path.realpath(root) == "/"
    acct = probe_accounting() if live else infer_accounting(version_tuple(facts.release))
    if acct.mode is None:
        acct = infer_accounting(version_tuple(facts.release))
    findings = check_memlock(facts, acct)
    if obj_path is not None and specs is None:
        try:
            from bpfdoctor.elf import open_object  # the lead's ELF reader
        except ImportError:  # the package does not re-export it (yet)
            from bpfdoctor.elf.object import open_object

        specs = open_object(obj_path).maps
    maps = tuple(maps_memory(specs, possible_cpus(root))) if specs is not None else ()
    total = sum(m.charged for m in maps)
    if specs is not None:
        findings.append(verdict_for(total, facts, acct))
    return MemlockReport(facts.release, acct, facts, maps, total, tuple(findings),
                         os.fspath(obj_path) if obj_path is not None else None)
