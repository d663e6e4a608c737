"""Locked memory: RLIMIT_MEMLOCK, which accounting the kernel uses, the
memory cgroup limit (pure: facts -> findings)."""

from __future__ import annotations

from bpfdoctor.findings import Finding, Severity
from bpfdoctor.host.kernel_info import version_tuple
from bpfdoctor.units import fmt_bytes

OK, INFO, WARN, FAIL = Severity.OK, Severity.INFO, Severity.WARN, Severity.FAIL
# Below this, a loader with a few maps hits EPERM on rlimit-accounting kernels
# (the common default was 64 KiB; 8 MiB since glibc/systemd defaults of 2021).
LOW_MEMLOCK = 8 << 20

MEMLOCK_CONFIG = (
    "systemd service:  mkdir -p /etc/systemd/system/<unit>.service.d && printf "
    "'[Service]\\nLimitMEMLOCK=infinity\\n' > /etc/systemd/system/<unit>.service.d/memlock.conf "
    "&& systemctl daemon-reload\n"
    "login sessions:   echo '<user> - memlock unlimited' >> /etc/security/limits.conf\n"
    "this shell:       ulimit -l unlimited   (needs CAP_SYS_RESOURCE above the hard limit)\n"
    "in a loader:      bpfdoctor.host.limits.raise_memlock()"
)


def check_memlock(facts, accounting) -> list[Finding]:
    out = []
    lim = facts.memlock
    mode = accounting.mode if accounting else None
    ev = {"accounting": mode, "how": accounting.how if accounting else None}
    inferred = " (inferred from the kernel version, not probed)" if accounting and accounting.errno \
        and accounting.how.startswith("inferred") else ""
    if mode == "memcg":
        out.append(Finding("memlock-accounting", OK, "BPF memory is charged to the memory cgroup "
                           f"(RLIMIT_MEMLOCK does not limit BPF here){inferred}", "memlock", ev))
    elif mode == "rlimit":
        out.append(Finding("memlock-accounting", INFO, "BPF memory is charged to RLIMIT_MEMLOCK "
                           f"(kernel before 5.11), per user{inferred}", "memlock", ev))
    else:
        out.append(Finding("memlock-accounting", INFO, "BPF memory accounting unknown", "memlock", ev))
    if lim is None:
        out.append(Finding("memlock-rlimit", INFO, "RLIMIT_MEMLOCK unreadable", "memlock"))
        return out + check_memcg(facts, mode)
    lev = {"soft": lim.soft, "hard": lim.hard, "soft_text": fmt_bytes(lim.soft), "hard_text": fmt_bytes(lim.hard)}
    text = f"RLIMIT_MEMLOCK soft {fmt_bytes(lim.soft)}, hard {fmt_bytes(lim.hard)}"
    low = lim.soft is not None and lim.soft < LOW_MEMLOCK
    if mode == "rlimit" and low:
        can_raise = lim.hard is None or lim.hard > lim.soft
        fix = ("bpfdoctor check --fix  # raises this process's soft limit to the hard limit\n" if can_raise
               else "") + MEMLOCK_CONFIG
        out.append(Finding("memlock-rlimit", WARN if lim.soft >= (1 << 20) else FAIL,
                           text + ": too low for most BPF loaders on this kernel", "memlock", lev, fix,
                           "kernel/bpf/syscall.c: bpf_charge_memlock", detail=MEMLOCK_CONFIG))
    elif mode == "rlimit":
        out.append(Finding("memlock-rlimit", OK, text, "memlock", lev))
    else:
        out.append(Finding("memlock-rlimit", INFO, text + " (not used for BPF on this kernel)"
                           if mode == "memcg" else text, "memlock", lev))
    return out + check_memcg(facts, mode)


def check_memcg(facts, mode) -> list[Finding]:
    cg = facts.memcg
    if cg is None:
        return []
    ev = {"version": cg.version, "cgroup": cg.path, "limit": cg.limit, "limit_at": cg.limit_at,
          "usage": cg.usage}
    if cg.limit is None:
        return [Finding("memcg-limit", OK, f"memory cgroup {cg.path} (v{cg.version}) has no limit", "memlock", ev)]
    free = cg.limit - (cg.usage or 0)
    text = (f"memory cgroup limit {fmt_bytes(cg.limit)} (set at {cg.limit_at}), "
            f"{fmt_bytes(max(free, 0))} free")
    sev = INFO
    if mode == "memcg" and free < (16 << 20):
        sev = WARN
        text += ": BPF maps are charged here and may fail with ENOMEM"
    fix = ("systemd: set MemoryMax= for the unit; cgroup v2: echo max > "
           f"{cg.directory}/memory.max") if sev == WARN else None
    return [Finding("memcg-limit", sev, text, "memlock", ev, fix)]
