"""Benchmark: ``bpfdoctor btf dump`` beside ``bpftool btf dump`` in the same run.

Run: python bench/bench_btf.py [FILE] [-n RUNS]
Prints the best wall time of each command over N runs and the ratio, plus the
in-process time to load vmlinux BTF for queries (parse + one name lookup), and
the fixed cost of any ``btf dump`` run (a one-type BTF file): interpreter
start-up and imports, which the ratio includes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import time


def best(cmd: list[str], runs: int, env: dict) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, env=env)
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", default="/sys/kernel/btf/vmlinux")
    ap.add_argument("-n", "--runs", type=int, default=5)
    args = ap.parse_args()
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure an installed tool: bytecode cached
    script = os.path.join(sysconfig.get_path("scripts"), "bpfdoctor")
    ours = [script] if os.path.exists(script) else [sys.executable, "-m", "bpfdoctor"]
    bpftool = shutil.which("bpftool") or "/usr/sbin/bpftool"
    for fmt, ref_fmt in (("raw", []), ("c", ["format", "c"])):
        a = best([*ours, "btf", "dump", args.file, "--format", fmt], args.runs, env)
        b = best([bpftool, "btf", "dump", "file", args.file, *ref_fmt], args.runs, env)
        print(f"dump --format {fmt}: bpfdoctor {a * 1000:.0f} ms, bpftool {b * 1000:.0f} ms, ratio {a / b:.2f}x")
    import struct
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".btf") as tiny:  # one INT type
        types = struct.pack("<4I", 1, 1 << 24, 4, 32)
        tiny.write(struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, 16, 16, 5) + types + b"\0int\0")
        tiny.flush()
        a = best([*ours, "btf", "dump", tiny.name], args.runs, env)
        b = best([sys.executable, "-c", "pass"], args.runs, env)
    print(f"fixed cost: dump of a one-type file {a * 1000:.0f} ms (python -c pass: {b * 1000:.0f} ms)")
    from bpfdoctor.btf import parse_btf

    loads = []
    for _ in range(args.runs):
        t = time.perf_counter()
        with open(args.file, "rb") as f:
            btf = parse_btf(f.read(), path=args.file)
        btf.find("task_struct")
        loads.append(time.perf_counter() - t)
    print(f"load for queries (parse + find task_struct): {min(loads) * 1000:.0f} ms, {btf.count} types")


if __name__ == "__main__":
    main()
