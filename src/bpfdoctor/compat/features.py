"""When the kernel gained what an object may use, and which kernel config
options each program type needs.

Releases are the mainline release that first had the feature (the commit
that added it, as listed in the kernel's Documentation/bpf and libbpf's
feature probes in tools/lib/bpf/features.c).  Used only when the target's
release is known; everything that can be answered from the target's own BTF
(program, map and attach types, helpers, kfuncs, attach points) is.
"""

from __future__ import annotations

# What -> (earliest release, why it matters)
ISA = {
    "v2": ((4, 14), "jlt/jle/jslt/jsle jumps (-mcpu=v2)"),
    "v3": ((5, 1), "32-bit jumps (-mcpu=v3)"),
    "v4": ((6, 6), "sign-extending loads and moves, sdiv/smod, bswap, gotol (-mcpu=v4)"),
}
FEATURES = {
    "atomic_fetch": ((5, 12), "atomic fetch/xchg/cmpxchg/and/or/xor instructions"),
    "bounded_loops": ((5, 3), "loops (backward jumps) verified as bounded"),
    "global_data": ((5, 2), "global variables (.data/.rodata/.bss maps)"),
    "bpf_calls": ((4, 16), "BPF-to-BPF function calls"),
    "global_functions": ((5, 6), "global (separately verified) functions"),
    "may_goto": ((6, 9), "may_goto (bpf_can_loop) instructions"),
    "arena": ((6, 9), "addr_space_cast (BPF arena) instructions"),
    "load_acquire": ((6, 15), "load-acquire / store-release instructions"),
}
# BTF kinds the kernel's BTF loader learnt late; libbpf sanitises them away
# (libbpf.c bpf_object__sanitize_btf) when the kernel refuses them.
BTF_KINDS = {
    "FUNC": (5, 0), "FUNC_PROTO": (5, 0), "VAR": (5, 2), "DATASEC": (5, 2), "FLOAT": (5, 13),
    "DECL_TAG": (5, 16), "TYPE_TAG": (5, 17), "ENUM64": (6, 0),
}

# Program type -> kernel options it needs (Kconfig names without CONFIG_).
# kernel/trace/Kconfig, kernel/bpf/Kconfig, net/Kconfig, security/Kconfig.
PROG_CONFIG: dict[str, tuple[str, ...]] = {
    "KPROBE": ("KPROBES", "KPROBE_EVENTS"),
    "TRACEPOINT": ("TRACEPOINTS",),
    "RAW_TRACEPOINT": ("TRACEPOINTS",),
    "PERF_EVENT": ("PERF_EVENTS",),
    "TRACING": ("BPF_JIT",),  # trampolines are JIT-built (arch_prepare_bpf_trampoline)
    "LSM": ("BPF_LSM",),
    "EXT": ("BPF_JIT",),
    "STRUCT_OPS": ("BPF_JIT",),
    "CGROUP_SKB": ("CGROUP_BPF",), "CGROUP_SOCK": ("CGROUP_BPF",), "CGROUP_SOCK_ADDR": ("CGROUP_BPF",),
    "CGROUP_DEVICE": ("CGROUP_BPF",), "CGROUP_SYSCTL": ("CGROUP_BPF",), "CGROUP_SOCKOPT": ("CGROUP_BPF",),
    "SOCK_OPS": ("CGROUP_BPF",),
    "SCHED_CLS": ("NET_CLS_BPF",),
    "SCHED_ACT": ("NET_ACT_BPF",),
    "LWT_IN": ("LWTUNNEL_BPF",), "LWT_OUT": ("LWTUNNEL_BPF",), "LWT_XMIT": ("LWTUNNEL_BPF",),
    "LWT_SEG6LOCAL": ("LWTUNNEL_BPF",),
    "LIRC_MODE2": ("BPF_LIRC_MODE2",),
    "NETFILTER": ("NETFILTER_BPF_LINK",),
}
# Uprobes are a different option than kprobes (same program type).
UPROBE_CONFIG = ("UPROBE_EVENTS",)
SYSCALL_TP_CONFIG = ("FTRACE_SYSCALLS",)


def fmt_release(v: tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"
