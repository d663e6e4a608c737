"""What an errno from BPF_PROG_LOAD or BPF_MAP_CREATE usually means (data).

The causes come from where the kernel returns each code: kernel/bpf/syscall.c
(bpf_prog_load, map_create, bpf_map_alloc_*), kernel/bpf/verifier.c
(bpf_check), the memory cgroup and RLIMIT_MEMLOCK accounting.  The host
specific EPERM diagnosis is bpfdoctor.doctor.diagnose_eperm.
"""

from __future__ import annotations

import errno as _errno

from bpfdoctor.record import record


@record
class ErrnoInfo:
    """One errno and its usual causes in BPF_PROG_LOAD and in BPF_MAP_CREATE."""

    number: int
    name: str
    prog_load: tuple[str, ...]
    map_create: tuple[str, ...]

    def causes(self, command: str) -> tuple[str, ...]:
        return self.map_create if "MAP" in command.upper() else self.prog_load

    def to_dict(self) -> dict[str, object]:
        return {"number": self.number, "name": self.name, "prog_load": list(self.prog_load),
                "map_create": list(self.map_create)}


ENOTSUPP = 524  # kernel-internal, leaks to user space from bpf(); no libc name

_EPERM_HINT = "run `bpfdoctor check` (bpfdoctor.doctor.diagnose_eperm) for this host's cause"

ERRNOS: dict[int, ErrnoInfo] = {e.number: e for e in (
    ErrnoInfo(_errno.EPERM, "EPERM", (
        "missing capability: CAP_BPF (+CAP_PERFMON for tracing, +CAP_NET_ADMIN for networking) "
        "or CAP_SYS_ADMIN", "kernel.unprivileged_bpf_disabled forbids unprivileged bpf()",
        "kernel lockdown (integrity/confidentiality) refuses the program type",
        "RLIMIT_MEMLOCK too low on kernels before 5.11 (memory was charged to it)", _EPERM_HINT,
    ), (
        "missing capability for this map type", "RLIMIT_MEMLOCK too low on kernels before 5.11",
        _EPERM_HINT,
    )),
    ErrnoInfo(_errno.EACCES, "EACCES", (
        "the verifier rejected the program: the log explains why (bpfdoctor explain)",
    ), (
        "map flags ask for access the caller may not have (BPF_F_RDONLY/WRONLY misuse)",
    )),
    ErrnoInfo(_errno.EINVAL, "EINVAL", (
        "the verifier rejected the program for a structural reason (bad instruction, unknown "
        "helper, bad attach type): see the log", "a bpf_attr field this kernel does not know is "
        "non-zero (loader newer than the kernel)", "expected_attach_type or attach_btf_id missing "
        "or wrong for the program type", "invalid BTF or func_info/line_info",
    ), (
        "key/value size or max_entries invalid for the map type (e.g. ringbuf size not a power "
        "of 2 page multiple)", "map flags not supported by the map type",
        "BTF key/value types do not match the sizes",
    )),
    ErrnoInfo(_errno.E2BIG, "E2BIG", (
        "the program is too large or too complex: over 1M processed instructions or 4096 (old "
        "kernels) instructions", "bpf_attr larger than the kernel knows, with non-zero tail",
    ), (
        "value size or max_entries above the map type's limit",
    )),
    ErrnoInfo(_errno.ENOMEM, "ENOMEM", (
        "memory cgroup limit (kernels >= 5.11 charge BPF memory to the memcg) or "
        "RLIMIT_MEMLOCK (older kernels)", "the verifier's own state allocation failed (huge program)",
    ), (
        "memory cgroup limit or RLIMIT_MEMLOCK: the map's memory cannot be charged "
        "(bpfdoctor memlock)", "max_entries * value_size too large to allocate",
    )),
    ErrnoInfo(_errno.ENOSPC, "ENOSPC", (
        "the verifier log did not fit in the log buffer: enlarge it (the log is truncated)",
    ), (
        "no free slot (e.g. too many BPF objects for a limit)",
    )),
    ErrnoInfo(ENOTSUPP, "ENOTSUPP", (
        "the kernel (or the JIT) does not support a feature the program uses: a kfunc, "
        "bpf2bpf calls mixed with tail calls, an instruction the JIT lacks, offload",
    ), (
        "map type or flag not supported by this kernel build or device",
    )),
    ErrnoInfo(_errno.EFAULT, "EFAULT", (
        "a pointer in bpf_attr (insns, license, log_buf, BTF) points to unreadable memory",
        "the verifier hit an internal bug (it logs 'verifier bug')",
    ), (
        "a pointer in bpf_attr is invalid",
    )),
    ErrnoInfo(_errno.ENOENT, "ENOENT", (
        "an object the program refers to does not exist: attach target function (fentry/"
        "fexit/BTF id), a kfunc's module BTF, a map fd for a freed map",
    ), (
        "inner map or BTF object referenced by fd/id does not exist",
    )),
    ErrnoInfo(_errno.ESRCH, "ESRCH", (
        "libbpf found no attach target in the kernel's BTF (libbpf_find_attach_btf_id): the "
        "fentry/fexit/tp_btf/LSM function or tracepoint is not on this kernel, was renamed, "
        "inlined, or the kernel has no BTF for it",
    ), (
        "an object referenced by id or name does not exist",
    )),
    ErrnoInfo(_errno.EBUSY, "EBUSY", (
        "the attach target is busy (another program already attached exclusively)",
    ), (
        "the map or resource is in use (e.g. a frozen map with pending writers)",
    )),
    ErrnoInfo(_errno.EOPNOTSUPP, "EOPNOTSUPP", (
        "the operation is not supported for this program or attach type",
    ), (
        "the map type does not support this operation",
    )),
)}


