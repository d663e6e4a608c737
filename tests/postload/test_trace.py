"""``bpfdoctor trace``: live bpf_printk lines through a private tracefs, and
each 'why nothing arrived' cause."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bpfdoctor.kernel.trace import Printer, _helper_targets, explain_silence

SRC = str(Path(__file__).resolve().parents[2] / "src")
SCRIPT = """
import os, sys, threading, time
from bpfdoctor.host.tracefs import tracefs_dir, tracepoint_id
from bpfdoctor.kernel.mountns import private_tracefs
from bpfdoctor.kernel.loader import load_object
from bpfdoctor.kernel import links
from bpfdoctor.cli import main
tfs = tracefs_dir() or private_tracefs()
with load_object(sys.argv[1], programs=["pl_tp_printk"]) as lo:
    pid = lo.result("pl_tp_printk").id
    if sys.argv[2] == "attached":
        tp = tracepoint_id("/", tfs, "syscalls", "sys_enter_getppid")
        if tp is None:
            print("NO-TRACEPOINT"); sys.exit(0)
        att = links.attach_tracepoint(lo.programs["pl_tp_printk"].fd, tp)
        def poke():
            for _ in range(40):
                time.sleep(0.05); os.getppid()
        threading.Thread(target=poke, daemon=True).start()
    else:
        # trace_pipe is one buffer for the whole host: drop lines left by earlier runs
        fd = os.open(tfs + "/trace_pipe", os.O_RDONLY | os.O_NONBLOCK)
        try:
            while os.read(fd, 65536):
                pass
        except BlockingIOError:
            pass
        os.close(fd)
    main(["trace", "--prog", str(pid), "--timeout", sys.argv[3], "--count", "3", "--json"])
"""


def _run(obj, mode: str, timeout: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SCRIPT, str(obj("postload_maps")), mode, timeout],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": SRC}, timeout=60)


@pytest.mark.kernel
def test_printk_lines_arrive(root_kernel, obj):
    r = _run(obj, "attached", "5")
    if "NO-TRACEPOINT" in r.stdout:
        pytest.skip("no syscalls:sys_enter_getppid tracepoint (CONFIG_FTRACE_SYSCALLS off)")
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x)["line"] for x in r.stdout.splitlines()]
    assert len(lines) == 3  # --count 3 stops there, even when one read brings more
    assert any("bpfdoctor pl_tp_printk hit" in ln for ln in lines)


@pytest.mark.kernel
def test_silence_names_the_unattached_printer(root_kernel, obj):
    r = _run(obj, "loaded", "0.3")
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout.splitlines()[-1])
    assert out["lines"] == 0
    assert [c["id"] for c in out["silence"]] == ["trace-not-attached"]
    assert "pl_tp_printk" in out["silence"][0]["summary"]


def test_helper_targets_from_xlated():
    # call imm=-16 (src_reg 0) and a BPF-to-BPF call (src_reg 1) that is not a helper
    code = bytes([0x85, 0x00, 0, 0]) + (-16).to_bytes(4, "little", signed=True)
    code += bytes([0x85, 0x10, 0, 0]) + (3).to_bytes(4, "little")
    assert _helper_targets(code, 0x1000) == {0x1000 - 16}


P = Printer(7, "hello", "tracepoint", ("bpf_trace_printk",), False, 0)


@pytest.mark.parametrize("args, ids", [
    ((None, [], True, None, None), ["trace-tracefs-unmounted"]),
    (("/t", [], True, {}, False), ["trace-tracing-off", "trace-no-printk"]),
    (("/t", [], False, {}, True), ["trace-kallsyms-hidden"]),
    (("/t", [P], True, {7: 0}, True), ["trace-not-attached"]),
    (("/t", [Printer(7, "hello", "tracepoint", ("bpf_trace_printk",), True, 0)], True, {7: 0}, True),
     ["trace-not-run"]),
    (("/t", [P], True, {7: 12}, True), ["trace-ran-silently"]),
])
def test_silence_causes(args, ids):
    assert [c.id for c in explain_silence(*args)] == ids


@pytest.mark.kernel
def test_ctrl_c_ends_cleanly(root_kernel):
    import signal
    import time

    p = subprocess.Popen([sys.executable, "-m", "bpfdoctor", "trace", "--mount-tracefs"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": SRC})
    try:
        time.sleep(2)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    finally:
        p.kill()  # a reader left behind holds trace_pipe for every later test
        p.wait()
    assert p.returncode in (0, 1), err
    assert "Traceback" not in err


@pytest.mark.kernel
def test_a_busy_trace_pipe_names_its_reader(root_kernel):
    # the kernel lets one reader open trace_pipe (EBUSY for the next): a
    # second 'trace' printed an OSError traceback
    import time

    cmd = [sys.executable, "-m", "bpfdoctor", "trace", "--mount-tracefs", "--timeout", "30"]
    env = {**os.environ, "PYTHONPATH": SRC}
    first = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        time.sleep(2)
        second = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    finally:
        first.kill()
        first.wait()
    assert second.returncode == 2 and "Traceback" not in second.stderr, second.stderr
    assert f"trace_pipe is busy: pid {first.pid} " in second.stderr


@pytest.mark.kernel
def test_program_streams_readable_or_absent(loaded):
    """BPF_PROG_STREAM_READ_BY_FD (6.17+): an idle program's streams are empty;
    older kernels refuse the command (EINVAL) and trace skips streams."""
    from bpfdoctor.errors import SyscallError
    from bpfdoctor.kernel.trace import BPF_STDERR, BPF_STDOUT, read_stream

    fd = loaded.programs["pl_xdp"].fd
    try:
        assert read_stream(fd, BPF_STDOUT) == b"" and read_stream(fd, BPF_STDERR) == b""
    except SyscallError as e:
        assert e.errno == 22
