"""Can this program attach here, and why not: findings per attach target.

The facts come from host readers that take ``root`` (``host.tracefs``,
``host.kernel_info``, the vmlinux BTF file), so every diagnosis is tested
on fake ``/proc`` and ``/sys`` trees as well as live.  What is checked,
and where the kernel decides it:

- kprobes: ``CONFIG_KPROBES`` and the ``kprobe`` PMU; the symbol in
  ``/proc/kallsyms`` (kernel/kprobes.c ``kprobe_addr`` looks it up by exact
  name), compiler clones when only those exist; whether ftrace can trace it
  (``available_filter_functions``), which fentry and kprobe.multi need;
- kprobe.multi: ``CONFIG_FPROBE`` (kernel/trace/bpf_trace.c
  ``bpf_kprobe_multi_link_attach`` returns EOPNOTSUPP without it);
- tracepoints: a mounted tracefs and ``events/CAT/NAME``;
- raw_tp / tp_btf: the ``btf_trace_NAME`` typedef in vmlinux BTF (what
  ``bpf_get_raw_tracepoint`` and the verifier look up);
- fentry/fexit/fmod_ret: the function as a BTF FUNC of vmlinux;
- lsm: ``CONFIG_BPF_LSM`` and ``bpf`` in ``/sys/kernel/security/lsm``;
- xdp/tc: the interface, its driver; cgroup: a cgroup v2 directory.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field

from bpfdoctor.findings import Finding, Severity
from bpfdoctor.host import tracefs as T
from bpfdoctor.host._files import read_text, under
from bpfdoctor.host.kernel_info import kernel_config

OK, INFO, WARN, FAIL = Severity.OK, Severity.INFO, Severity.WARN, Severity.FAIL
AREA = "attach"


@dataclass
class HostView:
    """Lazily read host facts, shared by the checks of one run."""

    root: str = "/"
    _cache: dict = field(default_factory=dict)

    def _get(self, key, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    @property
    def tracefs(self) -> str | None:
        return self._get("tracefs", lambda: T.tracefs_dir(self.root))

    @property
    def config(self):
        return self._get("config", lambda: kernel_config(self.root))

    @property
    def filter_functions(self) -> set[str] | str:
        """The traceable functions, or (a string) why they are unknown."""
        return self._get("aff", lambda: T.filter_functions(self.root, self.tracefs))

    @property
    def vmlinux(self):
        def load():
            from bpfdoctor.btf import parse_btf

            try:
                data = under(self.root, "/sys/kernel/btf/vmlinux").read_bytes()
            except OSError:
                return None
            return parse_btf(data, path="/sys/kernel/btf/vmlinux")
        return self._get("vmlinux", load)

    def config_off(self, option: str) -> bool:
        """True only when a config was found and ``option`` is not set in it."""
        return self.config.source is not None and self.config.get(option) is None


def check(spec, host: HostView, *, iface: str | None = None, cgroup: str | None = None, **extra) -> list[Finding]:
    """``extra``: what the socket-level and perf_event checks need (``maps``,
    ``sock_map``, ``netns``, ``perf_event``, ``perf_cpu``; doctor.attach_sk)."""
    fn = _CHECKS.get(spec.kind)
    out = [Finding(f"attach-note", INFO, n, AREA, {"section": spec.section}) for n in spec.notes]
    if fn is None:
        out.append(Finding("attach-not-checked", INFO, f"{spec.kind} programs: no host check for this "
                           "attach kind", AREA, {"section": spec.section}))
        return out
    return out + fn(spec, host, iface=iface, cgroup=cgroup, **extra)


def _ok(spec, what: str, **ev) -> Finding:
    return Finding("attach-target-ok", OK, what, AREA, {"section": spec.section, **ev})


# -- kprobes ------------------------------------------------------------------------

def _kprobe(spec, host: HostView, **_):
    out = []
    if host.config_off("CONFIG_KPROBES"):
        out.append(Finding("attach-kprobes-disabled", FAIL, "this kernel is built without kprobes "
                           "(CONFIG_KPROBES is not set): no kprobe/kretprobe can attach", AREA,
                           {"config": host.config.source, "CONFIG_KPROBES": None},
                           "use a tracepoint, raw_tp or fentry on the same event, or a kernel with CONFIG_KPROBES=y",
                           "kernel/kprobes.c"))
    elif T.pmu_type(host.root, "kprobe") is None:
        out.append(Finding("attach-kprobe-pmu-missing", WARN, "no kprobe PMU in "
                           "/sys/bus/event_source/devices: libbpf falls back to tracefs kprobe_events",
                           AREA, {"pmu": "/sys/bus/event_source/devices/kprobe"}))
    if spec.target is None:
        return out
    out += _symbol(spec, host, spec.target, need_ftrace=False)
    return out


def _ksyscall(spec, host: HostView, **kw):
    # libbpf attach_ksyscall: the arch prefix (__x64_sys_ on x86-64) when the kernel has it
    arch = {"x86_64": "__x64_", "aarch64": "__arm64_", "s390x": "__s390x_", "riscv64": "__riscv_"}
    prefix = arch.get(os.uname().machine, "")
    target = f"{prefix}sys_{spec.target}" if spec.target else None
    from bpfdoctor.record import replace

    return _kprobe(replace(spec, target=target), host, **kw)


def _kprobe_multi(spec, host: HostView, **_):
    out = []
    if host.config_off("CONFIG_FPROBE"):
        out.append(Finding("attach-fprobe-disabled", FAIL, "kprobe.multi needs CONFIG_FPROBE, which this "
                           "kernel lacks: the link fails with EOPNOTSUPP", AREA,
                           {"config": host.config.source, "CONFIG_FPROBE": None},
                           "attach single kprobes (SEC(\"kprobe/FUNC\")) or use a kernel with CONFIG_FPROBE=y",
                           "kernel/trace/bpf_trace.c: bpf_kprobe_multi_link_attach"))
    if spec.target and not any(c in spec.target for c in "*?"):
        out += _symbol(spec, host, spec.target, need_ftrace=True)
    elif spec.target and not isinstance(host.filter_functions, str):
        import fnmatch

        n = sum(1 for f in host.filter_functions if fnmatch.fnmatchcase(f, spec.target))
        out.append(Finding("attach-pattern-matches" if n else "attach-pattern-empty", OK if n else FAIL,
                           f"pattern {spec.target!r} matches {n} traceable function(s)", AREA,
                           {"pattern": spec.target, "matches": n}))
    return out


def _symbol(spec, host: HostView, name: str, *, need_ftrace: bool) -> list[Finding]:
    if not T.kallsyms_readable(host.root):
        return [Finding("attach-kallsyms-hidden", WARN, "/proc/kallsyms shows no addresses "
                        "(kernel.kptr_restrict, or not root): the symbol cannot be checked", AREA,
                        {"file": "/proc/kallsyms"}, "run as root, or sysctl kernel.kptr_restrict=0 for the check")]
    exact, clones = T.kallsyms_matches(host.root, name)
    ev = {"symbol": name}
    if not exact:
        if clones:
            names = sorted({c.name for c in clones})
            return [Finding("attach-symbol-clone-only", FAIL, f"{name} is not a symbol of this kernel; the compiler "
                            f"left only {', '.join(names[:4])} (a specialised copy: isra/constprop/part/cold)",
                            AREA, {**ev, "clones": names}, f"attach to the clone: SEC(\"{spec.section.split('/')[0]}/"
                            f"{names[0]}\"), and check its arguments (isra clones change them)",
                            "/proc/kallsyms")]
        return [Finding("attach-symbol-missing", FAIL, f"{name} is not in /proc/kallsyms: the function does not "
                        "exist in this kernel (renamed, removed, inlined everywhere, or in a module not loaded)",
                        AREA, ev, f"grep -w {name} /proc/kallsyms; pick a function of this kernel version",
                        "/proc/kallsyms")]
    mods = sorted({s.module for s in exact if s.module})
    out = []
    if len(exact) > 1:
        out.append(Finding("attach-symbol-ambiguous", WARN, f"{name} has {len(exact)} definitions in kallsyms "
                           "(static functions of the same name): kprobe by name fails with EINVAL on kernels "
                           "that refuse ambiguous names", AREA, {**ev, "count": len(exact)},
                           "attach by address or to a unique caller"))
    aff = host.filter_functions
    if not isinstance(aff, str) and name not in aff:
        sev = FAIL if need_ftrace else INFO
        out.append(Finding("attach-symbol-notrace", sev, f"{name} is in kallsyms but not in "
                           "available_filter_functions: ftrace cannot trace it (notrace, inlined into "
                           "its callers, or init code)" + ("" if need_ftrace else
                           "; a kprobe may still work through a breakpoint"), AREA, ev,
                           None if not need_ftrace else "pick a traceable caller or callee",
                           "kernel/trace/ftrace.c"))
    elif isinstance(aff, str) and need_ftrace:
        out.append(Finding("attach-ftrace-unknown", INFO, f"whether ftrace can trace {name} is unknown: "
                           f"available_filter_functions cannot be read ({aff})", AREA, {**ev, "reason": aff}))
    out.append(_ok(spec, f"{name} exists" + (f" (module {', '.join(mods)})" if mods else ""), **ev))
    return out


def _uprobe(spec, host: HostView, **_):
    from bpfdoctor.host.binsyms import func_offset, resolve_binary

    out = []
    if host.config_off("CONFIG_UPROBES"):
        out.append(Finding("attach-uprobes-disabled", FAIL, "this kernel is built without uprobes "
                           "(CONFIG_UPROBES is not set)", AREA, {"config": host.config.source},
                           "a kernel with CONFIG_UPROBE_EVENTS=y"))
    elif T.pmu_type(host.root, "uprobe") is None:
        out.append(Finding("attach-uprobe-pmu-missing", WARN, "no uprobe PMU in /sys/bus/event_source/devices: "
                           "libbpf falls back to tracefs uprobe_events", AREA, {}))
    if spec.target is None:
        return out
    binary, func = spec.target.rsplit(":", 1)
    path = resolve_binary(binary, host.root)
    if path is None:
        where = "LD_LIBRARY_PATH and the library directories" if ".so" in binary else "PATH"
        return out + [Finding("attach-uprobe-binary-missing", FAIL, f"no binary {binary!r} found (searched {where}, "
                              "as libbpf does)", AREA, {"binary": binary}, "give the full path: "
                              f"SEC(\"uprobe//full/path/{binary}:{func}\")", "libbpf.c: resolve_full_path")]
    look = func_offset(path, func, host.root)
    ev = {"binary": path, "function": func}
    if look.problem:
        return out + [Finding("attach-uprobe-binary-unreadable", FAIL, f"{path}: {look.problem}", AREA, ev)]
    if look.offset is None:
        why = (" (the binary is stripped: only exported functions are in .dynsym; a static function needs "
               "the unstripped binary or an explicit offset)" if look.stripped else "")
        close = f"; close: {', '.join(look.close)}" if look.close else ""
        return out + [Finding("attach-uprobe-func-missing", FAIL, f"{path} has no function {func!r}{why}{close}",
                              AREA, {**ev, "stripped": look.stripped, "close": list(look.close)},
                              f"nm -D {path} | grep -w {func} (exported names); for a static function use the unstripped "
                              "binary (or its debug file's offset with bpf_program__attach_uprobe_opts)",
                              "libbpf elf.c: elf_find_func_offset")]
    return out + [_ok(spec, f"{func} in {path} at file offset {look.offset:#x}", **ev, offset=look.offset)]


# -- tracepoints ---------------------------------------------------------------------

def _tracepoint(spec, host: HostView, **_):
    if spec.target is None:
        return []
    cat, name = spec.target.split("/", 1)
    tfs = host.tracefs
    if tfs is None:
        exists = os.path.isdir(under(host.root, T.TRACEFS_DEFAULT))
        return [Finding("attach-tracefs-unmounted", FAIL, "tracefs is not mounted: the tracepoint's id "
                        "(events/CAT/NAME/id) cannot be read, so it cannot be attached", AREA,
                        {"mount_point": T.TRACEFS_DEFAULT, "directory_exists": exists},
                        "mount -t tracefs tracefs /sys/kernel/tracing  (or: bpfdoctor attach --mount-tracefs, "
                        "which mounts it in a private mount namespace)", "Documentation/trace/tracepoints.rst")]
    tp_id = T.tracepoint_id(host.root, tfs, cat, name)
    if tp_id is not None:
        return [_ok(spec, f"tracepoint {cat}:{name} exists (id {tp_id})", tracepoint=f"{cat}:{name}", id=tp_id)]
    cats = T.tracepoint_categories(host.root, tfs)
    ev = {"tracepoint": f"{cat}:{name}", "tracefs": tfs}
    if cat not in cats:
        close = difflib.get_close_matches(cat, cats, n=3)
        return [Finding("attach-tracepoint-missing", FAIL, f"no tracepoint category {cat!r} in {tfs}/events"
                        + (f" (close: {', '.join(close)})" if close else ""), AREA, {**ev, "close": close},
                        f"ls {tfs}/events", "tracefs events/")]
    names = T.tracepoints_in(host.root, tfs, cat)
    close = difflib.get_close_matches(name, names, n=3)
    why = ""
    if cat == "syscalls" and not names:
        why = " (CONFIG_FTRACE_SYSCALLS is off: no syscall tracepoints)"
    return [Finding("attach-tracepoint-missing", FAIL, f"no tracepoint {cat}:{name} on this kernel{why}"
                    + (f"; close: {', '.join(close)}" if close else ""), AREA, {**ev, "close": close},
                    f"ls {tfs}/events/{cat}", "tracefs events/")]


def _btf_trace(spec, host: HostView, **_):
    if spec.target is None:
        return []
    btf = host.vmlinux
    if btf is None:
        return [Finding("attach-no-vmlinux-btf", FAIL, "no /sys/kernel/btf/vmlinux: raw tracepoints by BTF "
                        "and tp_btf cannot be checked (tp_btf cannot load)", AREA, {}, "a kernel with CONFIG_DEBUG_INFO_BTF=y")]
    from bpfdoctor.btf import Kind

    if btf.find_ids(f"btf_trace_{spec.target}", Kind.TYPEDEF):
        return [_ok(spec, f"raw tracepoint {spec.target} exists (btf_trace_{spec.target} in vmlinux BTF)",
                    tracepoint=spec.target)]
    close = [n[len("btf_trace_"):] for n in _close_names(btf, "btf_trace_" + spec.target, Kind.TYPEDEF)]
    return [Finding("attach-raw-tp-missing", FAIL, f"no raw tracepoint {spec.target!r} in this kernel "
                    "(no btf_trace_ typedef in vmlinux BTF)" + (f"; close: {', '.join(close)}" if close else ""),
                    AREA, {"tracepoint": spec.target, "close": close}, "pick a tracepoint of this kernel",
                    "kernel/trace/bpf_trace.c: bpf_get_raw_tracepoint")]


def _close_names(btf, name: str, kind) -> list[str]:
    prefix = name[: max(10, len(name) // 2)]
    cands = [btf.name(i) for i in btf.find_ids(prefix, kind, prefix=True)][:5000]
    return difflib.get_close_matches(name, cands, n=3)


def _trampoline(spec, host: HostView, **_):
    if spec.target is None:
        return []
    btf = host.vmlinux
    from bpfdoctor.btf import Kind

    out = []
    if btf is not None and not btf.find_ids(spec.target, Kind.FUNC):
        exact, clones = T.kallsyms_matches(host.root, spec.target)
        hint = " (it exists in kallsyms: static or inlined functions get no BTF FUNC)" if exact else ""
        out.append(Finding("attach-btf-func-missing", FAIL, f"{spec.target} has no BTF id in vmlinux{hint}: "
                           f"{spec.kind} cannot load", AREA, {"function": spec.target,
                           "in_kallsyms": bool(exact), "clones": sorted({c.name for c in clones})},
                           "pick a function listed by: bpftool btf dump file /sys/kernel/btf/vmlinux | grep FUNC",
                           "kernel/bpf/verifier.c: bpf_check_attach_target"))
        return out
    out += [f for f in _symbol(spec, host, spec.target, need_ftrace=True) if f.id != "attach-target-ok"]
    if not any(f.severity == FAIL for f in out):
        known = not any(f.id == "attach-ftrace-unknown" for f in out)
        out.append(_ok(spec, f"{spec.target} has a BTF id" + (" and is traceable" if known else ""),
                       function=spec.target))
    return out


def _lsm(spec, host: HostView, **_):
    out = []
    if host.config_off("CONFIG_BPF_LSM"):
        out.append(Finding("attach-bpf-lsm-disabled", FAIL, "CONFIG_BPF_LSM is not set: LSM programs cannot load",
                           AREA, {"config": host.config.source}, "a kernel with CONFIG_BPF_LSM=y"))
    active = (read_text(host.root, "/sys/kernel/security/lsm") or "").strip()
    if active and "bpf" not in active.split(","):
        out.append(Finding("attach-bpf-lsm-inactive", FAIL, f"the bpf LSM is not active (lsm={active}): "
                           "LSM programs load but never run", AREA, {"lsm": active},
                           f"boot with lsm={active},bpf", "security/security.c"))
    return out + _trampoline(spec, host)


# -- networking and cgroups ----------------------------------------------------------

def _iface(spec, host: HostView, iface: str | None = None, **_):
    if iface is None:
        return [Finding("attach-iface-needed", INFO, f"{spec.kind} programs attach to an interface: "
                        "pass --iface IF to check or attach", AREA, {})]
    info = T.interface(host.root, iface)
    if info is None:
        return [Finding("attach-iface-missing", FAIL, f"no interface {iface!r} in this network namespace", AREA,
                        {"iface": iface}, "ip link show")]
    out = [_ok(spec, f"interface {iface} (ifindex {info['ifindex']}, driver {info['driver'] or 'unknown'})",
               **info)]
    if spec.kind == "xdp" and os.fspath(host.root) == "/":
        out += _xdp_occupied(info)
    if spec.kind == "xdp" and info["driver"] in _NO_NATIVE_XDP:
        out.append(Finding("attach-xdp-generic-only", WARN, f"driver {info['driver']} has no native XDP: "
                           "only generic (skb) mode attaches, which runs after the skb is built (slower)",
                           AREA, {"driver": info["driver"]}, "attach in generic mode (xdpgeneric), or use a "
                           "NIC driver with XDP support"))
    return out


def _xdp_occupied(info: dict) -> list[Finding]:
    """Which XDP program the interface already runs (rtnetlink IFLA_XDP)."""
    from bpfdoctor.errors import BpfDoctorError
    from bpfdoctor.kernel.netlink import xdp_state

    try:
        st = xdp_state(info["ifindex"])
    except (BpfDoctorError, OSError):
        return []
    if st.mode is None:
        return []
    progs = ", ".join(f"id {pid} ({mode})" for mode, pid in st.prog_ids.items())
    return [Finding("attach-xdp-occupied", WARN, f"{info['name']} already runs an XDP program: {progs}; "
                    "attaching another in the same mode fails (EBUSY from a link, EEXIST from netlink "
                    "without replace)", AREA, {"iface": info["name"], "mode": st.mode, "programs": st.prog_ids},
                    f"detach it first (ip link set dev {info['name']} xdp off, or close/unpin its link), or "
                    "use libxdp's multi-program dispatcher", "net/core/dev.c: dev_xdp_attach")]


# drivers without ndo_bpf (no native XDP) among common virtual devices
_NO_NATIVE_XDP = {"dummy", "ifb", "bridge", "loopback", "lo", "vxlan", "gre", "ipip", "macvlan", "wireguard"}


def _cgroup(spec, host: HostView, cgroup: str | None = None, **_):
    if cgroup is None:
        return [Finding("attach-cgroup-needed", INFO, "cgroup programs attach to a cgroup: pass --cgroup PATH",
                        AREA, {})]
    path = under(host.root, cgroup)
    if not os.path.isdir(path):
        return [Finding("attach-cgroup-missing", FAIL, f"{cgroup} is not a directory", AREA, {"cgroup": cgroup},
                        "ls /sys/fs/cgroup")]
    if not os.path.exists(os.path.join(path, "cgroup.controllers")):
        from bpfdoctor.host.mounts import mounts_of, read_mounts

        v2 = [m.mount_point for m in mounts_of(read_mounts(host.root), "cgroup2")]
        return [Finding("attach-cgroup-not-v2", FAIL, f"{cgroup} is not a cgroup v2 directory "
                        "(no cgroup.controllers): BPF cgroup programs attach to cgroup v2 only", AREA,
                        {"cgroup": cgroup, "cgroup2_mounts": v2},
                        f"use a directory under the cgroup2 mount ({v2[0] if v2 else 'none mounted: mount -t cgroup2 none /sys/fs/cgroup/unified'})")]
    return [_ok(spec, f"cgroup {cgroup}", cgroup=cgroup)]


def _socket(spec, host: HostView, **_):
    return [_ok(spec, "socket filters attach to a socket (SO_ATTACH_BPF); no host target to check")]


_CHECKS = {
    "kprobe": _kprobe, "kretprobe": _kprobe, "ksyscall": _ksyscall, "kprobe_multi": _kprobe_multi,
    "tracepoint": _tracepoint, "raw_tp": _btf_trace, "tp_btf": _btf_trace,
    "fentry": _trampoline, "fexit": _trampoline, "fmod_ret": _trampoline, "lsm": _lsm,
    "uprobe": _uprobe, "uretprobe": _uprobe,
    "xdp": _iface, "tc": _iface, "tcx": _iface, "netkit": _iface, "cgroup": _cgroup, "socket": _socket,
}


from bpfdoctor.doctor.attach_sk import CHECKS as _SK_CHECKS  # noqa: E402  (attach_sk imports nothing from here)

_CHECKS.update(_SK_CHECKS)
