#!/usr/bin/env python3
"""Load (or rejection) time of every object of a corpus: bpfdoctor load vs bpftool prog loadall.

Usage: ``python bench/bench_corpus_load.py DIR_OR_OBJECTS... [--runs 3]
[--bpfdoctor PATH]`` (as root, bpffs at /sys/fs/bpf).  Bring your own
objects, as for bench/parity.py: nothing here builds or ships them.

Each object is loaded by both tools in turn, ``--runs`` times, as whole
processes; what bpftool pinned is removed after each run, its pin directory
and the maps libbpf pins by name under /sys/fs/bpf (bpfdoctor pins nothing
unless asked).  Prints the objects with the highest median ratio,
and the median and maximum time of each tool over the corpus: the goal of
issue 12 is that no object takes more than 2x bpftool's time, which on an
object bpftool handles in 20 ms is below bpfdoctor's start-up alone.
Use ``--bpfdoctor`` to time an installed copy (bench/run.py's venv), not
the checkout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

PIN = f"/sys/fs/bpf/bpfdoctor-corpus-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def timed(cmd: list[str]) -> float:
    """Wall time of one whole process.  A blocking waitpid: ``subprocess.run``
    with a timeout polls, with sleeps of up to 50 ms, and made a 60 ms
    process look like 115 ms."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.waitpid(p.pid, 0)
    return time.perf_counter() - t


def remove_new_pins(before: set[str]) -> None:
    """libbpf pins maps declared ``LIBBPF_PIN_BY_NAME`` under /sys/fs/bpf even
    when the load then fails: remove what bpftool left there."""
    for name in set(os.listdir("/sys/fs/bpf")) - before:
        path = os.path.join("/sys/fs/bpf", name)
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def objects(args: list[str]) -> list[Path]:
    out: list[Path] = []
    for a in args:
        p = Path(a)
        out += sorted(q for q in p.iterdir() if q.suffix in (".o", ".elf")) if p.is_dir() else [p]
    return [p for p in out if p.read_bytes()[:6] == b"\x7fELF\x02\x01"]  # 64-bit little-endian


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bpfdoctor", default=None, help="the bpfdoctor to time (default: this checkout)")
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    ours = [args.bpfdoctor] if args.bpfdoctor else [sys.executable, "-m", "bpfdoctor"]
    env_src = str(Path(__file__).resolve().parent.parent / "src")
    if not args.bpfdoctor:
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [env_src, os.environ.get("PYTHONPATH")]))
    rows = []
    before = set(os.listdir("/sys/fs/bpf"))
    try:
        for obj in objects(args.paths):
            a, b = [], []
            for _ in range(args.runs):
                a.append(timed([*ours, "load", str(obj)]))
                b.append(timed(["bpftool", "prog", "loadall", str(obj), PIN]))
                remove_new_pins(before)
            rows.append((statistics.median(x / y for x, y in zip(a, b)), statistics.median(a),
                         statistics.median(b), obj.name))
    finally:
        remove_new_pins(before)
    if not rows:
        print("no 64-bit little-endian objects given")
        return 1
    rows.sort(reverse=True)
    print(f"{len(rows)} objects, {args.runs} runs each, interleaved; ratio = bpfdoctor / bpftool per pair")
    print(f"| object | bpfdoctor ms | bpftool ms | ratio |\n| --- | --- | --- | --- |")
    for ratio, a, b, name in rows[:args.top]:
        print(f"| {name} | {a * 1000:.0f} | {b * 1000:.0f} | {ratio:.1f}x |")
    print(f"median: bpfdoctor {statistics.median(r[1] for r in rows) * 1000:.0f} ms, "
          f"bpftool {statistics.median(r[2] for r in rows) * 1000:.0f} ms; "
          f"max: bpfdoctor {max(r[1] for r in rows) * 1000:.0f} ms, bpftool {max(r[2] for r in rows) * 1000:.0f} ms; "
          f"over 2x: {sum(r[0] > 2 for r in rows)} of {len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
