#!/usr/bin/env python3
"""The benchmark runner: every row of issue 12's table, beside its reference.

    python3 bench/run.py [--runs 5] [--only REGEX] [--markdown FILE] [--venv DIR]

It installs bpfdoctor the way users do (a fresh venv, ``pip install`` of this
checkout, not editable, bytecode compiled and checked), then for every row
runs bpfdoctor and the reference as whole processes, interleaved in the same
run (ours, ref, ours, ref, ...), once with standard output to a pipe that the
runner reads and once to a file.  For each pair it takes the ratio
ours / reference; the table shows the ratios' min, median and max for each
sink, both medians in ms, and the peak RSS of each side (one more run of each
under ``/usr/bin/time -f %M``).  A row meets its goal when the median ratio
of both sinks is within it.

Start-up rows compare with ``python -c pass`` on the venv's interpreter (the
issue's goal: ``--version`` within 1.5x, any command on a small input within
2.5x).  Real-work rows compare with the C tool doing the same work.  Rows
that need the kernel load their own programs and remove them (bpftool's pins
are removed after every run, ours are held by descriptors of the process).

Benchmarks are not tests: nothing asserts on time.  The machine may be busy;
read the ratios, not the times.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "tests" / "bpf" / "build"
WORK = Path(tempfile.gettempdir()) / "bpfdoctor-bench"
VMLINUX = "/sys/kernel/btf/vmlinux"
SEED = ROOT / "tests" / "jit" / "data" / "seed-jit-dump.txt"
LOG100 = ROOT / "tests" / "verifier" / "logs" / "call_depth.log"


@dataclass
class Row:
    name: str
    ours: list[str]                 # arguments after ``bpfdoctor``
    ref: list[list[str]]            # commands run in sequence, timed together
    goal: float | None              # the bound on the median ratio
    kind: str = "work"              # "start" (vs python -c pass) or "work" (vs a C tool)
    needs: list[str] = field(default_factory=list)   # executables / files that must exist
    kernel: bool = False
    ok_codes: tuple[int, ...] = (0, 1)


# -- install ------------------------------------------------------------------------

def install(venv: Path, reuse: bool) -> Path:
    """A venv with a normal install of this checkout; returns its bin directory."""
    bindir = venv / "bin"
    if not (reuse and (bindir / "bpfdoctor").exists()):
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(bindir / "pip"), "install", "-q", "--no-cache-dir", str(ROOT)], check=True,
                       stdout=subprocess.DEVNULL)
    # pip compiles bytecode unless told not to; PYTHONDONTWRITEBYTECODE in the
    # environment must not leave an install that recompiles on every start.
    site = Path(subprocess.run([str(bindir / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    subprocess.run([str(bindir / "python"), "-m", "compileall", "-q", str(site)], check=True,
                   env=child_env(), stdout=subprocess.DEVNULL)
    missing = [p for p in (site / "bpfdoctor").rglob("*.py")
               if not list((p.parent / "__pycache__").glob(f"{p.stem}.cpython-*.pyc"))]
    if missing:
        raise SystemExit(f"bytecode missing for {missing[:3]}")
    return bindir


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPATH", None)
    env["NO_COLOR"] = "1"
    env["XDG_CACHE_HOME"] = str(WORK / "cache")
    return env


# -- fixtures -----------------------------------------------------------------------

def large_object(insns: int) -> Path:
    """tools/gen_large_bpf.py scaled to about ``insns`` instructions, cached in WORK."""
    scale = max(1, round(insns / 100_000))
    out = WORK / f"large-x{scale}.o"
    if out.exists():
        return out
    WORK.mkdir(parents=True, exist_ok=True)
    src = WORK / f"large-x{scale}.c"
    with open(src, "w") as f:
        subprocess.run([sys.executable, str(ROOT / "tools" / "gen_large_bpf.py"), "--scale", str(scale)],
                       stdout=f, check=True)
    _clang(src, out)
    return out


XDP2 = r"""/* bench/run.py: two XDP programs and a map, no CO-RE */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } cnt SEC(".maps");
SEC("xdp") int xdp_pass(struct xdp_md *ctx) { __u32 k = 0; __u64 *v = bpf_map_lookup_elem(&cnt, &k); if (v) __sync_fetch_and_add(v, 1); return XDP_PASS; }
SEC("xdp") int xdp_drop_odd(struct xdp_md *ctx) { __u32 k = (ctx->data_end - ctx->data) & 1; __u64 *v = bpf_map_lookup_elem(&cnt, &k); if (v) *v += 1; return k ? XDP_DROP : XDP_PASS; }
char LICENSE[] SEC("license") = "GPL";
"""


def _clang(src: Path, out: Path) -> None:
    clang = shutil.which("clang-19") or shutil.which("clang") or "clang"
    triple = subprocess.run(["gcc", "-dumpmachine"], capture_output=True, text=True).stdout.strip() or "x86_64-linux-gnu"
    # the flags of tests/bpf/Makefile
    subprocess.run([clang, "-g", "-O2", "-D__TARGET_ARCH_x86", f"-I/usr/include/{triple}", "-target", "bpfel",
                    "-mcpu=v3", "-c", str(src), "-o", str(out)], check=True)


def _built(name: str, source: str) -> Path:
    """WORK/NAME.o compiled from ``source`` (once: kept across runs)."""
    out = WORK / f"{name}.o"
    if not out.exists():
        src = WORK / f"{name}.c"
        src.write_text(source)
        _clang(src, out)
    return out


def xdp2_object() -> Path:
    return _built("xdp2", XDP2)


MAPS = r"""/* bench/run.py: a hash map of BTF-described records, for map dump */
#include <linux/bpf.h>
#define SEC(n) __attribute__((section(n), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
enum state { IDLE, RUNNING, BLOCKED = 7 };
struct flow { __u32 saddr, daddr; __u16 sport, dport; __u8 proto; };
struct rec { struct flow f; char comm[16]; enum state st; __u64 bytes, pkts; __s32 delta; __u8 flags[6]; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 20000); __type(key, __u32); __type(value, struct rec); } bench_recs SEC(".maps");
char LICENSE[] SEC("license") = "GPL";
"""
MAP_ENTRIES = 10_000


def maps_object() -> Path:
    return _built("maps", MAPS)


class LoadedMap:
    """``bench_recs`` created from ``maps_object()`` and filled with MAP_ENTRIES
    records, held by this process's descriptor (for ``map dump``); its id."""

    def __init__(self, want: bool) -> None:
        self.want = want
        self.lo = None
        self.id = 0

    def __enter__(self):
        if not self.want:
            return self
        import random
        import struct

        sys.path.insert(0, str(ROOT / "src"))
        from bpfdoctor.kernel.loader.objload import load_object

        self.lo = load_object(maps_object())
        m = self.lo.maps["bench_recs"]
        self.id = next(r.id for r in self.lo.map_results if r.name == "bench_recs")
        rng = random.Random(12)
        for i in range(MAP_ENTRIES):
            comm = rng.choice([b"nginx", b"sshd", b"kworker/0:1", b"systemd-journal"]).ljust(16, b"\0")
            # struct rec: flow (16 bytes with padding), comm, state, pad, bytes, pkts, delta, flags, pad
            value = struct.pack("<IIHHB3x16sI4xQQi6s6x", rng.getrandbits(32), rng.getrandbits(32),
                                rng.getrandbits(16), rng.getrandbits(16), rng.choice((6, 17)), comm,
                                rng.choice((0, 1, 7, 3)), rng.getrandbits(40), rng.getrandbits(20),
                                rng.randrange(-1000, 1000), rng.randbytes(6))
            m.update(struct.pack("<I", i), value[:m.value_size])
        return self

    def __exit__(self, *exc) -> None:
        if self.lo is not None:
            self.lo.close()
            self.lo = None


