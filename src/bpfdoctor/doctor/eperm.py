"""Why did bpf() say EPERM (or ENOMEM)?  Names the cause from host facts.

The kernel's order of refusal (kernel/bpf/syscall.c: ``__sys_bpf``,
``map_create``, ``bpf_prog_load``): ``sysctl_unprivileged_bpf_disabled``
without CAP_BPF/CAP_SYS_ADMIN -> EPERM; a program/map type that needs
CAP_BPF/CAP_PERFMON/CAP_NET_ADMIN -> EPERM; a security module
(``security_bpf*``; lockdown for some helpers) -> EPERM; then memory: before
5.11 the RLIMIT_MEMLOCK charge (``bpf_charge_memlock``) -> EPERM, since 5.11
the memory cgroup -> ENOMEM.
"""

from __future__ import annotations

import errno as E

from bpfdoctor.doctor.checks_memory import fmt_bytes
from bpfdoctor.findings import Finding, Severity
from bpfdoctor.host.kernel_info import version_tuple
from bpfdoctor.kernel.enums import Capability, ProgType

AREA = "privilege"


def _caps_cause(facts) -> Finding | None:
    caps = facts.caps
    if caps is None:
        return None
    new = version_tuple(facts.release) >= (5, 8, 0)
    if Capability.SYS_ADMIN in caps.effective or (new and Capability.BPF in caps.effective):
        return None
    need = "CAP_BPF" if new else "CAP_SYS_ADMIN"
    return Finding("eperm-capability", Severity.FAIL, f"EPERM: this process lacks {need}", AREA,
                   {"euid": caps.euid, "effective": sorted(c._name_ for c in caps.effective)},
                   "run as root, or grant: setcap cap_bpf,cap_perfmon,cap_net_admin+ep <loader>",
                   "kernel/bpf/syscall.c: bpf_prog_load / map_create capability checks")


# kernel/bpf/syscall.c: is_net_admin_prog_type / is_perfmon_prog_type
_NET_ADMIN_TYPES = frozenset(ProgType[n] for n in (
    "SCHED_CLS", "SCHED_ACT", "XDP", "LWT_IN", "LWT_OUT", "LWT_XMIT", "LWT_SEG6LOCAL", "SK_SKB",
    "SK_MSG", "FLOW_DISSECTOR", "CGROUP_DEVICE", "CGROUP_SOCK", "CGROUP_SOCK_ADDR", "CGROUP_SOCKOPT",
    "CGROUP_SYSCTL", "SOCK_OPS", "SK_LOOKUP", "SK_REUSEPORT", "LIRC_MODE2"))
_PERFMON_TYPES = frozenset(ProgType[n] for n in (
    "KPROBE", "TRACEPOINT", "PERF_EVENT", "RAW_TRACEPOINT", "RAW_TRACEPOINT_WRITABLE", "TRACING",
    "LSM", "STRUCT_OPS", "EXT"))


def _type_cap_cause(facts, prog_type) -> Finding | None:
    """CAP_BPF is not enough for networking (CAP_NET_ADMIN) or tracing (CAP_PERFMON) programs."""
    caps = facts.caps
    if caps is None or prog_type is None or Capability.SYS_ADMIN in caps.effective:
        return None
    pt = ProgType(prog_type)
    for types, cap in ((_NET_ADMIN_TYPES, Capability.NET_ADMIN), (_PERFMON_TYPES, Capability.PERFMON)):
        if pt in types and cap not in caps.effective:
            return Finding("eperm-capability", Severity.FAIL,
                           f"EPERM: {pt.label} programs need CAP_{cap._name_}, which this process lacks", AREA,
                           {"prog_type": pt.label, "missing": f"CAP_{cap._name_}"},
                           f"grant CAP_{cap._name_}: setcap cap_bpf,cap_{cap._name_.lower()}+ep <loader>",
                           "kernel/bpf/syscall.c: bpf_prog_load")
    return None


def _unpriv_cause(facts) -> Finding | None:
    u = facts.sysctls.unprivileged_bpf_disabled
    caps = facts.caps
    privileged = caps is not None and (Capability.SYS_ADMIN in caps.effective or Capability.BPF in caps.effective)
    if u and not privileged:
        return Finding("eperm-unprivileged-disabled", Severity.FAIL,
                       f"EPERM: unprivileged BPF is disabled (kernel.unprivileged_bpf_disabled={u})", AREA,
                       {"kernel.unprivileged_bpf_disabled": u,
                        "effective": sorted(c._name_ for c in caps.effective) if caps else None},
                       "run the loader with CAP_BPF (or as root)" + (
                           "; or, to allow unprivileged socket filters: sysctl -w kernel.unprivileged_bpf_disabled=0"
                           if u == 2 else " (1 cannot be changed until reboot)"))
    return None


