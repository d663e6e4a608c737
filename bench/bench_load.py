#!/usr/bin/env python3
"""Benchmark: ``bpfdoctor load`` beside ``bpftool prog loadall``, same run.

For each fixture both tools load every program (bpftool pins them under a
scratch bpffs directory, removed at once).  The kernel's own verification
time (``verification time N usec`` from BPF_LOG_STATS, summed over the
object's programs) is the same work for both; what is compared is each
tool's overhead on top of it:

    overhead = wall time - kernel verification time

Three rows per fixture: the CLI as a fresh process (start-up included, what a
user waits for), bpftool as a fresh process, and ``load_object()`` in-process
(the library without interpreter start-up).  Prints medians and the ratios.

    python bench/bench_load.py [-n 9] [fixtures...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "tests" / "bpf" / "build"
DEFAULT = ["multi_prog", "maps_btf", "loops_atomics", "load_core", "load_callbacks", "load_mapinmap",
           "load_kconfig", "load_kfunc", "core", "btf_kinds"]


def wall(cmd: list[str], after=None) -> float:
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if after:
        after()
    if out.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {out.stderr.strip()[:300]}")
    return dt


def by_name_pins(objs) -> list[str]:
    """/sys/fs/bpf/<map> paths libbpf creates for maps declared
    ``LIBBPF_PIN_BY_NAME`` in ``objs`` (bpftool 7.1 cannot redirect them) and
    that do not exist yet: the benchmark removes them when done."""
    from bpfdoctor.elf import open_object

    names = {m.name for o in objs for m in open_object(o).maps if m.pinning == 1}
    return [f"/sys/fs/bpf/{n}" for n in sorted(names) if not os.path.lexists(f"/sys/fs/bpf/{n}")]


def remove_pins(pin_dir: str, by_name: list[str]) -> None:
    shutil.rmtree(pin_dir, ignore_errors=True)
    for p in by_name:
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass


def kernel_usec(obj: Path) -> int:
    from bpfdoctor.kernel.loader import load_object

    with load_object(obj) as lo:
        return sum((r.stats.time_usec or 0) for r in lo.results if r.ok and r.stats)


def in_process(obj: Path) -> float:
    from bpfdoctor.kernel.loader import load_object

    t = time.perf_counter()
    with load_object(obj):
        pass
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=9)
    ap.add_argument("fixtures", nargs="*", default=DEFAULT)
    args = ap.parse_args()
    if shutil.which("bpftool") is None:
        raise SystemExit("bpftool is not installed")
    pin = f"/sys/fs/bpf/bpfdoctor-bench-{os.getpid()}"
    stale = by_name_pins(BUILD / f"{name}.o" for name in args.fixtures)
    clean = lambda: remove_pins(pin, stale)  # noqa: E731
    rows = []
    try:
        for name in args.fixtures:
            obj = BUILD / f"{name}.o"
            kv = statistics.median(kernel_usec(obj) for _ in range(args.n)) / 1e6
            ours = statistics.median(wall([sys.executable, "-m", "bpfdoctor", "load", str(obj), "--json"])
                                     for _ in range(args.n))
            ref = statistics.median(wall(["bpftool", "prog", "loadall", str(obj), pin], clean)
                                    for _ in range(args.n))
            lib = statistics.median(in_process(obj) for _ in range(args.n))
            rows.append((name, kv, ours, ref, lib))
    finally:
        clean()
    print(f"{'fixture':<16} {'kernel':>8} {'bpftool':>8} {'cli':>8} {'library':>8}  "
          f"{'ovh bpftool':>11} {'ovh cli':>8} {'ovh lib':>8} {'lib/bpftool':>11}")
    tot = [0.0] * 4
    for name, kv, ours, ref, lib in rows:
        ob, oc, ol = ref - kv, ours - kv, lib - kv
        tot = [tot[0] + kv, tot[1] + ref, tot[2] + ours, tot[3] + lib]
        print(f"{name:<16} {kv*1e3:7.2f}ms {ref*1e3:7.2f}ms {ours*1e3:7.2f}ms {lib*1e3:7.2f}ms  "
              f"{ob*1e3:10.2f}ms {oc*1e3:7.2f}ms {ol*1e3:7.2f}ms {ol/ob:10.2f}x")
    kv, ref, ours, lib = tot
    print(f"\ntotal: kernel verification {kv*1e3:.1f} ms; overhead bpftool {(ref-kv)*1e3:.1f} ms, "
          f"bpfdoctor CLI {(ours-kv)*1e3:.1f} ms ({(ours-kv)/(ref-kv):.2f}x), "
          f"bpfdoctor library {(lib-kv)*1e3:.1f} ms ({(lib-kv)/(ref-kv):.2f}x)")
    print(json.dumps({"kernel_ms": kv * 1e3, "bpftool_ms": ref * 1e3, "cli_ms": ours * 1e3,
                      "library_ms": lib * 1e3, "cli_overhead_ratio": (ours - kv) / (ref - kv),
                      "library_overhead_ratio": (lib - kv) / (ref - kv)}))


if __name__ == "__main__":
    main()
