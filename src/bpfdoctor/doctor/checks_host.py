"""Checks of the kernel, its JIT and our privileges: host facts -> findings (pure)."""

from __future__ import annotations

from bpfdoctor.doctor.kconfig_table import KCONFIG_DEPENDS, KCONFIG_MOOT_WITHOUT, KCONFIG_OPTIONS
from bpfdoctor.doctor.checks_memory import fmt_bytes
from bpfdoctor.findings import Finding, Severity
from bpfdoctor.host.kernel_info import version_tuple
from bpfdoctor.kernel.enums import Capability

OK, INFO, WARN, FAIL = Severity.OK, Severity.INFO, Severity.WARN, Severity.FAIL
SYSCTL_D = "/etc/sysctl.d/90-bpf.conf"


def check_kernel_version(facts) -> list[Finding]:
    v = version_tuple(facts.release)
    ev = {"release": facts.release}
    if v < (4, 4, 0):
        return [Finding("kernel-version", FAIL, f"kernel {facts.release} is too old for eBPF tooling",
                        "kernel", ev, "upgrade to Linux 5.8 or newer")]
    if v < (5, 8, 0):
        return [Finding("kernel-version", WARN, f"kernel {facts.release}: no CAP_BPF, ring buffer or "
                        "BTF-typed tracing before 5.8", "kernel", ev, "upgrade to Linux 5.8 or newer")]
    return [Finding("kernel-version", OK, f"kernel {facts.release}", "kernel", ev)]


def _root(name: str, missing: set[str]) -> str:
    """The first missing option up ``name``'s chain of prerequisites."""
    while KCONFIG_DEPENDS.get(name) in missing:
        name = KCONFIG_DEPENDS[name]
    return name


def check_kernel_config(facts) -> list[Finding]:
    cfg = facts.config
    if cfg.source is None:
        return [Finding("kernel-config", INFO, "kernel config not found (no /boot/config-$(uname -r), "
                        "no /proc/config.gz)", "kernel", {}, "modprobe configs  # exposes /proc/config.gz")]
    out = []
    missing = {o.name for o in KCONFIG_OPTIONS if cfg.get(o.name) not in ("y", "m")}
    # an option whose prerequisite is missing too says nothing new: one
    # finding for the prerequisite, naming both
    folded = {n for n in missing if KCONFIG_DEPENDS.get(n) in missing}
    # options that only matter with a feature the kernel lacks (module BTF without modules)
    from bpfdoctor.doctor.checks_fs import kernel_without_modules

    moot = {n for n in missing if KCONFIG_MOOT_WITHOUT.get(n) == "MODULES" and kernel_without_modules(facts)}
    for opt in KCONFIG_OPTIONS:
        if opt.name not in missing or opt.name in folded or opt.name in moot:
            continue
        also = [n for n in (o.name for o in KCONFIG_OPTIONS) if n in folded and _root(n, missing) == opt.name]
        nor = (f" (nor {', '.join('CONFIG_' + n for n in also)}, which need{'s' if len(also) == 1 else ''} it)"
               if also else "")
        out.append(Finding(f"kconfig-{opt.name.lower().replace('_', '-')}", opt.severity,
                           f"CONFIG_{opt.name} is not set{nor}: {opt.without}", "kernel",
                           {"option": f"CONFIG_{opt.name}", "enables": opt.enables, "source": cfg.source,
                            "also_missing": [f"CONFIG_{n}" for n in also]},
                           f"rebuild the kernel with CONFIG_{opt.name}=y"
                           + "".join(f" CONFIG_{n}=y" for n in also)))
    present = len(KCONFIG_OPTIONS) - len(missing)
    out.insert(0, Finding("kernel-config", OK, f"{present} of {len(KCONFIG_OPTIONS)} BPF-related options set",
                          "kernel", {"source": cfg.source}))
    return out


def check_jit(facts, live=None) -> list[Finding]:
    s, cfg = facts.sysctls, facts.config
    always_on = cfg.get("BPF_JIT_ALWAYS_ON") == "y"
    out = []
    ev = {"net.core.bpf_jit_enable": s.jit_enable, "CONFIG_BPF_JIT_ALWAYS_ON": always_on}
    fix_on = f"sysctl -w net.core.bpf_jit_enable=1 && echo 'net.core.bpf_jit_enable = 1' >> {SYSCTL_D}"
    if s.jit_enable is None:
        out.append(Finding("jit-enabled", WARN, "no JIT: net.core.bpf_jit_enable is absent "
                           "(CONFIG_BPF_JIT off or no JIT for this architecture)", "jit", ev))
    elif s.jit_enable == 0:
        out.append(Finding("jit-enabled", WARN, "JIT is off: programs run in the interpreter", "jit", ev,
                           fix_on))
    elif s.jit_enable == 2:
        out.append(Finding("jit-enabled", WARN, "JIT is on in debug mode (2): every JIT image is dumped "
                           "to the kernel log", "jit", ev, fix_on,
                           detail="mode 2 is meant for bpf_jit_disasm; it leaks kernel addresses to dmesg"))
    else:
        label = "JIT is always on (CONFIG_BPF_JIT_ALWAYS_ON)" if always_on else "JIT is on"
        out.append(Finding("jit-enabled", OK, label, "jit", ev))
    if live is not None and live.jit.jited is not None:
        j = live.jit
        sev = OK if j.jited else WARN
        text = (f"a test program was JIT-compiled ({j.jited_len} bytes of machine code)" if j.jited
                else "a test program was NOT JIT-compiled: it runs in the interpreter")
        out.append(Finding("jit-in-use", sev, text, "jit", {"jited_prog_len": j.jited_len,
                                                             "xlated_prog_len": j.xlated_len}))
    for name in ("net.core.bpf_jit_harden", "net.core.bpf_jit_kallsyms", "net.core.bpf_jit_limit"):
        if name in getattr(s, "unreadable", ()):
            fid = "jit-" + name.rsplit("_", 1)[1]
            out.append(Finding(fid, INFO, f"{name} unknown: unreadable without privilege (mode 0600)",
                               "jit", {name: None, "readable": False}))
    if s.jit_harden is not None:
        names = {0: "off", 1: "on for unprivileged users", 2: "on for everyone"}
        out.append(Finding("jit-harden", INFO, f"JIT hardening {names.get(s.jit_harden, s.jit_harden)}", "jit",
                           {"net.core.bpf_jit_harden": s.jit_harden},
                           detail="hardening blinds constants; costs some speed, guards against JIT spraying"))
    if s.jit_kallsyms is not None:
        if s.jit_kallsyms == 0:
            out.append(Finding("jit-kallsyms", WARN, "JIT images are not in /proc/kallsyms: perf and stack "
                               "traces cannot name BPF programs", "jit", {"net.core.bpf_jit_kallsyms": 0},
                               "sysctl -w net.core.bpf_jit_kallsyms=1"))
        else:
            out.append(Finding("jit-kallsyms", OK, "JIT images are listed in /proc/kallsyms", "jit",
                               {"net.core.bpf_jit_kallsyms": s.jit_kallsyms}))
    if s.jit_limit is not None:
        out.append(Finding("jit-limit", INFO, f"unprivileged JIT memory limit {fmt_bytes(s.jit_limit)}", "jit",
                           {"net.core.bpf_jit_limit": s.jit_limit}))
    return out


