"""``bpfdoctor attach`` against the real kernel: veth pairs in a network
namespace of the test's own, a cgroup of its own, raw tracepoints, tracefs
mounted in a private mount namespace of a child, failures on purpose."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from testlib import run_cli  # noqa: E402

pytestmark = [pytest.mark.kernel]
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _py(*args: str, netns: str | None = None, check: bool = False) -> subprocess.CompletedProcess:
    cmd = [sys.executable, *args]
    if netns:
        cmd = ["ip", "netns", "exec", netns, *cmd]
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, check=check, timeout=120)


def _bpfdoctor(*args: str, netns: str | None = None) -> subprocess.CompletedProcess:
    return _py("-m", "bpfdoctor", *args, netns=netns)


@pytest.fixture
def veth_netns(root_kernel):
    if subprocess.run(["which", "ip"], capture_output=True).returncode:
        pytest.skip("iproute2 (ip) is not installed")
    ns = f"h15-{os.getpid()}-{uuid.uuid4().hex[:4]}"
    r = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True)
    if r.returncode:
        pytest.skip(f"cannot create a network namespace: {r.stderr.strip()}")
    try:
        subprocess.run(["ip", "-n", ns, "link", "add", "h15a", "type", "veth", "peer", "name", "h15b"], check=True)
        subprocess.run(["ip", "-n", ns, "link", "set", "h15a", "up"], check=True)
        subprocess.run(["ip", "-n", ns, "link", "set", "h15b", "up"], check=True)
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


@pytest.fixture
def cgroup_dir(root_kernel):
    from bpfdoctor.host.mounts import mounts_of, read_mounts

    v2 = mounts_of(read_mounts(), "cgroup2")
    if not v2:
        pytest.skip("no cgroup2 mount")
    path = os.path.join(v2[0].mount_point, f"h15-test-{os.getpid()}-{uuid.uuid4().hex[:4]}")
    os.mkdir(path)
    try:
        yield path
    finally:
        os.rmdir(path)


def _prog(report: dict, name: str) -> dict:
    return next(p for p in report["programs"] if p["program"] == name)


def test_xdp_native_and_tcx_on_veth(veth_netns, obj):
    r = _bpfdoctor("attach", str(obj("postload_maps")), "--program", "pl_xdp", "--program", "pl_tc",
                   "--iface", "h15a", "--json", netns=veth_netns)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    xdp = _prog(rep, "pl_xdp")
    assert xdp["attach"]["status"] == "attached" and "native" in xdp["attach"]["how"]
    assert any(f["evidence"].get("driver") == "veth" for f in xdp["findings"])
    assert _prog(rep, "pl_tc")["attach"]["how"] == "bpf_link tcx ingress"
    # detached: nothing left on the interface
    link = subprocess.run(["ip", "-n", veth_netns, "link", "show", "h15a"], capture_output=True, text=True).stdout
    assert "xdp" not in link


def test_occupied_xdp_hook_reports_ebusy(veth_netns, obj):
    script = f"""
import json, sys
from bpfdoctor.kernel.loader import load_object
from bpfdoctor.kernel import links
from bpfdoctor.host.tracefs import interface
from bpfdoctor.doctor.attach_run import check_attach
with load_object({str(obj("postload_maps"))!r}, programs=["pl_xdp"]) as lo:
    with links.attach_xdp(lo.programs["pl_xdp"].fd, interface("/", "h15a")["ifindex"], "native"):
        rep = check_attach({str(obj("postload_maps"))!r}, programs=["pl_xdp"], iface="h15a", xdp_mode="native")
