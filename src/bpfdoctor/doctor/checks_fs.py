"""BTF and filesystems (pure: facts -> findings)."""

from __future__ import annotations

from bpfdoctor.doctor.checks_memory import fmt_bytes
from bpfdoctor.findings import Finding, Severity
from bpfdoctor.host.mounts import mounts_of

OK, INFO, WARN, FAIL = Severity.OK, Severity.INFO, Severity.WARN, Severity.FAIL
BPFFS = "/sys/fs/bpf"


def check_btf(facts) -> list[Finding]:
    b = facts.btf
    out = []
    if b.vmlinux_readable:
        out.append(Finding("btf-vmlinux", OK, f"kernel BTF at /sys/kernel/btf/vmlinux ({fmt_bytes(b.vmlinux_size)})",
                           "btf", {"size": b.vmlinux_size}))
    elif b.vmlinux_present:
        out.append(Finding("btf-vmlinux", WARN, "/sys/kernel/btf/vmlinux exists but cannot be read",
                           "btf", {}, "run as root"))
    else:
        out.append(Finding("btf-vmlinux", WARN, "no kernel BTF: CO-RE programs and fentry/fexit/tp_btf/lsm "
                           "cannot load", "btf", {}, "use a kernel built with CONFIG_DEBUG_INFO_BTF=y",
                           "https://docs.kernel.org/bpf/btf.html"))
    if kernel_without_modules(facts):
        return out  # no modules, so no module BTF to look for
    modules_enabled = facts.config.get("DEBUG_INFO_BTF_MODULES") == "y"
    sev = OK if b.module_count or not modules_enabled else INFO
    out.append(Finding("btf-modules", sev if b.module_count else INFO,
                       f"{b.module_count} kernel modules with BTF", "btf",
                       {"modules": b.module_count, "CONFIG_DEBUG_INFO_BTF_MODULES": modules_enabled}))
    return out


def kernel_without_modules(facts) -> bool:
    """CONFIG_MODULES unset in the kernel's config, and no module BTF seen."""
    b = getattr(facts, "btf", None)
    return (facts.config.source is not None and facts.config.get("MODULES") not in ("y", "m")
            and not (b is not None and b.module_count))


def check_filesystems(facts) -> list[Finding]:
    out = []
    bpffs = mounts_of(list(facts.mounts), "bpf")
    if bpffs:
        where = ", ".join(m.mount_point for m in bpffs)
        out.append(Finding("fs-bpffs", OK, f"bpffs mounted at {where}", "filesystems",
                           {"mount_points": [m.mount_point for m in bpffs]}))
    else:
        out.append(Finding("fs-bpffs", WARN, "bpffs is not mounted: maps and programs cannot be pinned",
                           "filesystems", {}, f"mount -t bpf bpffs {BPFFS}",
                           detail="persist it with an /etc/fstab line: bpffs /sys/fs/bpf bpf defaults 0 0"))
    tracefs = mounts_of(list(facts.mounts), "tracefs")
    debugfs = mounts_of(list(facts.mounts), "debugfs")
    if tracefs:
        out.append(Finding("fs-tracefs", OK, f"tracefs mounted at {tracefs[0].mount_point}", "filesystems",
                           {"mount_point": tracefs[0].mount_point}))
    else:
        out.append(Finding("fs-tracefs", INFO, "tracefs is not mounted: tracepoint ids and "
                           "bpf_trace_printk output are not reachable", "filesystems", {},
                           "mount -t tracefs tracefs /sys/kernel/tracing"))
    if debugfs:
        out.append(Finding("fs-debugfs", OK, f"debugfs mounted at {debugfs[0].mount_point}", "filesystems",
                           {"mount_point": debugfs[0].mount_point}))
    else:
        out.append(Finding("fs-debugfs", INFO, "debugfs is not mounted (older tools look for "
                           "/sys/kernel/debug/tracing)", "filesystems", {},
                           "mount -t debugfs debugfs /sys/kernel/debug"))
    cg2 = mounts_of(list(facts.mounts), "cgroup2")
    if cg2:
        out.append(Finding("fs-cgroup2", OK, f"cgroup v2 mounted at {cg2[0].mount_point}", "filesystems",
                           {"mount_point": cg2[0].mount_point}))
    else:
        out.append(Finding("fs-cgroup2", INFO, "cgroup v2 is not mounted: cgroup programs cannot attach",
                           "filesystems", {}, "mount -t cgroup2 none /sys/fs/cgroup/unified"))
    return out


def check_features(features) -> list[Finding]:
    """Probe results -> one finding per kind (the lists are in the evidence)."""
    if features is None:
        return []
    out = []
    for kind, probes in (("prog-types", features.prog_types), ("map-types", features.map_types),
                         ("misc", features.misc)):
        yes = [p.name for p in probes if p.available]
        no = [p.name for p in probes if p.available is False]
        unknown = [p.name for p in probes if p.available is None]
        text = f"{len(yes)} of {len(probes)} {kind.replace('-', ' ')} available"
        if probes and len(unknown) == len(probes):
            out.append(Finding(f"features-{kind}", INFO, f"{kind.replace('-', ' ')} unknown: every probe was "
                               "refused (EPERM)", "features", {"available": [], "unavailable": [],
                                                               "unknown": unknown}))
            continue
        if no:
            text += f"; missing: {', '.join(no)}"
        if unknown:
            text += f"; refused to probe (EPERM): {', '.join(unknown)}"
        sev = WARN if kind == "misc" and no else (INFO if no or unknown else OK)
        out.append(Finding(f"features-{kind}", sev, text, "features",
                           {"available": yes, "unavailable": no, "unknown": unknown}))
    total = sum(len(v) for v in features.helpers.values())
    if not features.helpers and all(p.available is None for p in features.prog_types):
        out.append(Finding("features-helpers", INFO, "helpers unknown: no program type could be probed",
                           "features", {"available": {}, "unavailable": features.helpers_unavailable}))
        return out
    out.append(Finding("features-helpers", OK if features.helpers else INFO,
                       f"{total} helper/program-type pairs available across {len(features.helpers)} program "
                       f"types ({features.load_count} probes)", "features",
                       {"available": features.helpers, "unavailable": features.helpers_unavailable}))
    return out
