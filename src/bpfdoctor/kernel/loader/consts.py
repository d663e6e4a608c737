"""Numbers the loader writes into instructions and attrs, and the names of
program/attach types newer than the generated ``kernel.enums`` (linux 6.1 UAPI).

Values from include/uapi/linux/bpf.h (linux 6.18).
"""

from __future__ import annotations

from bpfdoctor.kernel.enums import ProgType, value_of

# ld_imm64 src_reg values (``BPF_PSEUDO_*``)
PSEUDO_MAP_FD = 1
PSEUDO_MAP_VALUE = 2
PSEUDO_BTF_ID = 3
PSEUDO_FUNC = 4
# call src_reg values
PSEUDO_CALL = 1
PSEUDO_KFUNC_CALL = 2

# Opcodes the loader recognises.
LD_IMM64 = 0x18
JMP_CALL = 0x85

# libbpf relo_core.c bpf_core_poison_insn: "invalid func unknown#195896080"
# in the verifier log says "failed CO-RE relocation".
POISON_CORE = 0xBAD2310
# libbpf.c poison_kfunc_call: an unresolved weak kfunc becomes a call to
# POISON_CALL_KFUNC_BASE + extern index (dead code, or the verifier names it).
POISON_CALL_KFUNC_BASE = 2002000000

# prog_flags
BPF_F_SLEEPABLE = 1 << 4
BPF_F_XDP_HAS_FRAGS = 1 << 5

# map_flags
BPF_F_RDONLY_PROG = 1 << 7
BPF_F_MMAPABLE = 1 << 10
BPF_F_NUMA_NODE = 1 << 2

# Types added to the UAPI after 6.1 (the generated enums keep the number,
# these give it the name libbpf's section table uses).
_NEWER_PROG_TYPES = {"NETFILTER": 32}
_NEWER_ATTACH_TYPES = {
    "STRUCT_OPS": 44, "NETFILTER": 45, "TCX_INGRESS": 46, "TCX_EGRESS": 47,
    "TRACE_UPROBE_MULTI": 48, "CGROUP_UNIX_CONNECT": 49, "CGROUP_UNIX_SENDMSG": 50,
    "CGROUP_UNIX_RECVMSG": 51, "CGROUP_UNIX_GETPEERNAME": 52, "CGROUP_UNIX_GETSOCKNAME": 53,
    "NETKIT_PRIMARY": 54, "NETKIT_PEER": 55, "TRACE_KPROBE_SESSION": 56,
}


def prog_type_by_name(name: str) -> ProgType | None:
    """``XDP``/``xdp``/``sched_cls`` -> ProgType; None when unknown."""
    key = name.upper().replace("-", "_")
    if key in ProgType.__members__:
        return ProgType[key]
    if key in _NEWER_PROG_TYPES:
        return ProgType(_NEWER_PROG_TYPES[key])
    return None


def attach_type_by_name(name: str | None) -> int:
    if not name:
        return 0
    value = value_of("AttachType", name)  # the AttachType enum is not built for this
    return value if value is not None else _NEWER_ATTACH_TYPES.get(name, 0)


def prog_type_names() -> list[str]:
    return sorted([n.lower() for n in ProgType.__members__ if n != "UNSPEC"] +
                  [n.lower() for n in _NEWER_PROG_TYPES])
