#!/usr/bin/env python3
"""Benchmark: ``bpfdoctor check`` beside ``bpftool feature probe``, same run.

Both as fresh processes (start-up counts: that is what a user waits for).
Prints the median wall time of each, the ratio, and how much each probed:
bpftool's helper lines vs our helper/program-type pairs.

    python bench/bench_check.py [-n 15]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time


def timed(cmd: list[str], runs: int) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True).stdout
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def bpftool_counts(out: str) -> dict[str, int]:
    helpers = sum(1 for line in out.splitlines() if line.startswith("\t- "))
    return {"helper_lines": helpers,
            "prog_types": sum(1 for line in out.splitlines() if line.startswith("eBPF program_type")),
            "map_types": sum(1 for line in out.splitlines() if line.startswith("eBPF map_type"))}


def ours_counts(out: str) -> dict[str, int]:
    data = json.loads(out)
    by_id = {f["id"]: f for f in data["findings"]}
    helpers = by_id.get("features-helpers", {}).get("evidence", {})
    avail = helpers.get("available", {})
    unavail = helpers.get("unavailable", {})
    pt = by_id.get("features-prog-types", {}).get("evidence", {})
    mt = by_id.get("features-map-types", {}).get("evidence", {})
    return {"helper_pairs_probed": sum(map(len, avail.values())) + sum(map(len, unavail.values())),
            "helper_pairs_available": sum(map(len, avail.values())),
            "prog_types": sum(len(pt.get(k, [])) for k in ("available", "unavailable", "unknown")),
            "map_types": sum(len(mt.get(k, [])) for k in ("available", "unavailable", "unknown"))}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=15, help="runs of each (median is reported)")
    args = ap.parse_args()
    bpftool = shutil.which("bpftool")
    if bpftool is None:
        print("bpftool not found", file=sys.stderr)
        return 1
    ours_cmd = [sys.executable, "-m", "bpfdoctor", "check", "--json"]
    # interleave warm-up runs so neither side pays for a cold page cache
    timed(ours_cmd, 2), timed([bpftool, "feature", "probe"], 2)
    t_tool, tool_out = timed([bpftool, "feature", "probe"], args.n)
    t_ours, ours_out = timed(ours_cmd, args.n)
    t_noprobe, _ = timed(ours_cmd + ["--no-probe"], args.n)
    tool, ours = bpftool_counts(tool_out), ours_counts(ours_out)
    print(f"bpftool feature probe       : {t_tool * 1000:7.1f} ms  {tool}")
    print(f"bpfdoctor check --json      : {t_ours * 1000:7.1f} ms  {ours}")
    print(f"bpfdoctor check --no-probe  : {t_noprobe * 1000:7.1f} ms  (start-up + host reading only)")
    print(f"ratio bpfdoctor/bpftool     : {t_ours / t_tool:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