class LoadedPrograms:
    """``n`` small socket-filter programs held by this process (for ``prog list``)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.progs: list = []

    def __enter__(self):
        sys.path.insert(0, str(ROOT / "src"))
        from bpfdoctor.isa.insn import Instruction, encode_all
        from bpfdoctor.kernel import progs
        from bpfdoctor.kernel.enums import ProgType

        code = encode_all([Instruction(0xB7, 0, 0, 0, 0), Instruction(0x95, 0, 0, 0, 0)])
        self.progs = [progs.load_program(ProgType.SOCKET_FILTER, code, name=f"h12bench{i}") for i in range(self.n)]
        return self

    def __exit__(self, *exc) -> None:
        for p in self.progs:
            p.close()
        self.progs.clear()


# -- timing -------------------------------------------------------------------------

def run_once(cmd: list[str], sink: str, env: dict[str, str], out_file: Path) -> tuple[float, int]:
    """Wall time and exit status of one whole process."""
    t = time.perf_counter()
    if sink == "pipe":
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        while p.stdout.read(1 << 16):
            pass
        p.stdout.close()
    else:
        with open(out_file, "wb") as f:
            p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.DEVNULL, env=env)
    _, status = os.waitpid(p.pid, 0)
    dt = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    return dt, p.returncode


def peak_rss(cmds: list[list[str]], env) -> int:
    """Peak RSS (KiB) of the largest of ``cmds``, each run once under
    /usr/bin/time.  Not from the timed runs: a forked child's ``ru_maxrss``
    keeps the parent's high-water mark across exec, which would credit every
    row with this runner's own size."""
    peak = 0
    for cmd in cmds:
        with tempfile.NamedTemporaryFile("r", dir=WORK, suffix=".rss") as f:
            subprocess.run(["/usr/bin/time", "-f", "%M", "-o", f.name, *cmd], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            text = f.read().strip().splitlines()
        if text and text[-1].isdigit():
            peak = max(peak, int(text[-1]))
    return peak


def run_seq(cmds: list[list[str]], sink: str, env, out_file) -> float:
    """The commands one after the other (bpftool loadall, then rm of its pins): total wall time."""
    return sum(run_once(cmd, sink, env, out_file)[0] for cmd in cmds)


@dataclass
class Result:
    row: Row
    ratios: dict[str, list[float]] = field(default_factory=dict)
    ours_t: list[float] = field(default_factory=list)
    ref_t: list[float] = field(default_factory=list)
    ours_rss: int = 0
    ref_rss: int = 0
    skipped: str | None = None


def measure(row: Row, me: list[str], runs: int, env) -> Result:
    res = Result(row)
    for need in row.needs:
        if not (shutil.which(need) or Path(need).exists()):
            res.skipped = f"{need} not available"
            return res
    out_file = WORK / "out.txt"
    cmd = [*me, *row.ours]
    # one warm-up of each: page cache, dentry cache, the per-boot cache
    run_once(cmd, "file", env, out_file)
    run_seq(row.ref, "file", env, out_file)
    for sink in ("pipe", "file"):
        ratios = res.ratios.setdefault(sink, [])
        for _ in range(runs):
            a, code = run_once(cmd, sink, env, out_file)
            if code not in row.ok_codes:
                res.skipped = f"bpfdoctor exited {code}: {' '.join(row.ours)}"
                return res
            b = run_seq(row.ref, sink, env, out_file)
            ratios.append(a / b)
            res.ours_t.append(a)
            res.ref_t.append(b)
    if os.path.exists("/usr/bin/time"):
        res.ours_rss, res.ref_rss = peak_rss([cmd], env), peak_rss(row.ref, env)
    return res


# -- rows ---------------------------------------------------------------------------

def rows(py: str, pin: str, large: Path | None, xdp2: Path, map_id: int = 0) -> list[Row]:
    small = str(BUILD / "multi_prog.o")
    core = str(BUILD / "load_core.o")
    start = [[py, "-c", "pass"]]
    rm = ["rm", "-rf", pin]
    big = str(large) if large else "/nonexistent-large-object"
    return [
        # start-up: python -c pass is the reference
        Row("--version", ["--version"], start, 1.5, "start"),
        Row("--help", ["--help"], start, 2.5, "start"),
        Row("elf sections (small)", ["elf", "sections", small], start, 2.5, "start"),
        Row("elf symbols (small)", ["elf", "symbols", small], start, 2.5, "start"),
        Row("prog list (10 progs)", ["prog", "list"], start, 2.5, "start", kernel=True),
        Row("load 2-prog XDP", ["load", str(xdp2)], start, 2.5, "start", kernel=True),
        Row("jit disasm seed", ["jit", "disasm", str(SEED)], start, 2.5, "start"),
        Row("check --no-probe", ["check", "--no-probe"], start, 2.5, "start"),
        Row("explain 100-line log", ["explain", str(LOG100)], start, 2.5, "start"),
        # real work: the C tool is the reference
        Row("load 2-prog XDP", ["load", str(xdp2)], [["bpftool", "prog", "loadall", str(xdp2), pin], rm], None,
            needs=["bpftool"], kernel=True),
        Row("load CO-RE", ["load", core], [["bpftool", "prog", "loadall", core, pin], rm], 2.0,
            needs=["bpftool"], kernel=True),
        Row("prog list (10 progs)", ["prog", "list"], [["bpftool", "prog", "show"]], None,
            needs=["bpftool"], kernel=True),
        Row("jit disasm seed", ["jit", "disasm", str(SEED), "-O", str(WORK / "seed.bin")],
            [["objdump", "-D", "-b", "binary", "-mi386:x86-64", str(WORK / "seed.bin")]], None,
            needs=["objdump"]),
        Row("elf sections (small)", ["elf", "sections", small], [["llvm-objdump-19", "-h", small]], None,
            needs=["llvm-objdump-19"]),
        Row("elf symbols (small)", ["elf", "symbols", small], [["llvm-readelf-19", "-s", small]], None,
            needs=["llvm-readelf-19"]),
        Row("check (cached probes)", ["check"], [["bpftool", "feature", "probe"]], 1.0,
            needs=["bpftool"], kernel=True),
        Row("check --no-cache", ["check", "--no-cache"], [["bpftool", "feature", "probe"]], 1.0,
            needs=["bpftool"], kernel=True),
        Row("btf dump vmlinux raw", ["btf", "dump", VMLINUX], [["bpftool", "btf", "dump", "file", VMLINUX]], 1.0,
            needs=["bpftool", VMLINUX]),
        Row("btf dump vmlinux C", ["btf", "dump", VMLINUX, "--format", "c"],
            [["bpftool", "btf", "dump", "file", VMLINUX, "format", "c"]], 2.0, needs=["bpftool", VMLINUX]),
        # ours also checks every requirement of the object against the target
        Row("compat --emit-min-btf",
            ["compat", core, "--btf", VMLINUX, "--emit-min-btf", str(WORK / "min.btf")],
            [["bpftool", "gen", "min_core_btf", VMLINUX, str(WORK / "min-ref.btf"), core]], None,
            needs=["bpftool", VMLINUX]),
        Row("map dump 10k records", ["map", "dump", "id", str(map_id), "--limit", "0"],
            [["bpftool", "map", "dump", "id", str(map_id)]], None, needs=["bpftool"], kernel=True),
        Row("map dump 10k records --json", ["map", "dump", "id", str(map_id), "--json", "--limit", "0"],
            [["bpftool", "-j", "map", "dump", "id", str(map_id)]], None, needs=["bpftool"], kernel=True),
        Row("disasm 300k insns", ["disasm", big], [["llvm-objdump-19", "-d", big]], 1.0,
            needs=["llvm-objdump-19", big]),
        Row("elf relocs 300k insns", ["elf", "relocs", big], [["llvm-readelf-19", "-r", big]], 1.0,
            needs=["llvm-readelf-19", big]),
    ]


# -- report -------------------------------------------------------------------------

def fmt_ratios(r: list[float]) -> str:
    return f"{min(r):.2f} / {statistics.median(r):.2f} / {max(r):.2f}"


def table(results: list[Result], runs: int) -> str:
    head = ("| row | reference | goal | pipe min / med / max | file min / med / max | "
            "bpfdoctor ms | ref ms | peak MiB ours / ref | met |")
    out = [head, "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for res in results:
        row = res.row
        ref = "python -c pass" if row.kind == "start" else " ".join(
            [Path(row.ref[0][0]).name] + [a for a in row.ref[0][1:] if not a.startswith("/")])
        goal = f"<= {row.goal:g}x" if row.goal else "-"
        if res.skipped:
            out.append(f"| {row.name} | {ref} | {goal} | skipped: {res.skipped} | | | | | |")
            continue
        worst = max(statistics.median(v) for v in res.ratios.values())
        met = "-" if row.goal is None else ("yes" if worst <= row.goal else "no")
        out.append(f"| {row.name} | {ref} | {goal} | {fmt_ratios(res.ratios['pipe'])} | "
                   f"{fmt_ratios(res.ratios['file'])} | {statistics.median(res.ours_t) * 1e3:.0f} | "
                   f"{statistics.median(res.ref_t) * 1e3:.0f} | {res.ours_rss / 1024:.0f} / "
                   f"{res.ref_rss / 1024:.0f} | {met} |")
    out.append("")
    out.append(f"{runs} runs per sink, interleaved; ratio = bpfdoctor / reference per pair of runs.")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="pairs per sink (pipe, file)")
    ap.add_argument("--only", help="run only the rows whose name matches this regex")
    ap.add_argument("--venv", type=Path, default=WORK / "venv")
    ap.add_argument("--reuse-venv", action="store_true", help="keep an existing venv (default: reinstall)")
    ap.add_argument("--insns", type=int, default=300_000, help="size of the large object")
    ap.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    bindir = install(args.venv, args.reuse_venv)
    env = child_env()
    me = [str(bindir / "bpfdoctor")]
    py = str(bindir / "python")
    pin = f"/sys/fs/bpf/bpfdoctor-bench-{os.getpid()}"
    want = re.compile(args.only) if args.only else None
    xdp2 = xdp2_object()
    selected = [r for r in rows(py, pin, None, xdp2) if not want or want.search(r.name)]
    large = large_object(args.insns) if any("300k" in r.name for r in selected) else None
    selected = [r for r in rows(py, pin, large, xdp2) if not want or want.search(r.name)]
    if any("jit disasm" in r.name for r in selected):
        subprocess.run([*me, "jit", "disasm", str(SEED), "-O", str(WORK / "seed.bin")], check=True,
                       stdout=subprocess.DEVNULL, env=env)
    results = []
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f}; "
          f"bpfdoctor from {bindir}", file=sys.stderr)
    with LoadedPrograms(10 if any(r.kernel for r in selected) else 0), \
            LoadedMap(any(r.name.startswith("map dump") for r in selected)) as held:
        selected = [r for r in rows(py, pin, large, xdp2, held.id) if not want or want.search(r.name)]
        try:
            for row in selected:
                print(f"  {row.name} vs {' '.join(row.ref[0][:3])} ...", file=sys.stderr, flush=True)
                results.append(measure(row, me, args.runs, env))
        finally:
            shutil.rmtree(pin, ignore_errors=True)
    text = table(results, args.runs)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
