"""Feature probes against the truth of the running kernel."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bpfdoctor.kernel import probes
from bpfdoctor.kernel.enums import BpfFunc, MapType, ProgType

pytestmark = pytest.mark.kernel


@pytest.fixture(scope="module")
def features(bpf_kernel):
    return probes.probe_all()


def test_helpers_refused_for_some_types_are_reported_unavailable(features):
    # bpf_redirect is a tc/xdp helper: a socket filter may not call it
    # (net/core/filter.c: sk_filter_func_proto has no BPF_FUNC_redirect).
    assert "redirect" in features.helpers["sched_cls"]
    assert "redirect" not in features.helpers["socket_filter"]
    assert "redirect" in features.helpers_unavailable["socket_filter"]
    # bpf_skb_store_bytes writes packets: tc yes, cgroup_device (no packet) no
    assert "skb_store_bytes" in features.helpers["sched_cls"]
    assert "skb_store_bytes" in features.helpers_unavailable["cgroup_device"]
    # every type may look up maps
    assert all("map_lookup_elem" in h for h in features.helpers.values())


def test_single_helper_answer_matches_a_real_load(bpf_kernel):
    from bpfdoctor.errors import VerifierError
    from bpfdoctor.kernel import insns, progs

    for pt, hid in ((ProgType.SOCKET_FILTER, BpfFunc.REDIRECT), (ProgType.XDP, BpfFunc.REDIRECT),
                    (ProgType.KPROBE, BpfFunc.SKB_STORE_BYTES)):
        yes, no, _ = probes.probe_helpers([pt], [int(hid)], workers=1)
        try:
            progs.load_program(pt, insns.call(hid) + insns.exit_(), log_level=1).close()
            refused = False
        except VerifierError as e:
            refused = any(m.decode() in e.log for m in probes.UNAVAILABLE_MARKS)
        assert (hid.label in no[pt.label]) == refused


def test_forked_and_sequential_probes_agree(bpf_kernel):
    types = [ProgType.SOCKET_FILTER, ProgType.XDP, ProgType.SCHED_CLS, ProgType.KPROBE]
    ids = [int(h) for h in BpfFunc if 0 < h < 60]
    assert probes.probe_helpers(types, ids, workers=1) == probes.probe_helpers(types, ids, workers=2)


def test_side_effect_helpers_are_not_probed(features):
    for helpers in list(features.helpers.values()) + list(features.helpers_unavailable.values()):
        assert "trace_printk" not in helpers and "probe_write_user" not in helpers


def test_prog_and_map_types(features):
    avail = {p.name: p.available for p in features.prog_types}
    assert avail["socket_filter"] and avail["xdp"] and avail["sched_cls"]
    maps = {p.name: p.available for p in features.map_types}
    assert maps["hash"] and maps["array"] and maps["ringbuf"] and maps["sk_storage"] and maps["struct_ops"]
    assert {p.name for p in features.misc} == {"large_insn_limit", "bounded_loops", "isa_v2", "isa_v3", "isa_v4"}


def test_unknown_prog_type_is_unavailable(bpf_kernel):
    assert probes.probe_prog_type(ProgType(200)).available is False
    assert probes.probe_map_type(MapType(200)).available is False


def test_probes_leave_nothing_in_the_kernel(bpf_kernel, monkeypatch):
    """Kernel objects live while a descriptor does (nothing is pinned or
    attached): every descriptor a probe gets must be closed again."""
    from bpfdoctor.kernel import syscall

    got, closed = [], []
    real_invoke, real_close = syscall.invoke, syscall.close_fd

    def invoke(cmd, addr, size):
        rv, err = real_invoke(cmd, addr, size)
        if rv > 0:
            got.append(rv)
        return rv, err

    monkeypatch.setattr(syscall, "invoke", invoke)
    monkeypatch.setattr(syscall, "close_fd", lambda fd: closed.append(fd) or real_close(fd))
    probes.probe_all(workers=1)
    assert got and sorted(got) == sorted(closed)


@pytest.mark.tools
def test_bpftool_reports_refused_helpers_as_available(features):
    """The bug we do not copy: Debian's bpftool 7.1 greps only the pre-6.7
    verifier wording, so on this kernel it lists bpf_redirect for socket_filter."""
    if shutil.which("bpftool") is None:
        pytest.skip("bpftool not installed")
    out = subprocess.run(["bpftool", "feature", "probe", "kernel"], capture_output=True, text=True).stdout
    section = out.split("program type socket_filter:")[1].split("eBPF helpers supported")[0]
    if "bpf_redirect\n" not in section:
        pytest.skip("this bpftool already knows the new wording")
    assert "redirect" not in features.helpers["socket_filter"]
