"""``bpfdoctor prog run`` (BPF_PROG_TEST_RUN) on the real kernel, and against
``bpftool prog run`` on the same pinned program and input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from testlib import run_cli  # noqa: E402

from bpfdoctor.kernel.enums import ProgType  # noqa: E402
from bpfdoctor.kernel.test_run import return_meaning  # noqa: E402

pytestmark = [pytest.mark.kernel]
PASS_PKT = "00" * 64
DROP_PKT = "dd" + "00" * 63


@pytest.mark.parametrize("prog, data, retval, name", [
    ("pl_xdp", PASS_PKT, 2, "XDP_PASS"),
    ("pl_xdp", DROP_PKT, 1, "XDP_DROP"),
    ("pl_tc", "00" * 14, 2, "TC_ACT_SHOT"),
    ("pl_tc", "00" * 64, 0, "TC_ACT_OK"),
    ("pl_cg_egress", "00" * 64, 1, "allow"),
])
def test_run_from_object(root_kernel, obj, prog, data, retval, name):
    r = run_cli("prog", "run", str(obj("postload_maps")), "--program", prog, "--data-hex", data,
                "--repeat", "5", "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["retval"], out["retval_name"], out["repeat"]) == (retval, name, 5)
    assert out["data_out"] == data and out["data_changed"] is False


def test_socket_filter_keeps_bytes(root_kernel, obj):
    r = run_cli("prog", "run", str(obj("postload_maps")), "--program", "pl_sock", "--data-hex", "00" * 64)
    assert "keep 50 byte(s)" in r.stdout  # skb->len after the Ethernet header is pulled


def test_run_loaded_program_by_id_and_the_run_counts(loaded, tmp_path):
    pid = loaded.result("pl_xdp").id
    data = tmp_path / "pkt"
    data.write_bytes(bytes.fromhex(DROP_PKT))
    r = run_cli("prog", "run", "id", str(pid), "--data-in", str(data), "--data-out", str(tmp_path / "out"))
    assert r.exit_code == 0, r.stderr
    assert "return value  1 = XDP_DROP" in r.stdout
    assert (tmp_path / "out").read_bytes() == data.read_bytes()
    # The program's side effect is real: it bumped its per-CPU counter.
    dump = json.loads(run_cli("map", "dump", "id", str(next(m.id for m in loaded.map_results
                                                         if m.name == "pl_pcpu")), "--json").stdout)
    assert dump[0]["formatted"]["values"]


def test_raw_tp_runs_once_untimed(root_kernel, obj):
    r = run_cli("prog", "run", str(obj("postload_maps")), "--program", "pl_raw_tp", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["duration_ns"] is None
    r = run_cli("prog", "run", str(obj("postload_maps")), "--program", "pl_raw_tp", "--repeat", "2")
    assert r.exit_code == 2 and "runs this type once" in r.stderr


@pytest.mark.parametrize("args, message", [
    (("--program", "pl_tp_printk", "--data-hex", "00" * 64), "tracepoint programs have no BPF_PROG_TEST_RUN"),
    (("--program", "pl_xdp", "--data-hex", "0011"), "at least an Ethernet header"),
    (("--program", "pl_raw_tp", "--data-hex", "00" * 16), "take only --ctx-in"),
    (("--program", "nope",), "no program named 'nope'"),
    ((), "pick one with --program"),
    (("--program", "pl_xdp", "--data-hex", "zz"), "--data-hex: not hex digits"),
    (("--program", "pl_xdp", "--data-in", "/nonexistent/pkt"), "cannot read --data-in"),
])
def test_refusals_explained_in_one_line(root_kernel, obj, args, message):
    r = run_cli("prog", "run", str(obj("postload_maps")), *args)
    assert r.exit_code == 2, r.stdout
    first = r.stderr.splitlines()[0]
    assert first.startswith("bpfdoctor: ") and message in first and "Traceback" not in r.stderr


def test_return_meanings_cover_signed_tc_values():
    assert return_meaning(ProgType.SCHED_CLS, 0xFFFFFFFF)[0] == "TC_ACT_UNSPEC"
    assert return_meaning(ProgType.XDP, 9)[0] is None and "XDP_ABORTED" in return_meaning(ProgType.XDP, 9)[1]


@pytest.mark.tools
@pytest.mark.parametrize("data", [PASS_PKT, DROP_PKT])
def test_same_answer_as_bpftool_prog_run(loaded, bpftool_path, tmp_path, data):
    from bpfdoctor.kernel import objects

    pin = f"/sys/fs/bpf/h15-run-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    pkt = tmp_path / "pkt"
    pkt.write_bytes(bytes.fromhex(data))
    objects.pin(loaded.programs["pl_xdp"], pin)
    try:
        ref = subprocess.run([bpftool_path, "prog", "run", "pinned", pin, "data_in", str(pkt),
                              "data_out", str(tmp_path / "ref_out")], capture_output=True, text=True)
        assert ref.returncode == 0, ref.stderr
        ref_ret = int(re.search(r"Return value: (\d+)", ref.stdout).group(1))
        ours = json.loads(run_cli("prog", "run", "pinned", pin, "--data-in", str(pkt), "--json").stdout)
        assert ours["retval"] == ref_ret
        assert bytes.fromhex(ours["data_out"]) == (tmp_path / "ref_out").read_bytes()
    finally:
        os.unlink(pin)


def test_ctx_in_and_out_for_tc(root_kernel, obj, tmp_path):
    ctx = tmp_path / "ctx"
    ctx.write_bytes(bytes(192))  # struct __sk_buff, all zero: accepted by convert___skb_to_skb
    r = run_cli("prog", "run", str(obj("postload_maps")), "--program", "pl_tc", "--data-hex", "00" * 64,
                "--ctx-in", str(ctx), "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["retval_name"] == "TC_ACT_OK" and len(bytes.fromhex(out["ctx_out"])) == 192


def test_input_past_what_a_test_run_takes_is_refused(tmp_path):
    """Reading --data-in from a device or FIFO went on without bound (/dev/zero: all memory)."""
    r = run_cli("prog", "run", "id", "1", "--data-in", "/dev/zero")
    assert r.exit_code == 2 and r.stderr.startswith("bpfdoctor: /dev/zero: --data-in: more than 16 MiB")
    r = run_cli("prog", "run", "id", "1", "--data-hex", "00", "--repeat", str(2**32))
    assert r.exit_code == 2 and "--repeat: 4294967296 is not in 1..4294967295" in r.stderr  # the attr's u32