_CAPS = (Capability.BPF, Capability.PERFMON, Capability.NET_ADMIN, Capability.SYS_ADMIN,
         Capability.SYS_RESOURCE, Capability.IPC_LOCK)
_UNPRIV = {0: "unprivileged users may load socket filter and cgroup skb programs",
           1: "unprivileged BPF is off until reboot", 2: "unprivileged BPF is off (an admin can re-enable it)"}


def check_privilege(facts) -> list[Finding]:
    out = []
    caps = facts.caps
    can_bpf = True
    if caps is None:
        out.append(Finding("privilege-capabilities", INFO, "/proc/self/status unreadable", "privilege"))
    else:
        have = {c.name: c in caps.effective for c in _CAPS}
        ev = {"euid": caps.euid, **{f"CAP_{k}": v for k, v in have.items()}}
        new_kernel = version_tuple(facts.release) >= (5, 8, 0)
        can_bpf = have["SYS_ADMIN"] or (new_kernel and have["BPF"])
        if can_bpf:
            missing = [f"CAP_{k}" for k, v in have.items() if not v]
            sev = OK if not missing else INFO
            text = "privileged for BPF" + (f" (without {', '.join(missing)})" if missing else "")
            out.append(Finding("privilege-capabilities", sev, text, "privilege", ev))
        else:
            need = "CAP_BPF (plus CAP_PERFMON/CAP_NET_ADMIN)" if new_kernel else "CAP_SYS_ADMIN"
            out.append(Finding("privilege-capabilities", FAIL, f"missing {need}: only unprivileged program "
                               "types can load, if any", "privilege", ev,
                               "run as root, or: setcap cap_bpf,cap_perfmon,cap_net_admin+ep /path/to/loader"))
    u = facts.sysctls.unprivileged_bpf_disabled
    unprivileged = caps is not None and not can_bpf
    if u is not None:
        sev = WARN if u == 0 else OK
        if u and unprivileged:
            sev = INFO  # good for the host, but it is why bpf() fails for this process
        fix = (f"sysctl -w kernel.unprivileged_bpf_disabled=2 && echo 'kernel.unprivileged_bpf_disabled = 2' "
               f">> {SYSCTL_D}") if u == 0 else None
        text = _UNPRIV.get(u, f"unprivileged_bpf_disabled={u}")
        if u and unprivileged:
            text += ": so this unprivileged process cannot use bpf()"
        out.append(Finding("unprivileged-bpf", sev, text,
                           "privilege", {"kernel.unprivileged_bpf_disabled": u}, fix,
                           "https://docs.kernel.org/admin-guide/sysctl/kernel.html#unprivileged-bpf-disabled"))
    out.append(_lockdown(facts))
    return out


def _lockdown(facts) -> Finding:
    sec = facts.security
    mode = sec.lockdown
    if mode is None:
        has_lsm = facts.config.get("SECURITY_LOCKDOWN_LSM") == "y"
        text = ("lockdown mode unknown: securityfs is not mounted" if has_lsm
                else "kernel lockdown not built in")
        return Finding("lockdown", INFO, text, "privilege", {"CONFIG_SECURITY_LOCKDOWN_LSM": has_lsm},
                       "mount -t securityfs securityfs /sys/kernel/security" if has_lsm else None)
    ev = {"lockdown": mode, "lsm": ",".join(sec.lsms or ())}
    if mode == "confidentiality":
        return Finding("lockdown", FAIL, "lockdown=confidentiality: kernel-memory-reading helpers "
                       "(bpf_probe_read*, kprobes) are refused", "privilege", ev,
                       "boot with lockdown=integrity or without lockdown (e.g. disable Secure Boot lockdown)")
    if mode == "integrity":
        return Finding("lockdown", INFO, "lockdown=integrity: bpf_probe_write_user is refused", "privilege", ev)
    return Finding("lockdown", OK, "kernel lockdown is off", "privilege", ev)