print(json.dumps(rep.to_dict()))
"""
    r = _py("-c", script, netns=veth_netns)
    assert r.returncode == 0, r.stderr
    p = _prog(json.loads(r.stdout), "pl_xdp")
    att = p["attach"]
    assert att["status"] == "failed" and att["errno_name"] in ("EBUSY", "EEXIST")
    assert "occupied" in att["meaning"]
    # the check before the attempt already saw it, through rtnetlink
    occ = next(f for f in p["findings"] if f["id"] == "attach-xdp-occupied")
    assert occ["evidence"]["mode"] == "native" and list(occ["evidence"]["programs"]) == ["native"]


def test_generic_fallback_is_said(veth_netns, obj):
    # lo has no native XDP: auto mode falls back to generic and says why
    r = _bpfdoctor("attach", str(obj("postload_maps")), "--program", "pl_xdp", "--iface", "lo", "--json",
                   netns=veth_netns)
    att = _prog(json.loads(r.stdout), "pl_xdp")["attach"]
    assert att["status"] == "attached" and "generic" in att["how"]
    assert "native XDP refused" in att["note"]


def test_wrong_interface(root_kernel, obj):
    r = run_cli("attach", str(obj("postload_maps")), "--program", "pl_xdp", "--iface", "h15-nope0", "--json")
    assert r.exit_code == 1
    p = _prog(json.loads(r.stdout), "pl_xdp")
    assert p["findings"][0]["id"] == "attach-iface-missing"
    assert p["attach"]["errno_name"] == "ENODEV"


def test_cgroup_egress_attach(cgroup_dir, obj):
    r = run_cli("attach", str(obj("postload_maps")), "--program", "pl_cg_egress", "--cgroup", cgroup_dir, "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    att = _prog(json.loads(r.stdout), "pl_cg_egress")["attach"]
    assert att == {**att, "status": "attached", "how": "bpf_link cgroup cgroup_inet_egress"}


def test_raw_tp_tp_btf_and_missing_raw_tp(root_kernel, obj):
    r = run_cli("attach", str(obj("postload_attach")), "--program", "pa_raw_tp", "--program", "pa_tp_btf",
                "--program", "pa_raw_tp_missing", "--json")
    rep = json.loads(r.stdout)
    assert _prog(rep, "pa_raw_tp")["attach"]["status"] == "attached"
    tp_btf = _prog(rep, "pa_tp_btf")["attach"]
    if tp_btf["status"] == "not-loaded":
        pytest.skip(f"tp_btf refused at load here: {tp_btf['errno_name']}")
    assert tp_btf["status"] == "attached"
    miss = _prog(rep, "pa_raw_tp_missing")
    assert miss["findings"][0]["id"] == "attach-raw-tp-missing"
    assert miss["attach"]["errno_name"] == "ENOENT"


def test_fentry_refused_with_meaning(root_kernel, obj):
    r = run_cli("attach", str(obj("postload_attach")), "--program", "pa_fentry", "--json")
    att = _prog(json.loads(r.stdout), "pa_fentry")["attach"]
    if att["status"] == "attached":
        pytest.skip("this kernel allows fentry")
    assert att["status"] == "not-loaded" and att["errno_name"] in ("EPERM", "ENOTSUPP", "EINVAL")


def test_kprobe_diagnosed_without_kprobes(root_kernel, obj):
    from bpfdoctor.host.kernel_info import kernel_config

    if kernel_config().get("CONFIG_KPROBES") is not None:
        pytest.skip("this kernel has kprobes (the fake-tree tests cover the no-kprobes case)")
    r = run_cli("attach", str(obj("postload_attach")), "--program", "pa_kprobe", "--json")
    p = _prog(json.loads(r.stdout), "pa_kprobe")
    assert p["findings"][0]["id"] == "attach-kprobes-disabled" and p["attach"]["status"] == "skipped"


def test_tracepoints_with_private_tracefs(root_kernel, obj):
    before = open("/proc/self/mountinfo").read()
    r = _bpfdoctor("attach", str(obj("postload_attach")), "--program", "pa_tp", "--program", "pa_tp_missing",
                   "--mount-tracefs", "--json")
    rep = json.loads(r.stdout)
    assert _prog(rep, "pa_tp")["attach"]["status"] == "attached"
    miss = _prog(rep, "pa_tp_missing")
    assert miss["findings"][0]["id"] == "attach-tracepoint-missing"
    assert miss["attach"]["errno_name"] == "ENOENT"
    # the host's mount table is what it was
    assert open("/proc/self/mountinfo").read() == before


def test_tracefs_unmounted_diagnosed(root_kernel, obj):
    from bpfdoctor.host.tracefs import tracefs_dir

    if tracefs_dir() is not None:
        pytest.skip("tracefs is mounted on this host")
    r = run_cli("attach", str(obj("postload_attach")), "--program", "pa_tp", "--dry-run", "--json")
    assert _prog(json.loads(r.stdout), "pa_tp")["findings"][0]["id"] == "attach-tracefs-unmounted"


def _loaded_names(exclude: set[int]) -> set[str]:
    from bpfdoctor.errors import SyscallError
    from bpfdoctor.kernel import info as kinfo
    from bpfdoctor.kernel.objects import ObjKind, fd_by_id, ids

    names = set()
    for i in set(ids(ObjKind.PROG)) - exclude:
        try:
            with fd_by_id(ObjKind.PROG, i) as fd:
                names.add(kinfo.prog_info(fd, arrays=None).name)
        except SyscallError:
            pass  # gone meanwhile
    return names


def test_nothing_left_loaded(root_kernel, obj):
    import gc
    import time

    from bpfdoctor.kernel.objects import ObjKind, ids

    before = set(ids(ObjKind.PROG))
    run_cli("attach", str(obj("postload_maps")), "--program", "pl_raw_tp", "--program", "pl_sock")
    gc.collect()
    # links and programs are freed from RCU callbacks / workqueues: give them a moment
    deadline = time.monotonic() + 5
    while _loaded_names(before) & {"pl_raw_tp", "pl_sock"} and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _loaded_names(before) & {"pl_raw_tp", "pl_sock"}


def test_unknown_program_one_line(root_kernel, obj):
    r = run_cli("attach", str(obj("postload_maps")), "--program", "nope", "--dry-run")
    assert r.exit_code == 2 and r.stderr.startswith("bpfdoctor: ") and "no program named 'nope'" in r.stderr


def test_tc_over_netlink_and_occupied_filter(veth_netns, obj):
    script = f"""
