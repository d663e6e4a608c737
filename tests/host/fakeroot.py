"""Build fake ``/proc`` and ``/sys`` trees from small specs, for readers and checks.

A spec is a dict; every key is optional and defaults to a healthy 6.8 host::

    {"release": "5.4.0", "memlock": (65536, 65536), "sysctls": {"net.core.bpf_jit_enable": 0},
     "lockdown": "integrity", "btf": False, "mounts": ["bpf", "tracefs"], ...}
"""

from __future__ import annotations

import gzip
from pathlib import Path

ALL_CAPS = (1 << 41) - 1
DEFAULT = {
    "release": "6.8.0-test",
    "config": {"BPF": "y", "BPF_SYSCALL": "y", "BPF_JIT": "y", "BPF_JIT_ALWAYS_ON": "y",
               "BPF_JIT_DEFAULT_ON": "y", "BPF_UNPRIV_DEFAULT_OFF": "y", "BPF_LSM": "y",
               "DEBUG_INFO_BTF": "y", "DEBUG_INFO_BTF_MODULES": "y", "CGROUP_BPF": "y", "BPF_EVENTS": "y",
               "KPROBES": "y", "KPROBE_EVENTS": "y", "UPROBE_EVENTS": "y", "FTRACE": "y",
               "FUNCTION_TRACER": "y", "XDP_SOCKETS": "y", "NET_CLS_BPF": "m", "NET_ACT_BPF": "m",
               "NET_SCH_INGRESS": "m", "BPF_STREAM_PARSER": "y", "LWTUNNEL_BPF": "y",
               "BPF_KPROBE_OVERRIDE": "y", "FUNCTION_ERROR_INJECTION": "y", "BPF_LIRC_MODE2": "y",
               "NETFILTER_XT_MATCH_BPF": "m", "IPV6_SEG6_BPF": "y", "SECURITY_LOCKDOWN_LSM": "y"},
    "config_at": "boot",  # "boot", "proc" (config.gz) or None
    "sysctls": {"net.core.bpf_jit_enable": 1, "net.core.bpf_jit_harden": 0, "net.core.bpf_jit_kallsyms": 1,
                "net.core.bpf_jit_limit": 264241152, "kernel.unprivileged_bpf_disabled": 2,
                "kernel.kptr_restrict": 1, "kernel.dmesg_restrict": 1, "kernel.perf_event_paranoid": 2},
    "uid": 0,
    "caps": ALL_CAPS,
    "memlock": (8 << 20, 8 << 20),  # None is unlimited
    "cgroup": {"version": 2, "path": "/system.slice/test.service", "limit": None, "usage": 50 << 20},
    "lockdown": "none",
    "lsm": "lockdown,capability,bpf",
    "mounts": ["bpf", "tracefs", "debugfs", "cgroup2"],
    "btf": True,
    "btf_modules": 3,
    "cpus": "0-3",
}

_MOUNT_POINTS = {"bpf": "/sys/fs/bpf", "tracefs": "/sys/kernel/tracing", "debugfs": "/sys/kernel/debug",
                 "cgroup2": "/sys/fs/cgroup", "cgroup": "/sys/fs/cgroup/memory"}


def _write(root: Path, path: str, text: str | bytes) -> None:
    p = root / path.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(text if isinstance(text, bytes) else text.encode())


def _limits(memlock) -> str:
    def v(x):
        return "unlimited" if x is None else str(x)

    head = f"{'Limit':<26}{'Soft Limit':<21}{'Hard Limit':<21}{'Units':<10}\n"
    return (head + f"{'Max open files':<26}{'1024':<21}{'1048576':<21}{'files':<10}\n"
            + f"{'Max locked memory':<26}{v(memlock[0]):<21}{v(memlock[1]):<21}{'bytes':<10}\n")


