#!/usr/bin/env python3
"""Throughput of the verifier-log parser on a generated 1M-instruction level-2 log.

No other tool parses verifier logs, so there is no reference to race; the
script reports MB/s and lines/s, the peak RSS growth (the parser streams: it
must not grow with the log), and for scale the time ``grep -c`` needs to read
the same file.

The log is generated from the real level-2 body of tests/bpf/verifier/
too_large.c as printed by Linux 6.18 (instruction, source comment and state
annotation lines, precision-tracking lines), repeated with rising values
until it has --insns instruction lines, then closed with the kernel's
"BPF program is too large" error and statistics.

Usage: bench/bench_verifier.py [--insns 1000000] [--keep FILE] [--log REAL_LOG]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

BODY = """\
; sum += i ^ skb->len; @ too_large.c:12
2: (61) r3 = *(u32 *)(r1 +0)          ; R1=ctx() R3=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))
3: (ac) w3 ^= w2                      ; R2={i:#x} R3=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))
4: (0f) r0 += r3                      ; R0=scalar(smin=0,smax=umax={s:#x},var_off=(0x0; 0x1ffffffffffff)) R3=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))
; for (__u32 i = 0; i < 5000000; i++) {{ @ too_large.c:11
5: (04) w2 += 1                       ; R2={j:#x}
6: (16) if w2 == 0x4c4b40 goto pc+1   ; R2={j:#x}
7: (05) goto pc-6
"""
PRECISE = """\
mark_precise: frame0: last_idx 6 first_idx 2 subseq_idx -1
mark_precise: frame0: regs=r2 stack= before 5: (04) w2 += 1
"""
HEAD = """\
func#0 @0
0: R1=ctx() R10=fp0
; int too_large(struct __sk_buff *skb) @ too_large.c:5
0: (b7) r0 = 0                        ; R0=0
1: (b4) w2 = 0                        ; R2=0
"""
TAIL = """\
BPF program is too large. Processed 1000001 insn
verification time 3804551 usec
stack depth 0
processed 1000001 insns (limit 1000000) max_states_per_insn 4 total_states 16668 peak_states 16668 mark_read 0
"""


def generate(path: Path, insns: int) -> tuple[int, int]:
    """Write the log; return (bytes, lines)."""
    lines = 0
    with open(path, "w") as f:
        f.write(HEAD)
        i = 0
        done = 2
        while done < insns:
            chunk = BODY.format(i=i, j=i + 1, s=i * 0xFFFFFFFF)
            if i % 6 == 0:
                chunk += PRECISE
            f.write(chunk)
            lines += chunk.count("\n")
            done += 6
            i += 1
        f.write(TAIL)
    return path.stat().st_size, lines + HEAD.count("\n") + TAIL.count("\n")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--insns", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="write the log here and keep it")
    ap.add_argument("--log", type=Path, help="measure on this log (a real one) instead of generating one")
    args = ap.parse_args()

    from bpfdoctor.verifier import explain_log, parse_file

    with tempfile.TemporaryDirectory() as tmp:
        if args.log:
            path = args.log
            size, lines = path.stat().st_size, sum(1 for _ in path.open("rb"))
            print(f"log: {size / 1e6:.1f} MB, {lines:,} lines ({path})")
        else:
            path = args.keep or Path(tmp) / "level2.log"
            size, lines = generate(path, args.insns)
            print(f"log: {size / 1e6:.1f} MB, {lines:,} lines, {args.insns:,} instruction lines")
        mb = size / 1e6
        if shutil.which("grep"):
            t0 = time.perf_counter()
            subprocess.run(["grep", "-c", "insn", str(path)], capture_output=True, check=False)
            grep_s = time.perf_counter() - t0
            print(f"grep -c (reading the file): {grep_s:.2f} s, {mb / grep_s:.0f} MB/s")
        before = rss_mb()
        t0 = time.perf_counter()
        parsed = parse_file(path)
        took = time.perf_counter() - t0
        result = explain_log(parsed)
        print(f"bpfdoctor parse: {took:.2f} s, {mb / took:.1f} MB/s, {lines / took / 1e6:.2f} M lines/s")
        print(f"peak RSS of the process: {rss_mb():.0f} MB, growth while parsing: "
              f"{max(rss_mb() - before, 0):.1f} MB (log is {mb:.0f} MB)")
        at = f" at insn {parsed.failing_insn.index}" if parsed.failing_insn else ""
        print(f"explained as: {result.finding.id}{at}")
        if not args.log:
            assert result.finding.id == "program-too-complex"
    return 0


if __name__ == "__main__":
    sys.exit(main())
