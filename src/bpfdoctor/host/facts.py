"""All host facts ``check`` needs, read in one go from one root."""

from __future__ import annotations

import os

from bpfdoctor.host.btf import KernelBtf, read_kernel_btf
from bpfdoctor.host.caps import ProcessCaps, read_caps
from bpfdoctor.host.cgroup import MemoryCgroup, read_memory_cgroup
from bpfdoctor.host.kernel_info import KernelConfig, kernel_config, kernel_release
from bpfdoctor.host.limits import Limit, read_memlock
from bpfdoctor.host.mounts import Mount, read_mounts
from bpfdoctor.host.security import Security, read_security
from bpfdoctor.host.sysctl import BpfSysctls, read_bpf_sysctls
from bpfdoctor.record import record


@record
class HostFacts:
    """Everything ``check`` reads from the host under ``root``; ``caps``,
    ``memlock`` and ``memcg`` are None when the host does not tell (unreadable
    files, no memory cgroup)."""

    root: str
    release: str
    config: KernelConfig
    sysctls: BpfSysctls
    caps: ProcessCaps | None
    memlock: Limit | None
    memcg: MemoryCgroup | None
    security: Security
    mounts: tuple[Mount, ...]
    btf: KernelBtf
    bpf_syscall_present: bool  # /proc/sys/kernel/unprivileged_bpf_disabled exists only with CONFIG_BPF_SYSCALL


def read_host(root: str | os.PathLike = "/") -> HostFacts:
    root = os.fspath(root)
    release = kernel_release(root)
    sysctls = read_bpf_sysctls(root)
    return HostFacts(root, release, kernel_config(root, release), sysctls, read_caps(root),
                     read_memlock(root), read_memory_cgroup(root), read_security(root),
                     tuple(read_mounts(root)), read_kernel_btf(root),
                     sysctls.unprivileged_bpf_disabled is not None)
