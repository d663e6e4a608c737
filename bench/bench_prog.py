"""``bpfdoctor prog`` beside ``bpftool prog`` in the same run.

Loads N programs (default 50) through bpfdoctor.kernel (a map lookup, a
helper and a bpf-to-bpf call each; held by this process's descriptors, never
pinned), then times, as whole commands (process start included):

- ``bpfdoctor prog list`` vs ``bpftool -f prog show`` (text and JSON);
- ``bpfdoctor prog dump xlated id N`` vs ``bpftool prog dump xlated id N``;
- ``bpfdoctor prog dump jited id N`` (bpftool here has no disassembler).

Prints the median of R runs and the ratio ours/bpftool.  Every program is
unloaded at the end (descriptors closed), and the script checks it.
Usage: sudo python bench/bench_prog.py [N] [R]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time

from bpfdoctor.isa.insn import Instruction, encode_all
from bpfdoctor.kernel import info, maps, objects, progs
from bpfdoctor.kernel.enums import MapType, ProgType
from bpfdoctor.kernel.objects import ObjKind


def _program(map_fd: int) -> bytes:
    return encode_all([
        Instruction(0x62, 10, 0, -4, 0), Instruction(0xBF, 2, 10, 0, 0), Instruction(0x07, 2, 0, 0, -4),
        Instruction(0x18, 1, 1, 0, map_fd, imm_hi=0), Instruction(0x85, 0, 0, 0, 1),
        Instruction(0x85, 0, 1, 0, 1), Instruction(0x95, 0, 0, 0, 0),
        Instruction(0x85, 0, 0, 0, 7), Instruction(0xB7, 0, 0, 0, 0), Instruction(0x95, 0, 0, 0, 0),
    ])


def _time(cmd: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def _in_process(prog_id: int, runs: int) -> None:
    """The library's own cost, without interpreter start-up."""
    from bpfdoctor.isa.xlated import format_plain
    from bpfdoctor.kernel import prog_dump, prog_select
    from bpfdoctor.kernel.prog_list import list_programs
    from bpfdoctor.render.prog import list_text

    def best(fn) -> float:
        samples = []
        for _ in range(runs):
            t = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t)
        return statistics.median(samples)

    def xl():
        with prog_select.open_by_id(prog_id) as fd:
            format_plain(list(prog_dump.dump_xlated(fd).lines))

    print(f"{'in-process list_programs+text':28} {best(lambda: list_text(list_programs())) * 1000:8.1f}ms")
    print(f"{'in-process dump_xlated+text':28} {best(xl) * 1000:8.1f}ms")


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    bpftool = shutil.which("bpftool")
    if bpftool is None:
        print("bpftool is not installed", file=sys.stderr)
        return 1
    me = [sys.executable, "-m", "bpfdoctor"]
    with maps.create_map(MapType.ARRAY, 4, 8, 1) as m:
        loaded = [progs.load_program(ProgType.SOCKET_FILTER, _program(m.fd), name=f"bench{i}") for i in range(n)]
    ids = [info.prog_info(p, arrays=None).id for p in loaded]
    try:
        total = sum(1 for _ in objects.ids(ObjKind.PROG))
        print(f"{n} programs loaded by the bench ({total} loaded in all); median of {runs} runs\n")
        rows = [
            ("prog list (text)", me + ["prog", "list"], [bpftool, "-f", "prog", "show"]),
            ("prog list --json", me + ["prog", "list", "--json"], [bpftool, "-j", "-f", "prog", "show"]),
            ("dump xlated id", me + ["prog", "dump", "xlated", "id", str(ids[0])],
             [bpftool, "prog", "dump", "xlated", "id", str(ids[0])]),
            ("dump xlated name (scan)", me + ["prog", "dump", "xlated", "name", "bench1"],
             [bpftool, "prog", "dump", "xlated", "name", "bench1"]),
            ("dump jited id", me + ["prog", "dump", "jited", "id", str(ids[0])], None),
        ]
        print(f"{'command':28} {'bpfdoctor':>10} {'bpftool':>10} {'ratio':>7}")
        for label, ours, ref in rows:
            a = _time(ours, runs)
            b = _time(ref, runs) if ref else None
            ratio = f"{a / b:7.2f}" if b else "      -"
            print(f"{label:28} {a * 1000:8.1f}ms {b * 1000 if b else float('nan'):8.1f}ms {ratio}")
        print(f"{'python -c pass (start-up)':28} {_time([sys.executable, '-c', 'pass'], runs) * 1000:8.1f}ms")
        _in_process(ids[0], runs)
    finally:
        for p in loaded:
            p.close()
    left = set(ids) & set(objects.ids(ObjKind.PROG))
    if left:
        print(f"programs still loaded: {sorted(left)}", file=sys.stderr)
        return 1
    print(f"\nall {n} bench programs unloaded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