def _memory_cause(errno: int, facts, accounting) -> Finding | None:
    mode = accounting.mode if accounting else None
    lim = facts.memlock
    if errno == E.EPERM and mode == "rlimit" and lim is not None:
        return Finding("eperm-memlock", Severity.FAIL,
                       f"EPERM: RLIMIT_MEMLOCK ({fmt_bytes(lim.soft)}) "
                       "is exhausted: this kernel charges BPF memory to it", "memlock",
                       {"soft": lim.soft, "hard": lim.hard, "accounting": mode},
                       "ulimit -l unlimited, or LimitMEMLOCK=infinity for a systemd service",
                       "kernel/bpf/syscall.c: bpf_charge_memlock")
    if errno == E.ENOMEM and mode == "memcg" and facts.memcg is not None and facts.memcg.limit is not None:
        cg = facts.memcg
        return Finding("enomem-memcg", Severity.FAIL,
                       f"ENOMEM: memory cgroup {cg.limit_at} is at its limit ({fmt_bytes(cg.limit)}, "
                       f"{fmt_bytes(cg.usage) if cg.usage is not None else 'usage unknown'} used); "
                       "BPF memory is charged to it", "memlock",
                       {"cgroup": cg.path, "limit": cg.limit, "usage": cg.usage, "accounting": mode,
                        "cgroup_version": cg.version},
                       memcg_fix(cg), "kernel/bpf/syscall.c: bpf_map_kmalloc_node (__GFP_ACCOUNT)")
    return None


def memcg_fix(cg) -> str:
    """The knob that raises the limit, for the cgroup version in use (v1 has
    no memory.max)."""
    where = cg.limit_at or cg.path
    if cg.version == 1:
        return f"raise memory.limit_in_bytes (cgroup v1) of {where}, or MemoryLimit= for a systemd service"
    return f"raise memory.max (cgroup v2) of {where}, or MemoryMax= for a systemd service"


def _rlimit_irrelevant(facts, accounting) -> Finding | None:
    lim = facts.memlock
    if accounting and accounting.mode == "memcg" and lim is not None and lim.soft is not None:
        return Finding("memlock-not-the-cause", Severity.INFO,
                       f"RLIMIT_MEMLOCK ({fmt_bytes(lim.soft)}) is not the cause: this kernel charges BPF "
                       "memory to the memory cgroup, not the rlimit", "memlock",
                       {"soft": lim.soft, "accounting": "memcg"})
    return None


def _security_cause(facts) -> Finding:
    sec = facts.security
    ev = {"lockdown": sec.lockdown, "lsm": ",".join(sec.lsms) if sec.lsms else None}
    text = "EPERM with the needed capabilities: a security module refused it"
    if sec.lockdown == "confidentiality":
        text += " (lockdown=confidentiality refuses kernel-reading helpers)"
    elif sec.lsms:
        text += f" (active: {', '.join(sec.lsms)})"
    return Finding("eperm-security-module", Severity.FAIL, text, AREA, ev,
                   "check the LSM policy (BPF LSM programs, SELinux bpf class, AppArmor) and the kernel log")


def diagnose_eperm(errno: int, *, facts=None, accounting=None, prog_type: int | None = None,
                   root: str = "/") -> list[Finding]:
    """Name the cause(s) of an EPERM (or ENOMEM) from a map create or program load.

    ``facts`` defaults to :func:`bpfdoctor.host.facts.read_host` of ``root``;
    ``accounting`` to the version-based guess; ``prog_type`` (for a program
    load) lets it name the type-specific capability.  Returns the most likely causes
    first; never empty for EPERM/ENOMEM.
    """
    if facts is None:
        from bpfdoctor.host.facts import read_host

        facts = read_host(root)
    if accounting is None:
        from bpfdoctor.doctor.live import infer_accounting

        accounting = infer_accounting(version_tuple(facts.release))
    out: list[Finding] = []
    if errno == E.EPERM:
        # no privilege is one cause, whether the sysctl or the missing
        # capability is named: one finding, not two
        out += [_unpriv_cause(facts) or _caps_cause(facts) or _type_cap_cause(facts, prog_type)]
        out = [f for f in out if f]
    mem = _memory_cause(errno, facts, accounting)
    if mem:
        out.append(mem)
    if errno == E.EPERM and not out:
        out.append(_security_cause(facts))
    irrelevant = _rlimit_irrelevant(facts, accounting)
    if irrelevant and errno in (E.EPERM, E.ENOMEM):
        out.append(irrelevant)
    if errno == E.ENOMEM and not mem:
        out.append(Finding("enomem", Severity.FAIL, "ENOMEM: the kernel could not allocate the object "
                           "(memory cgroup or system memory)", "memlock",
                           {"accounting": accounting.mode if accounting else None}))
    return out
