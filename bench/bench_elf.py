#!/usr/bin/env python3
"""Benchmark the object-file commands beside their reference tools.

    python3 bench/bench_elf.py [--runs N] [OBJ]

Default object: tests/bpf/build/large.o (>= 100,000 instructions; build it
with ``make -C tests/bpf``).  Each pair runs interleaved in the same process
tree, best-of-N and median wall time, and the ratio bpfdoctor / reference.
Also prints what each dependency costs to import for the disasm command.
Not a test: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAIRS = [
    ("disasm", ["disasm"], ["llvm-objdump-19", "-d"]),
    ("disasm --no-show-raw-insn", ["disasm", "--no-show-raw-insn"], ["llvm-objdump-19", "-d", "--no-show-raw-insn"]),
    ("elf sections", ["elf", "sections"], ["llvm-objdump-19", "-h"]),
    ("elf relocs", ["elf", "relocs"], ["llvm-readelf-19", "-r"]),
    ("elf symbols", ["elf", "symbols"], ["llvm-readelf-19", "-s"]),
]


def bpfdoctor_cmd() -> list[str]:
    """The installed console script next to this interpreter (not a pyenv shim,
    which adds ~50 ms of bash), else ``python -m bpfdoctor``."""
    script = Path(sys.executable).parent / "bpfdoctor"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "bpfdoctor"]


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def import_costs() -> list[tuple[str, float]]:
    """Cumulative import time (ms) of the modules the disasm command loads."""
    code = "import bpfdoctor.cli, bpfdoctor.cli.elf, bpfdoctor.elf.reader, bpfdoctor.elf.objdump"
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True).stderr
    wanted = {"site", "argparse", "bpfdoctor.cli", "bpfdoctor.cli.elf", "bpfdoctor.elf.reader", "bpfdoctor.elf.objdump",
              "bpfdoctor.isa.llvm", "dataclasses", "rich", "elftools.elf.elffile"}
    out = []
    for line in err.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] in wanted:
            out.append((parts[2], int(parts[1]) / 1000))
    for extra in ("rich.console", "elftools.elf.elffile", "capstone"):
        e = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {extra}"], capture_output=True,
                           text=True).stderr.strip().splitlines()
        if e and "|" in e[-1]:
            out.append((f"{extra} (not imported by disasm)", int(e[-1].split("|")[1]) / 1000))
    base = subprocess.run([sys.executable, "-X", "importtime", "-c", "pass"], capture_output=True, text=True).stderr
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("obj", nargs="?", default=str(ROOT / "tests/bpf/build/large.o"))
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    obj = Path(args.obj)
    if not obj.exists():
        sys.exit(f"{obj} missing: run make -C tests/bpf")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # measure an install with cached bytecode
    me = bpfdoctor_cmd()
    print(f"object: {obj} ({obj.stat().st_size} bytes); bpfdoctor: {' '.join(me)}; runs: {args.runs}")
    print(f"{'command':28} {'bpfdoctor ms':>14} {'reference ms':>14} {'ratio':>7}   reference")
    for label, ours, ref in PAIRS:
        if shutil.which(ref[0]) is None:
            print(f"{label:28} skipped: {ref[0]} not installed")
            continue
        a, b = [], []
        timed([*me, *ours, str(obj)])  # warm the page cache and bytecode
        for _ in range(args.runs):
            a.append(timed([*me, *ours, str(obj)]))
            b.append(timed([*ref, str(obj)]))
        ma, mb = min(a), min(b)
        print(f"{label:28} {ma * 1e3:8.1f} ({statistics.median(a) * 1e3:5.0f}) {mb * 1e3:8.1f} "
              f"({statistics.median(b) * 1e3:5.0f}) {ma / mb:7.2f}   {' '.join(ref)}")
    print("\nbest (median) wall time; ratio of best times.  Import costs for `bpfdoctor disasm` (cumulative ms):")
    for name, ms in import_costs():
        print(f"  {name:45} {ms:6.1f}")


if __name__ == "__main__":
    main()
