"""``check``: gather host facts (and, on the live host, kernel probes) and
turn them into findings."""

from __future__ import annotations

import os

from bpfdoctor.doctor.checks_fs import check_btf, check_features, check_filesystems
from bpfdoctor.doctor.checks_host import check_jit, check_kernel_config, check_kernel_version, check_privilege
from bpfdoctor.doctor.checks_memory import check_memlock
from bpfdoctor.doctor.live import LiveFacts, gather_live, infer_accounting
from bpfdoctor.findings import Finding, Severity, worst
from bpfdoctor.host.facts import HostFacts, read_host
from bpfdoctor.host.kernel_info import version_code, version_tuple
from bpfdoctor.record import field, record

AREAS = ("kernel", "jit", "privilege", "memlock", "btf", "filesystems", "features")
SCHEMA_VERSION = 1


@record
class CheckReport:
    """The ``check`` report: the findings for the host at ``root``; ``probed``
    when kernel probes ran (live host only).  ``meta`` goes to neither the
    text nor the JSON."""

    root: str
    release: str
    probed: bool
    findings: tuple[Finding, ...]
    actions: tuple = ()  # fix.FixAction, filled by --fix
    meta: dict = field(default_factory=dict)

    @property
    def verdict(self) -> Severity:
        return worst(self.findings)

    @property
    def exit_code(self) -> int:
        return {Severity.OK: 0, Severity.INFO: 0, Severity.WARN: 1, Severity.FAIL: 2}[self.verdict]

    def counts(self) -> dict[str, int]:
        c = {s.value: 0 for s in Severity}
        for f in self.findings:
            c[f.severity.value] += 1
        return c

    def to_dict(self) -> dict:
        return {"schema": SCHEMA_VERSION, "verdict": self.verdict.value, "exit_code": self.exit_code,
                "kernel": self.release, "root": self.root, "probed": self.probed, "counts": self.counts(),
                "findings": [f.to_dict() for f in self.findings],
                "actions": [a.to_dict() for a in self.actions]}


def findings_for(facts: HostFacts, live: LiveFacts | None) -> list[Finding]:
    acct = live.accounting if live else infer_accounting(version_tuple(facts.release))
    found = (check_kernel_version(facts) + check_kernel_config(facts) + check_jit(facts, live)
             + check_privilege(facts) + check_memlock(facts, acct) + check_btf(facts)
             + check_filesystems(facts) + check_features(live.features if live else None))
    if live is not None and live.bpf_errno:
        found = _merge_privilege(found, live.bpf_errno, facts, acct)
    order = {a: i for i, a in enumerate(AREAS)}
    return sorted(found, key=lambda f: order.get(f.area, len(AREAS)))


_PRIVILEGE_CAUSES = {"eperm-unprivileged-disabled", "eperm-capability"}


def _merge_privilege(found: list[Finding], errno: int, facts, acct) -> list[Finding]:
    """The probes' EPERM diagnosed, without saying one cause twice: when the
    privilege check already fails, its finding carries the errno and the
    sysctl, and the diagnosis adds only other causes."""
    from bpfdoctor.record import replace

    from bpfdoctor.doctor.eperm import diagnose_eperm

    diag = diagnose_eperm(errno, facts=facts, accounting=acct)
    priv = next((f for f in found if f.id == "privilege-capabilities" and f.severity == Severity.FAIL), None)
    cause = next((d for d in diag if d.id in _PRIVILEGE_CAUSES), None)
    if priv is None or cause is None:
        return found + diag
    u = facts.sysctls.unprivileged_bpf_disabled
    extra = f" and unprivileged BPF is off (kernel.unprivileged_bpf_disabled={u})" if u else ""
    merged = replace(priv, summary=priv.summary.replace(": only unprivileged program types can load, if any", "")
                     + f"{extra}: every bpf() probe failed with EPERM", evidence={**priv.evidence, "errno": errno})
    # the memlock findings already say the rlimit is not used here
    return [merged if f is priv else f for f in found] + [d for d in diag if d is not cause
                                                          and d.id != "memlock-not-the-cause"]


def run_check(root: str | os.PathLike = "/", *, probe: bool = True) -> CheckReport:
    """Diagnose the host at ``root``.  Kernel probes run only for the live
    host (root ``/``) and with ``probe``: for another tree they would describe
    this kernel, not that tree."""
    root = os.fspath(root)
    live_host = os.path.realpath(root) == "/"
    live = None
    facts = read_host(root)
    if probe and live_host:
        live = gather_live(kern_version=version_code(facts.release))
    return CheckReport(root, facts.release, live is not None, tuple(findings_for(facts, live)))