def errno_name(number: int) -> str:
    """``ESRCH`` for 3 (or -3); ``E?`` for a number no libc names."""
    n = abs(number)
    info = ERRNOS.get(n)
    return info.name if info else _errno.errorcode.get(n, "E?")


def explain_errno(number: int) -> ErrnoInfo | None:
    """What ``number`` (positive or negative) usually means for bpf(); None if unknown."""
    return ERRNOS.get(abs(number))


# (errno, words in the message or family id) -> what the errno means for *this* rejection.
# The kernel returns one errno for many causes (kernel/bpf/verifier.c: most
# checks return -EACCES or -EINVAL, budgets -E2BIG, give-ups -EFAULT), so the
# gloss follows the message, not the number alone.
_GLOSSES: tuple[tuple[int, tuple[str, ...], str], ...] = (
    (_errno.EFAULT, ("jumps is too complex", "too complex"),
     "here the verifier gave up: too many branches pending on one path (a budget, not a bad "
     "pointer)"),
    (_errno.EFAULT, ("verifier bug",), "the verifier hit an internal inconsistency: a kernel bug"),
    (_errno.E2BIG, ("too large", "too complex", "jumps"),
     "the verifier's complexity budget ran out (1M processed instructions or too many states)"),
    (_errno.EINVAL, ("core-relocation", "unknown#195896080", "invalid co-re"),
     "a CO-RE relocation found no match in this kernel's BTF, so the loader poisoned the "
     "instruction that needed it"),
    (_errno.EINVAL, ("reference", "unreleased", "leak", "lock", "rcu_read", "irq"),
     "the program breaks a resource rule: a reference, lock or RCU/IRQ section is not closed "
     "on some path"),
    (_errno.EINVAL, ("gpl", "license"), "the program's license is not GPL-compatible for a "
     "GPL-only helper or kfunc"),
    (_errno.EINVAL, ("unreachable", "jump out of range", "back-edge", "infinite loop",
                     "last insn", "not an exit", "cfg"),
     "the control flow is malformed (kernel/bpf/verifier.c: check_cfg)"),
    (_errno.EINVAL, ("unknown func", "cannot use helper", "cannot call", "not supported",
                     "helper-", "kfunc"),
     "the call is not available to this program on this kernel"),
    (_errno.EINVAL, ("invalid btf", "func_info", "line_info", "btf"),
     "the BTF, func_info or line_info passed with the program is invalid"),
    (_errno.EINVAL, ("at program exit", "return", "should have been in"),
     "the return value is outside what this program type may return"),
    (_errno.EACCES, (), "the verifier proved an access or operation may be unsafe"),
    (_errno.EPERM, (), "the caller lacks a privilege (CAP_BPF/CAP_PERFMON/CAP_NET_ADMIN/"
     "CAP_SYS_ADMIN) or a security policy refused the program"),
    (ENOTSUPP, (), "this kernel or its JIT does not support a feature the program uses"),
)


def gloss(number: int | None, message: str, family: str | None = None) -> str | None:
    """``EINVAL (22): <what it means for this message>``."""
    if number is None:
        return None
    n = abs(number)
    info = ERRNOS.get(n)
    name = info.name if info else _errno.errorcode.get(n, f"errno {n}")
    hay = f"{message} {family or ''}".lower()
    for err, words, text in _GLOSSES:
        if err == n and (not words or any(w in hay for w in words)):
            return f"{name} ({n}): {text}"
    if n == _errno.EINVAL:
        return f"{name} ({n}): the verifier rejected the program (see the message)"
    causes = info.prog_load if info else ()
    return f"{name} ({n})" + (f": {causes[0]}" if causes else "")
