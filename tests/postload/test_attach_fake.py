"""Attach diagnoses against fake /proc and /sys trees in the kernel's formats
(this host has no kprobes, so these are the only tests of the kprobe paths)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpfdoctor.doctor.attach import HostView, check
from bpfdoctor.findings import Severity
from bpfdoctor.kernel.attach_spec import attach_spec

KALLSYMS = """\
ffffffff81000000 T _stext
ffffffff8112a0c0 T do_nanosleep
ffffffff8112a1f0 t tcp_sendmsg_locked.isra.0
ffffffff8112a2f0 t tcp_sendmsg_locked.cold
ffffffff8112a300 t notrace_helper
ffffffff8112a400 t dup_name
ffffffff8112a500 t dup_name
ffffffffc0a01000 t nf_hook_thing\t[nf_conntrack]
"""
AFF = "do_nanosleep\ndup_name\nnf_hook_thing [nf_conntrack]\n"
MOUNTINFO_TRACEFS = ("22 1 0:20 / /sys rw,nosuid - sysfs sysfs rw\n"
                     "30 22 0:12 / /sys/kernel/tracing rw,nosuid,nodev,noexec,relatime - tracefs tracefs rw\n")
MOUNTINFO_NONE = "22 1 0:20 / /sys rw,nosuid - sysfs sysfs rw\n"


def make_tree(tmp: Path, *, config: str = "CONFIG_KPROBES=y\nCONFIG_FPROBE=y\nCONFIG_BPF_LSM=y\n",
              kallsyms: str = KALLSYMS, tracefs: bool = True, pmu: bool = True, lsm: str = "lockdown,bpf") -> str:
    def w(path: str, text: str) -> None:
        p = tmp / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)

    w("/proc/sys/kernel/osrelease", "6.99.0-fake\n")
    w("/boot/config-6.99.0-fake", config)
    w("/proc/kallsyms", kallsyms)
    w("/proc/self/mountinfo", MOUNTINFO_TRACEFS if tracefs else MOUNTINFO_NONE)
    (tmp / "sys/kernel/tracing").mkdir(parents=True, exist_ok=True)
    if tracefs:
        w("/sys/kernel/tracing/available_filter_functions", AFF)
        w("/sys/kernel/tracing/events/sched/sched_switch/id", "316\n")
        w("/sys/kernel/tracing/events/sched/sched_wakeup/id", "318\n")
        (tmp / "sys/kernel/tracing/events/syscalls").mkdir(parents=True)
    if pmu:
        w("/sys/bus/event_source/devices/kprobe/type", "8\n")
    w("/sys/kernel/security/lsm", lsm)
    return str(tmp)


def ids(section: str, root: str, prog_type: str = "KPROBE", attach_type=None, **kw) -> dict[str, Severity]:
    spec = attach_spec("p", section, prog_type, attach_type)
    return {f.id: f.severity for f in check(spec, HostView(root), **kw)}


def test_kprobe_on_existing_symbol(tmp_path):
    assert ids("kprobe/do_nanosleep", make_tree(tmp_path)) == {"attach-target-ok": Severity.OK}


def test_kprobes_disabled(tmp_path):
    got = ids("kprobe/do_nanosleep", make_tree(tmp_path, config="CONFIG_BPF=y\n"))
    assert got["attach-kprobes-disabled"] == Severity.FAIL


def test_kprobe_pmu_missing_means_legacy_tracefs(tmp_path):
    assert ids("kprobe/do_nanosleep", make_tree(tmp_path, pmu=False))["attach-kprobe-pmu-missing"] == Severity.WARN


def test_only_clones_are_named(tmp_path):
    spec = attach_spec("p", "kprobe/tcp_sendmsg_locked", "KPROBE", None)
    [f] = check(spec, HostView(make_tree(tmp_path)))
    assert f.id == "attach-symbol-clone-only"
    assert f.evidence["clones"] == ["tcp_sendmsg_locked.cold", "tcp_sendmsg_locked.isra.0"]
    assert "kprobe/tcp_sendmsg_locked.cold" in f.fix


def test_missing_symbol(tmp_path):
    assert ids("kretprobe/no_such_fn", make_tree(tmp_path)) == {"attach-symbol-missing": Severity.FAIL}


def test_notrace_is_info_for_kprobe_fail_for_multi(tmp_path):
    root = make_tree(tmp_path)
    assert ids("kprobe/notrace_helper", root)["attach-symbol-notrace"] == Severity.INFO
    assert ids("kprobe.multi/notrace_helper", root, attach_type="TRACE_KPROBE_MULTI")[
        "attach-symbol-notrace"] == Severity.FAIL


def test_ambiguous_and_module_symbols(tmp_path):
    root = make_tree(tmp_path)
    assert ids("kprobe/dup_name", root)["attach-symbol-ambiguous"] == Severity.WARN
    spec = attach_spec("p", "kprobe/nf_hook_thing", "KPROBE", None)
    assert any("module nf_conntrack" in f.summary for f in check(spec, HostView(root)))


def test_kallsyms_hidden_by_kptr_restrict(tmp_path):
    hidden = "0000000000000000 T _stext\n0000000000000000 T do_nanosleep\n"
    assert ids("kprobe/do_nanosleep", make_tree(tmp_path, kallsyms=hidden)) == {
        "attach-kallsyms-hidden": Severity.WARN}


def test_kprobe_multi_needs_fprobe(tmp_path):
    got = ids("kprobe.multi/do_*", make_tree(tmp_path, config="CONFIG_KPROBES=y\n"))
    assert got["attach-fprobe-disabled"] == Severity.FAIL and got["attach-pattern-matches"] == Severity.OK


def test_kprobe_multi_pattern_matching_nothing(tmp_path):
    assert ids("kprobe.multi/zzz_*", make_tree(tmp_path))["attach-pattern-empty"] == Severity.FAIL


def test_tracepoints(tmp_path):
    root = make_tree(tmp_path)
    assert ids("tracepoint/sched/sched_switch", root, "TRACEPOINT") == {"attach-target-ok": Severity.OK}
    spec = attach_spec("p", "tp/sched/sched_swich", "TRACEPOINT", None)
    [f] = check(spec, HostView(root))
    assert f.id == "attach-tracepoint-missing" and f.evidence["close"][0] == "sched_switch"
    [f] = check(attach_spec("p", "tp/schedx/sched_switch", "TRACEPOINT", None), HostView(root))
    assert "no tracepoint category 'schedx'" in f.summary and f.evidence["close"] == ["sched"]
    [f] = check(attach_spec("p", "tp/syscalls/sys_enter_openat", "TRACEPOINT", None), HostView(root))
    assert "CONFIG_FTRACE_SYSCALLS" in f.summary


def test_tracefs_not_mounted(tmp_path):
    got = ids("tracepoint/sched/sched_switch", make_tree(tmp_path, tracefs=False), "TRACEPOINT")
    assert got == {"attach-tracefs-unmounted": Severity.FAIL}


def test_fentry_unknown_traceability_without_tracefs(tmp_path):
    # no vmlinux BTF in the fake tree: the function check falls back to kallsyms/ftrace
    root = make_tree(tmp_path, tracefs=False)
    got = ids("fentry/do_nanosleep", root, "TRACING", "TRACE_FENTRY")
    assert got["attach-ftrace-unknown"] == Severity.INFO


def test_lsm_inactive(tmp_path):
    got = ids("lsm/file_open", make_tree(tmp_path, lsm="lockdown,capability,apparmor"), "LSM", "LSM_MAC")
    assert got["attach-bpf-lsm-inactive"] == Severity.FAIL


def test_iface_and_cgroup_in_fake_tree(tmp_path):
    root = make_tree(tmp_path)
    (tmp_path / "sys/class/net/eth9").mkdir(parents=True)
    (tmp_path / "sys/class/net/eth9/ifindex").write_text("9\n")
    assert ids("xdp", root, "XDP", iface="eth9") == {"attach-target-ok": Severity.OK}
    assert ids("xdp", root, "XDP", iface="nope0") == {"attach-iface-missing": Severity.FAIL}
    (tmp_path / "cg/v1").mkdir(parents=True)
    assert ids("cgroup_skb/egress", root, "CGROUP_SKB", "CGROUP_INET_EGRESS",
               cgroup="/cg/v1") == {"attach-cgroup-not-v2": Severity.FAIL}


@pytest.mark.parametrize("section, prog_type, kind, target, extra", [
    ("kprobe/do_sys_open+0x10", "KPROBE", "kprobe", "do_sys_open", {"offset": 16}),
    ("kretprobe/tcp_close", "KPROBE", "kretprobe", "tcp_close", {}),
    ("ksyscall/openat", "KPROBE", "ksyscall", "openat", {}),
    ("kprobe.multi/tcp_*", "KPROBE", "kprobe_multi", "tcp_*", {}),
    ("tp/sched/sched_switch", "TRACEPOINT", "tracepoint", "sched/sched_switch", {}),
    ("raw_tracepoint/sys_enter", "RAW_TRACEPOINT", "raw_tp", "sys_enter", {}),
    ("tp_btf/sched_switch", "TRACING", "tp_btf", "sched_switch", {}),
    ("fexit.s/do_unlinkat", "TRACING", "fexit", "do_unlinkat", {}),
    ("lsm/file_open", "LSM", "lsm", "file_open", {}),
    ("tcx/egress", "SCHED_CLS", "tcx", None, {"direction": "egress"}),
    ("xdp.frags", "XDP", "xdp", None, {}),
    ("cgroup_skb/ingress", "CGROUP_SKB", "cgroup", None, {"direction": "ingress"}),
    ("socket", "SOCKET_FILTER", "socket", None, {}),
    ("uprobe//usr/bin/bash:main+0x4", "KPROBE", "uprobe", "/usr/bin/bash:main", {"offset": 4}),
    ("uretprobe/libc.so.6:malloc", "KPROBE", "uretprobe", "libc.so.6:malloc", {}),
])
def test_section_to_target_as_libbpf(section, prog_type, kind, target, extra):
    s = attach_spec("p", section, prog_type, None)
    assert (s.kind, s.target) == (kind, target)
    for k, v in extra.items():
        assert getattr(s, k) == v
