"""Does the program's attach point exist on the target?

- fentry/fexit/fmod_ret/freplace-less tracing and ``iter/``: a BTF FUNC
  (libbpf.c ``find_kernel_btf_id``; iterators are ``bpf_iter_<name>``);
- ``lsm/NAME``: the FUNC ``bpf_lsm_NAME``;
- ``tp_btf/NAME`` and ``raw_tp/NAME``: the typedef ``btf_trace_NAME`` that
  include/trace/bpf_probe.h defines for every tracepoint;
- ``tracepoint/CAT/NAME``: the same typedef, or for ``syscalls/sys_enter_X``
  (ftrace syscall events, not real tracepoints) the syscall's wrapper
  ``__x64_sys_X``/``__arm64_sys_X``/``__se_sys_X``;
- ``kprobe/FUNC``: a FUNC in BTF, else the target's symbols when known; when
  only compiler clones exist (``FUNC.isra.0``, ``.constprop.0``, ``.part.0``,
  ``.cold``) they are named, since a probe on ``FUNC`` then fails.
"""

from __future__ import annotations

import re

from bpfdoctor.btf.kinds import Kind
from bpfdoctor.compat.model import FAIL, OK, UNKNOWN, WARN, Requirement

_SYSCALL_WRAPPERS = ("__x64_sys_", "__arm64_sys_", "__s390x_sys_", "__riscv_sys_", "__se_sys_", "__do_sys_", "sys_")


def _has(t, name: str, kind: int) -> int | None:
    ids = t.ids(name, kind)
    return ids[0] if ids else None


def attach_requirements(p, t) -> list[Requirement]:
    target = p.attach_target
    sec = p.section.lstrip("?")
    at = p.attach_type or ""
    if not target:
        return []
    if at in ("TRACE_FENTRY", "TRACE_FEXIT", "MODIFY_RETURN"):
        return [_btf_func(t, target, target)]
    if at == "LSM_MAC" or p.prog_type == "LSM":
        return [_btf_func(t, "bpf_lsm_" + target, target)]
    if at == "TRACE_ITER":
        return [_btf_func(t, "bpf_iter_" + target, target)]
    if at == "TRACE_RAW_TP":  # tp_btf: the load resolves btf_trace_NAME
        return [_tracepoint(t, target)]
    # The rest are found by name only when attaching.
    if p.prog_type == "RAW_TRACEPOINT":
        return [_attach_stage(_tracepoint(t, target))]
    if p.prog_type == "TRACEPOINT":
        return [_attach_stage(_tracepoint_event(t, target))]
    if p.prog_type == "KPROBE" and sec.startswith(("kprobe/", "kretprobe/")):
        return [_attach_stage(_kprobe(t, target))]
    if p.prog_type == "KPROBE" and sec.startswith(("ksyscall/", "kretsyscall/")):
        return [_attach_stage(_syscall(t, target, f"syscall {target}"))]
    return []


def _attach_stage(r: Requirement) -> Requirement:
    return Requirement(r.kind, r.subject, r.status, r.evidence, r.insn, stage="attach")


def _btf_func(t, name: str, shown: str) -> Requirement:
    if ":" in name:
        return Requirement("attach_target", shown, UNKNOWN, "in a module: module BTF is not part of the target")
    tid = _has(t, name, Kind.FUNC)
    if tid:
        return Requirement("attach_target", shown, OK, f"FUNC {name} [{tid}]")
    return Requirement("attach_target", shown, FAIL, f"no FUNC {name} in the target's BTF" + _clones(t, name))


def _tracepoint(t, name: str) -> Requirement:
    tid = _has(t, "btf_trace_" + name, Kind.TYPEDEF)
    if tid:
        return Requirement("attach_target", name, OK, f"btf_trace_{name} [{tid}]")
    return Requirement("attach_target", name, FAIL, f"no tracepoint {name} (no btf_trace_{name} in the target's BTF)")


def _tracepoint_event(t, target: str) -> Requirement:
    cat, _, name = target.partition("/")
    if not name:
        return Requirement("attach_target", target, WARN, "tracepoint section without CATEGORY/NAME")
    if cat == "syscalls" and name.startswith(("sys_enter_", "sys_exit_")):
        return _syscall(t, name.split("_", 2)[2], target)
    tid = _has(t, "btf_trace_" + name, Kind.TYPEDEF)
    if tid:
        return Requirement("attach_target", target, OK, f"btf_trace_{name} [{tid}]")
    return Requirement("attach_target", target, FAIL, f"no tracepoint {name} (no btf_trace_{name} in the target's BTF)")


def _syscall(t, name: str, shown: str) -> Requirement:
    for prefix in _SYSCALL_WRAPPERS:
        tid = _has(t, prefix + name, Kind.FUNC)
        if tid:
            return Requirement("attach_target", shown, OK, f"FUNC {prefix}{name} [{tid}]")
    if t.symbols is not None and any(prefix + name in t.symbols for prefix in _SYSCALL_WRAPPERS):
        return Requirement("attach_target", shown, OK, "syscall wrapper in the target's symbols")
    return Requirement("attach_target", shown, FAIL, f"no syscall {name} on the target (no sys_{name} wrapper)")


def _kprobe(t, target: str) -> Requirement:
    func = re.split(r"[+%]", target, 1)[0]
    if any(c in func for c in "*?["):
        return Requirement("attach_target", target, UNKNOWN, "a pattern; matched at attach time")
    tid = _has(t, func, Kind.FUNC)
    if tid:
        return Requirement("attach_target", func, OK, f"FUNC {func} [{tid}]")
    if t.symbols is not None:
        if func in t.symbols:
            return Requirement("attach_target", func, OK, "in the target's symbols (no BTF for it)")
        clones = t.symbol_clones(func)
        if clones:
            return Requirement("attach_target", func, FAIL, f"only compiler clones exist: {', '.join(clones[:4])} "
                               "(inlined or specialised; probe a clone or a caller)")
        return Requirement("attach_target", func, FAIL, "not in the target's BTF nor its symbols")
    return Requirement("attach_target", func, WARN, "not a FUNC in the target's BTF: inlined, renamed, or only "
                       "a .isra/.constprop clone (give the target's System.map to tell)")


def _clones(t, name: str) -> str:
    if t.symbols is None:
        return ""
    clones = t.symbol_clones(name)
    return f"; only compiler clones exist: {', '.join(clones[:4])}" if clones else ""
