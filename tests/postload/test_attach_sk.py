"""``bpfdoctor attach`` for perf_event, sockmap (sk_skb, sk_msg), network
namespace (sk_lookup, flow_dissector), sk_reuseport and sockops programs:
real attach and detach in a network namespace of the test's own, failures
provoked on purpose (an occupied flow dissector hook, a hardware event
without a PMU, an object without a sockmap), and fake roots for what this
kernel has."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from testlib import run_cli  # noqa: E402

from bpfdoctor.kernel.attach_spec import attach_spec  # noqa: E402
from postload.test_attach_live import cgroup_dir  # noqa: E402,F401  (a cgroup of the test's own)

SRC = str(Path(__file__).resolve().parents[2] / "src")
SK = "postload_sk"


def _prog(report: dict, name: str) -> dict:
    return next(p for p in report["programs"] if p["program"] == name)


def _codes(p: dict) -> list[str]:
    return [f["id"] for f in p["findings"]]


@pytest.fixture
def netns(root_kernel):
    ns = f"h15c-{os.getpid()}-{uuid.uuid4().hex[:4]}"
    r = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True)
    if r.returncode:
        pytest.skip(f"cannot create a network namespace: {r.stderr.strip()}")
    try:
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def _loaded_names() -> set[str]:
    out = subprocess.run(["bpftool", "-j", "prog", "list"], capture_output=True, text=True)
    return {p.get("name", "") for p in json.loads(out.stdout or "[]")} if out.returncode == 0 else set()


# -- pure: section names as libbpf reads them --------------------------------------------

@pytest.mark.parametrize("section,ptype,atype,kind,want", [
    ("sk_skb/stream_parser", "SK_SKB", "SK_SKB_STREAM_PARSER", "sk_skb", "SK_SKB_STREAM_PARSER"),
    ("sk_skb/verdict", "SK_SKB", "SK_SKB_VERDICT", "sk_skb", "SK_SKB_VERDICT"),
    ("sk_skb", "SK_SKB", None, "sk_skb", "SK_SKB_STREAM_VERDICT"),
    ("sk_msg", "SK_MSG", "SK_MSG_VERDICT", "sk_msg", "SK_MSG_VERDICT"),
    ("sk_lookup", "SK_LOOKUP", "SK_LOOKUP", "sk_lookup", "SK_LOOKUP"),
    ("flow_dissector", "FLOW_DISSECTOR", "FLOW_DISSECTOR", "flow_dissector", "FLOW_DISSECTOR"),
    ("sk_reuseport/migrate", "SK_REUSEPORT", "SK_REUSEPORT_SELECT_OR_MIGRATE", "sk_reuseport",
     "SK_REUSEPORT_SELECT_OR_MIGRATE"),
    ("perf_event", "PERF_EVENT", None, "perf_event", None),
    ("sockops", "SOCK_OPS", "CGROUP_SOCK_OPS", "cgroup", "CGROUP_SOCK_OPS"),
])
def test_spec_of_socket_sections(section, ptype, atype, kind, want):
    s = attach_spec("p", section, ptype, atype)
    assert (s.kind, s.attach_type) == (kind, want)
    if section == "sk_skb":
        assert any("names no attach type" in n for n in s.notes)


def test_section_defs_know_sk_skb_verdict():
    """libbpf 1.4 added SEC("sk_skb/verdict"); the loader gives it SK_SKB / SK_SKB_VERDICT."""
    from bpfdoctor.elf.progtypes import section_type

    st = section_type("sk_skb/verdict")
    assert (st.prog_type, st.attach_type) == ("SK_SKB", "SK_SKB_VERDICT")


# -- live --------------------------------------------------------------------------------

def test_every_socket_kind_attaches_and_detaches(netns, obj):
    """In the test's own namespace: perf event, the four sockmap attach types,
    sk_lookup and flow_dissector links on the namespace, sk_reuseport on a socket."""
    env = {**os.environ, "PYTHONPATH": SRC}
    r = subprocess.run(["ip", "netns", "exec", netns, sys.executable, "-m", "bpfdoctor", "attach", str(obj(SK)),
                        "--program", "ps_perf", "--program", "ps_parser", "--program", "ps_verdict",
                        "--program", "ps_skb_verdict", "--program", "ps_msg", "--program", "ps_lookup",
                        "--program", "ps_flow", "--program", "ps_reuseport", "--sock-map", "pl_sockhash", "--json"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    rep = json.loads(r.stdout)
    how = {p["program"]: p["attach"]["how"] for p in rep["programs"]}
    assert all(p["attach"]["status"] == "attached" for p in rep["programs"]), how
    assert how["ps_perf"] in ("bpf_link perf_event (cpu-clock on CPU 0)", "perf_event ioctl (cpu-clock on CPU 0)")
    assert how["ps_parser"] == "BPF_PROG_ATTACH sk_skb_stream_parser on map pl_sockhash"
    assert how["ps_skb_verdict"] == "BPF_PROG_ATTACH sk_skb_verdict on map pl_sockhash"
    assert how["ps_msg"] == "BPF_PROG_ATTACH sk_msg_verdict on map pl_sockhash"
    assert how["ps_lookup"] == "bpf_link sk_lookup on netns /proc/self/ns/net"
    assert how["ps_flow"] == "bpf_link flow_dissector on netns /proc/self/ns/net"
    assert how["ps_reuseport"].startswith("SO_ATTACH_REUSEPORT_EBPF")
    # a reuseport group frees its program from an RCU callback after the
    # socket closes, and links from a workqueue: give them a moment
    import time

    deadline = time.monotonic() + 10
    while {n for n in _loaded_names() if n.startswith("ps_")} and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not {n for n in _loaded_names() if n.startswith("ps_")}


def test_occupied_flow_dissector_is_e2big(netns, obj):
    """A flow dissector link held in the namespace by this test: seen beforehand
    (BPF_PROG_QUERY names it), and a second one is refused with E2BIG (one link
    per namespace), not EEXIST."""
    from bpfdoctor.kernel import links
    from bpfdoctor.kernel.info import prog_info
    from bpfdoctor.kernel.loader import load_object

    path = f"/run/netns/{netns}"
    with load_object(obj(SK), programs=["ps_flow"]) as lo:
        with links.attach_netns(lo.programs["ps_flow"].fd, path, "FLOW_DISSECTOR"):
            dry = run_cli("attach", str(obj(SK)), "--program", "ps_flow", "--netns", path, "--dry-run", "--json")
            r = run_cli("attach", str(obj(SK)), "--program", "ps_flow", "--netns", path, "--json")
            held = prog_info(lo.programs["ps_flow"].fd).id
    occupied = next(f for f in _prog(json.loads(dry.stdout), "ps_flow")["findings"]
                    if f["id"] == "attach-flow-dissector-occupied")
    assert occupied["evidence"]["programs"] == [held]
    assert r.exit_code == 1
    res = _prog(json.loads(r.stdout), "ps_flow")["attach"]
    assert (res["status"], res["errno"]) == ("failed", errno.E2BIG)
    assert "already attached in this network namespace by a link" in res["meaning"]


def test_sockmap_attach_seen_by_prog_query_and_gone_after(root_kernel, obj):
    """BPF_PROG_QUERY on the map sees the program while attached, and nothing
    after the attachment is closed (BPF_PROG_DETACH really ran)."""
    from bpfdoctor.kernel import links
    from bpfdoctor.kernel.info import prog_info
    from bpfdoctor.kernel.loader import load_object

    with load_object(obj(SK), programs=["ps_verdict", "ps_msg"]) as lo:
        m = lo.maps["pl_sockmap"]
        for name, at in (("ps_verdict", "SK_SKB_STREAM_VERDICT"), ("ps_msg", "SK_MSG_VERDICT")):
            pid = prog_info(lo.programs[name].fd).id
            with links.attach_sockmap(lo.programs[name].fd, m.fd, "pl_sockmap", at):
                assert links.prog_query(m.fd, at) == [pid]
            assert links.prog_query(m.fd, at) == []


def test_perf_event_program_runs_while_attached(root_kernel, obj):
    """The cpu-clock sampling event really runs the program: its run count rises
    while this process spins on CPU 0 (stats enabled through a held fd)."""
    from bpfdoctor.kernel import links
    from bpfdoctor.kernel.info import prog_info
    from bpfdoctor.kernel.loader import load_object
    from bpfdoctor.kernel.stats import enable_stats

    if 0 not in os.sched_getaffinity(0):
        pytest.skip("CPU 0 is not in this process's affinity mask")
    old = os.sched_getaffinity(0)
    with load_object(obj(SK), programs=["ps_perf"]) as lo, enable_stats():
        fd = lo.programs["ps_perf"].fd
        os.sched_setaffinity(0, {0})
        try:
            with links.attach_perf_counter(fd, "cpu-clock", 0):
                for _ in range(200):  # a bounded amount of work, not a time limit
                    sum(range(200_000))
                    if prog_info(fd).run_cnt:
                        break
        finally:
            os.sched_setaffinity(0, old)
        assert prog_info(fd).run_cnt > 0


def test_sockops_attaches_to_a_cgroup(cgroup_dir, obj):
    r = run_cli("attach", str(obj(SK)), "--program", "ps_sockops", "--cgroup", cgroup_dir, "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert _prog(json.loads(r.stdout), "ps_sockops")["attach"]["how"] == "bpf_link cgroup cgroup_sock_ops"


def test_no_sockmap_in_object(root_kernel, obj):
    r = run_cli("attach", str(obj("postload_sk_nomap")), "--dry-run", "--json")
    assert r.exit_code == 1
    assert "attach-no-sockmap" in _codes(_prog(json.loads(r.stdout), "ps_msg_nomap"))
    r = run_cli("attach", str(obj("postload_sk_nomap")), "--json")
    res = _prog(json.loads(r.stdout), "ps_msg_nomap")["attach"]
    assert res["status"] == "skipped" and "no sockmap" in res["note"]


def test_named_map_missing(root_kernel, obj):
    r = run_cli("attach", str(obj(SK)), "--program", "ps_msg", "--sock-map", "h15_nope", "--dry-run", "--json")
    assert r.exit_code == 1 and "attach-sockmap-missing" in _codes(_prog(json.loads(r.stdout), "ps_msg"))


def test_netns_file_missing(root_kernel, obj):
    r = run_cli("attach", str(obj(SK)), "--program", "ps_lookup", "--netns", "/run/netns/h15c-nope", "--dry-run",
                "--json")
    assert r.exit_code == 1 and "attach-netns-missing" in _codes(_prog(json.loads(r.stdout), "ps_lookup"))


def test_hardware_event_without_pmu(root_kernel, obj):
    """This host (a VM) has no CPU PMU: cycles is diagnosed, and the kernel says ENOENT."""
    if os.path.isdir("/sys/bus/event_source/devices/cpu"):
        pytest.skip("this host has a CPU PMU: hardware events exist")
    r = run_cli("attach", str(obj(SK)), "--program", "ps_perf", "--perf-event", "cycles", "--dry-run", "--json")
    assert r.exit_code == 1 and "attach-perf-pmu-missing" in _codes(_prog(json.loads(r.stdout), "ps_perf"))
    r = run_cli("attach", str(obj(SK)), "--program", "ps_perf", "--perf-event", "cycles", "--json")
    res = _prog(json.loads(r.stdout), "ps_perf")["attach"]
    assert (res["status"], res["errno"]) == ("failed", errno.ENOENT)
    assert "PMU" in res["meaning"]


def test_perf_cpu_that_does_not_exist(root_kernel, obj):
    """A CPU number past the machine's: said so, and the attach is not tried (it
    failed with EINVAL, explained as an event refusing the program)."""
    r = run_cli("attach", str(obj(SK)), "--program", "ps_perf", "--perf-cpu", "4096", "--json")
    p = _prog(json.loads(r.stdout), "ps_perf")
    assert r.exit_code == 1 and _codes(p) == ["attach-perf-cpu-missing"]
    assert p["attach"]["status"] == "skipped" and "CPU 4096 does not exist" in p["attach"]["note"]
    # past what the system call's int holds: it was cut to CPU 0 and reported as attached on CPU 4294967296
    r = run_cli("attach", str(obj(SK)), "--program", "ps_perf", "--perf-cpu", str(2**32), "--json")
    assert r.exit_code == 2 and "--perf-cpu: 4294967296 is not in 0..2147483647" in r.stderr


def test_unknown_perf_event(root_kernel, obj):
    r = run_cli("attach", str(obj(SK)), "--program", "ps_perf", "--perf-event", "h15-cycles", "--dry-run", "--json")
    assert r.exit_code == 1 and "attach-perf-event-unknown" in _codes(_prog(json.loads(r.stdout), "ps_perf"))


# -- fake roots ----------------------------------------------------------------------------

def _fake(tmp_path, paranoid: str | None, pmus=("software", "tracepoint"), offline=()) -> str:
    for p in pmus:
        (tmp_path / "sys/bus/event_source/devices" / p).mkdir(parents=True)
    cpus = tmp_path / "sys/devices/system/cpu"
    for n in range(2):
        (cpus / f"cpu{n}").mkdir(parents=True)
        if n:
            (cpus / f"cpu{n}/online").write_text("0\n" if n in offline else "1\n")
    (cpus / "online").write_text("0\n" if 1 in offline else "0-1\n")
    if paranoid is not None:
        (tmp_path / "proc/sys/kernel").mkdir(parents=True)
        (tmp_path / "proc/sys/kernel/perf_event_paranoid").write_text(paranoid + "\n")
    return str(tmp_path)


def test_fake_kernel_without_perf_events(tmp_path, obj):
    root = _fake(tmp_path, None)
    r = run_cli("attach", str(obj(SK)), "--program", "ps_perf", "--root", root, "--dry-run", "--json")
    assert r.exit_code == 1 and "attach-perf-events-disabled" in _codes(_prog(json.loads(r.stdout), "ps_perf"))


def test_fake_host_with_an_offline_cpu(tmp_path, obj):
    root = _fake(tmp_path, "not a number", offline=(1,))
    r = run_cli("attach", str(obj(SK)), "--program", "ps_perf", "--perf-cpu", "1", "--root", root, "--dry-run",
                "--json")
    f = _prog(json.loads(r.stdout), "ps_perf")["findings"]
    assert r.exit_code == 1 and [x["id"] for x in f] == ["attach-perf-cpu-missing"]
    assert "CPU 1 is offline" in f[0]["summary"] and f[0]["evidence"]["online"] == "0"


def test_fake_host_with_cpu_pmu(tmp_path, obj):
    root = _fake(tmp_path, "2", pmus=("software", "cpu"))
    r = run_cli("attach", str(obj(SK)), "--program", "ps_perf", "--perf-event", "instructions", "--root", root,
                "--dry-run", "--json")
    p = _prog(json.loads(r.stdout), "ps_perf")
    assert r.exit_code == 0 and _codes(p) == ["attach-target-ok"]
    assert p["findings"][0]["evidence"]["pmu"] == "cpu"
