"""Benchmarks for ``bpfdoctor jit`` (not tests; nothing here asserts on time).

1. Parse a ~100 MB kernel log holding ~1000 JIT dumps among ordinary
   messages (written to /tmp, not kept) and report MB/s.
2. Disassemble a large x86-64 image (real JIT images repeated) beside
   binutils ``objdump -D -b binary -mi386:x86-64`` in the same run and print
   the time ratio, plus capstone's import cost.

    python bench/bench_jit.py [--size-mb 100] [--dumps 1000] [--image-kb 1024]
"""

from __future__ import annotations

import argparse
import os
import pathlib
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "jit" / "data"
NOISE = [
    "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
    "audit: type=1400 audit(1700000000.123:42): apparmor=\"STATUS\" operation=\"profile_load\" name=\"x\"",
    "EXT4-fs (sda1): mounted filesystem 1a2b3c4d with ordered data mode. Quota mode: none.",
    "usb 1-1: new high-speed USB device number 2 using xhci_hcd",
    "TCP: request_sock_TCP: Possible SYN flooding on port 80. Sending cookies.  Check SNMP counters.",
    "systemd[1]: Started session-42.scope - Session 42 of User someone.",
]


def images() -> list[bytes]:
    return [p.read_bytes() for p in sorted(DATA.glob("*.bin"))]


def write_log(path: pathlib.Path, size_mb: int, dumps: int) -> int:
    """A dmesg-style log of ~size_mb MB with ``dumps`` JIT dumps spread evenly."""
    from bpfdoctor.jit.logformat import format_kernel_log

    rng = random.Random(1)
    imgs = images()
    target = size_mb * 1_000_000
    dump_texts = [format_kernel_log(img, flen=len(img) // 5, passes=3, image_ptr="ffffffffc0a3e000",
                                    comm="loader", pid=4242) for img in imgs]
    avg_dump = sum(map(len, dump_texts)) / len(dump_texts)
    noise_per_gap = max(0, int((target - dumps * avg_dump) / (dumps + 1) / 100))
    usec = 1_000_000
    written = 0
    with open(path, "w") as f:
        for i in range(dumps + 1):
            chunk = []
            for _ in range(noise_per_gap):
                usec += rng.randrange(1, 3000)
                chunk.append(f"[{usec // 1_000_000:5d}.{usec % 1_000_000:06d}] {rng.choice(NOISE)}\n")
            if i < dumps:
                for line in dump_texts[i % len(dump_texts)].splitlines():
                    usec += 1
                    chunk.append(f"[{usec // 1_000_000:5d}.{usec % 1_000_000:06d}] {line}\n")
            text = "".join(chunk)
            f.write(text)
            written += len(text)
    return written


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bench_parse(size_mb: int, dumps: int) -> None:
    from bpfdoctor.jit.logparse import parse_log

    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        path = pathlib.Path(tmp) / "kern.log"
        size = write_log(path, size_mb, dumps)
        data = path.read_bytes()
        result = {}

        def run():
            result["log"] = parse_log(data)

        t_read = best_of(lambda: path.read_bytes(), 3)
        t = best_of(run, 3)
        jl = result["log"]
        complete = sum(d.complete for d in jl.dumps)
        print(f"parse: {size / 1e6:.1f} MB, {len(jl.dumps)} dumps ({complete} complete), "
              f"{t * 1000:.0f} ms -> {size / 1e6 / t:.0f} MB/s (read file: {t_read * 1000:.0f} ms)")
        grep = shutil.which("grep")
        if grep:
            t_grep = best_of(lambda: subprocess.run([grep, "-c", "JIT code: ", str(path)],
                                                    capture_output=True, check=False), 3)
            print(f"       grep -c 'JIT code: ' on the same file: {t_grep * 1000:.0f} ms "
                  f"(ratio parse/grep {t / t_grep:.2f})")


def bench_disasm(image_kb: int) -> None:
    t = time.perf_counter()
    import capstone  # noqa: F401  (import cost is part of what users pay)

    t_import = time.perf_counter() - t
    from bpfdoctor.jit.disasm import format_listing

    imgs = images()
    blob = bytearray()
    while len(blob) < image_kb * 1024:
        for img in imgs:
            blob += img
    blob = bytes(blob)
    objdump = shutil.which("objdump")
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        path = pathlib.Path(tmp) / "image.bin"
        path.write_bytes(blob)
        out = {}

        def ours():
            out["text"] = format_listing(blob, "x86_64", "att")

        t_ours = best_of(ours, 3)
        n = out["text"].count("\n")
        print(f"disasm: {len(blob) / 1024:.0f} KiB, {n} instructions, bpfdoctor {t_ours * 1000:.0f} ms "
              f"(capstone import {t_import * 1000:.1f} ms, once per process)")
        if objdump is None:
            print("        objdump not installed: no ratio")
            return
        cmd = [objdump, "-D", "-b", "binary", "-mi386:x86-64", str(path)]
        t_obj = best_of(lambda: subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True), 3)
        print(f"        objdump {t_obj * 1000:.0f} ms -> ratio bpfdoctor/objdump {t_ours / t_obj:.2f} "
              f"(below 1 is faster)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=100)
    ap.add_argument("--dumps", type=int, default=1000)
    ap.add_argument("--image-kb", type=int, default=1024)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    bench_parse(args.size_mb, args.dumps)
    bench_disasm(args.image_kb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
