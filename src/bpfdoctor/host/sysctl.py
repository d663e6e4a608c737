"""BPF-related sysctls from ``/proc/sys``."""

from __future__ import annotations

import os

from bpfdoctor.host._files import read_int
from bpfdoctor.record import record

BPF_SYSCTLS = (
    "net.core.bpf_jit_enable", "net.core.bpf_jit_harden", "net.core.bpf_jit_kallsyms",
    "net.core.bpf_jit_limit", "kernel.unprivileged_bpf_disabled", "kernel.kptr_restrict",
    "kernel.dmesg_restrict", "kernel.perf_event_paranoid",
)


def sysctl_path(name: str) -> str:
    return "/proc/sys/" + name.replace(".", "/")


def read_sysctl(name: str, root: str | os.PathLike = "/") -> int | None:
    """An integer sysctl, or None when the kernel does not have it (or hides it)."""
    return read_int(root, sysctl_path(name))


@record
class BpfSysctls:
    """None means absent: no JIT built in, or no BPF syscall at all."""

    jit_enable: int | None
    jit_harden: int | None
    jit_kallsyms: int | None
    jit_limit: int | None
    unprivileged_bpf_disabled: int | None
    kptr_restrict: int | None
    dmesg_restrict: int | None
    perf_event_paranoid: int | None
    # sysctls that exist but this process may not read (bpf_jit_harden,
    # bpf_jit_kallsyms and bpf_jit_limit are mode 0600): unknown, not absent
    unreadable: frozenset[str] = frozenset()


def read_bpf_sysctls(root: str | os.PathLike = "/") -> BpfSysctls:
    from bpfdoctor.host._files import under

    values = [read_sysctl(name, root) for name in BPF_SYSCTLS]
    unreadable = frozenset(n for n, v in zip(BPF_SYSCTLS, values)
                           if v is None and under(root, sysctl_path(n)).exists())
    return BpfSysctls(*values, unreadable=unreadable)