import json, subprocess
from bpfdoctor.kernel.loader import load_object
from bpfdoctor.kernel.tc_netlink import attach_tc
from bpfdoctor.host.tracefs import interface
from bpfdoctor.doctor.attach_run import check_attach
O = {str(obj("postload_maps"))!r}
def sh(*a):
    return subprocess.run(list(a), capture_output=True, text=True).stdout
free = check_attach(O, programs=["pl_tc"], iface="h15a", tc_mode="netlink").to_dict()
with load_object(O, programs=["pl_tc"]) as lo:
    with attach_tc(lo.programs["pl_tc"].fd, interface("/", "h15a")["ifindex"], "ingress", "held"):
        shown = sh("tc", "filter", "show", "dev", "h15a", "ingress")
        busy = check_attach(O, programs=["pl_tc"], iface="h15a", tc_mode="netlink").to_dict()
print(json.dumps({{"free": free, "busy": busy, "shown": shown, "after": sh("tc", "qdisc", "show", "dev", "h15a")}}))
"""
    r = _py("-c", script, netns=veth_netns)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert _prog(out["free"], "pl_tc")["attach"]["how"].startswith("tc clsact ingress bpf filter")
    assert "direct-action" in out["shown"] and "held" in out["shown"]
    busy = _prog(out["busy"], "pl_tc")["attach"]
    assert busy["status"] == "failed" and busy["errno_name"] == "EEXIST" and "already sits" in busy["meaning"]
    assert "clsact" not in out["after"]  # the qdisc we created is gone again


def test_wrong_attach_type_is_einval(cgroup_dir, obj):
    """A cgroup_skb program attached at a cgroup/sock_create hook: the hook wants
    another program type (kernel/bpf/syscall.c attach_type_to_prog_type), EINVAL.
    (cgroup_skb/egress at ingress is accepted: the kernel enforces the expected
    attach type of cgroup_skb programs only in some cases.)"""
    from dataclasses import replace

    from bpfdoctor.doctor.attach import HostView
    from bpfdoctor.doctor.attach_run import attach_once, specs_of
    from bpfdoctor.elf import open_object
    from bpfdoctor.kernel.loader import load_object

    spec = next(s for s in specs_of(open_object(obj("postload_maps")), ["pl_cg_egress"]))
    with load_object(obj("postload_maps"), programs=["pl_cg_egress"]) as lo:
        res = attach_once(lo.programs["pl_cg_egress"].fd, replace(spec, attach_type="CGROUP_INET_SOCK_CREATE"),
                          HostView(), cgroup=cgroup_dir)
    assert res.status == "failed" and res.errno_name == "EINVAL"
    assert "expected attach type" in res.meaning