def _mountinfo(mounts, cgroup) -> str:
    lines = ["22 1 0:21 / /proc rw,relatime - proc proc rw", "23 1 0:22 / /sys rw,relatime - sysfs sysfs rw"]
    for i, fs in enumerate(mounts):
        sup = "rw,memory" if fs == "cgroup" else "rw"
        lines.append(f"{40 + i} 23 0:{40 + i} / {_MOUNT_POINTS[fs]} rw,relatime - {fs} {fs} {sup}")
    if cgroup and cgroup["version"] == 1 and "cgroup" not in mounts:
        lines.append(f"60 23 0:60 / {_MOUNT_POINTS['cgroup']} rw,relatime - cgroup cgroup rw,memory")
    return "\n".join(lines) + "\n"


def _cgroup(root: Path, cg) -> None:
    if cg is None:
        _write(root, "/proc/self/cgroup", "0::/\n")
        return
    if cg["version"] == 2:
        _write(root, "/proc/self/cgroup", f"0::{cg['path']}\n")
        base = "/sys/fs/cgroup"
        _write(root, base + "/cgroup.controllers", "cpu io memory pids\n")
        d = base + cg["path"]
        _write(root, d + "/memory.max", "max\n" if cg["limit"] is None else f"{cg['limit']}\n")
        _write(root, d + "/memory.current", f"{cg['usage']}\n")
    else:
        _write(root, "/proc/self/cgroup", f"4:memory:{cg['path']}\n0::/\n")
        d = "/sys/fs/cgroup/memory" + cg["path"]
        limit = 9223372036854771712 if cg["limit"] is None else cg["limit"]
        _write(root, d + "/memory.limit_in_bytes", f"{limit}\n")
        _write(root, d + "/memory.usage_in_bytes", f"{cg['usage']}\n")
        _write(root, "/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n")


def build_tree(root: Path, spec: dict | None = None) -> Path:
    s = {**DEFAULT, **(spec or {})}
    s["sysctls"] = {**DEFAULT["sysctls"], **(spec or {}).get("sysctls", {})}
    _write(root, "/proc/sys/kernel/osrelease", s["release"] + "\n")
    for name, value in s["sysctls"].items():
        if value is not None:
            _write(root, "/proc/sys/" + name.replace(".", "/"), f"{value}\n")
    config = "".join(f"CONFIG_{k}={v}\n" for k, v in (s["config"] or {}).items())
    if s["config_at"] == "boot":
        _write(root, f"/boot/config-{s['release']}", config)
    elif s["config_at"] == "proc":
        _write(root, "/proc/config.gz", gzip.compress(config.encode()))
    _write(root, "/proc/self/status", f"Name:\tpython3\nUid:\t{s['uid']}\t{s['uid']}\t{s['uid']}\t{s['uid']}\n"
           f"CapInh:\t0000000000000000\nCapPrm:\t{s['caps']:016x}\nCapEff:\t{s['caps']:016x}\n"
           f"CapBnd:\t{ALL_CAPS:016x}\n")
    _write(root, "/proc/self/limits", _limits(s["memlock"]))
    _write(root, "/proc/self/mountinfo", _mountinfo(s["mounts"], s["cgroup"]))
    _cgroup(root, s["cgroup"])
    if s["lockdown"] is not None:
        modes = " ".join(f"[{m}]" if m == s["lockdown"] else m for m in ("none", "integrity", "confidentiality"))
        _write(root, "/sys/kernel/security/lockdown", modes + "\n")
        _write(root, "/sys/kernel/security/lsm", s["lsm"])
    (root / "sys/kernel/btf").mkdir(parents=True, exist_ok=True)
    if s["btf"]:
        _write(root, "/sys/kernel/btf/vmlinux", b"\x9f\xeb\x01\x00" + b"\0" * 60)
        for i in range(s["btf_modules"]):
            _write(root, f"/sys/kernel/btf/mod{i}", b"\x9f\xeb\x01\x00")
    _write(root, "/sys/devices/system/cpu/possible", s["cpus"] + "\n")
    return root
