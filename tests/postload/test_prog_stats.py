"""``bpfdoctor prog stats``: BPF_ENABLE_STATS held for the duration only."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from testlib import run_cli  # noqa: E402

from bpfdoctor.kernel.stats import Counters, StatsSession, diff, watch  # noqa: E402

pytestmark = [pytest.mark.kernel]


def _stats_fds() -> list[str]:
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:bpf-stats":
                out.append(fd)
        except OSError:
            pass
    return out


def test_counts_runs_made_while_watching(loaded):
    """The 'sleep' between snapshots runs the program 40 times: exactly
    those runs are counted, and the stats descriptor is gone afterwards."""
    from bpfdoctor.host.sysctl import read_sysctl

    before = read_sysctl("kernel.bpf_stats_enabled")
    prog = loaded.programs["pl_xdp"]
    pid = loaded.result("pl_xdp").id

    def work(_interval):
        assert _stats_fds(), "statistics must be on while sampling"
        prog.test_run(bytes(64), repeat=40, data_out_size=64)

    items = list(watch(1.0, 1, sleep=work, clock=iter([0.0, 2.0]).__next__))
    assert isinstance(items[0], StatsSession)
    sample = items[1]
    row = next(p for p in sample.programs if p.id == pid)
    assert row.runs == 40 and row.rate == 20.0 and row.avg_ns is not None and row.avg_ns > 0
    assert not _stats_fds()
    assert read_sysctl("kernel.bpf_stats_enabled") == before


def test_diff_skips_idle_and_counts_new_programs():
    a = {1: Counters(1, "xdp", "a", 10, 1000, 0), 2: Counters(2, "xdp", "b", 5, 50, 0)}
    b = {1: Counters(1, "xdp", "a", 30, 3000, 0), 2: Counters(2, "xdp", "b", 5, 50, 0),
         3: Counters(3, "tracepoint", "c", 4, 400, 0)}
    s = diff(a, b, 2.0)
    assert [(p.id, p.runs, p.avg_ns) for p in s.programs] == [(1, 20, 100.0), (3, 4, 100.0)]
    assert s.idle == 1 and s.loaded == 3


def test_cli_json_one_object_per_sample(loaded):
    r = run_cli("prog", "stats", "--interval", "0.05", "--count", "2", "--json")
    assert r.exit_code == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["sample"] for x in lines] == [1, 2] and all(x["loaded"] >= 6 for x in lines)
    assert not _stats_fds()
