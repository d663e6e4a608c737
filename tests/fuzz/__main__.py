"""``python -m tests.fuzz``: list targets, run a campaign, replay saved inputs.

    python -m tests.fuzz list
    python -m tests.fuzz run --target btf.c --execs 100000
    python -m tests.fuzz run --target btf --seconds 3600       # a whole family
    python -m tests.fuzz campaign --families verifier jit --lanes 2   # each to a million, resumable
    python -m tests.fuzz status --workdir DIR                  # executions, failures, code unchanged?
    python -m tests.fuzz ledger                                # every sitting's executions on this code
    python -m tests.fuzz ledger record --workdir DIR           # add a workdir's campaigns to the ledger
    python -m tests.fuzz replay [TARGET ...]                   # the regression corpus
    python -m tests.fuzz save TARGET FILE...                   # add failing inputs to it
    python -m tests.fuzz cover --target btf --corpus /tmp/bpfdoctor-fuzz/corpus/btf
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
from pathlib import Path

DEFAULT_WORKDIR = Path(os.environ.get("BPFDOCTOR_FUZZ_DIR", "/tmp/bpfdoctor-fuzz"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="targets and families")
    run = sub.add_parser("run", help="run a campaign on a target or a whole family")
    run.add_argument("--target", required=True, help="a target (btf.c) or a family (btf)")
    run.add_argument("--execs", type=int, default=0, help="stop after this many inputs (0: no limit)")
    run.add_argument("--resume", action="store_true",
                     help="continue the campaign summarised in the workdir: --execs counts its earlier runs too")
    run.add_argument("--seconds", type=float, default=0, help="stop after this long (0: no limit)")
    run.add_argument("--engine", choices=["auto", "atheris", "builtin"], default="auto")
    run.add_argument("--max-len", type=int, default=0, help="largest input (default: by kind)")
    run.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    run.add_argument("--ledger", type=Path, default=None,
                     help="with --resume, --execs also counts this ledger's other campaigns on the same code "
                     "(default: tests/fuzz/ledger.json)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--memory-mb", type=int, default=3072, help="address-space limit")
    run.add_argument("--stop-on-failure", action="store_true")
    run.add_argument("--no-time-bound", action="store_true", help="do not enforce the per-input CPU budget")
    run.add_argument("libfuzzer_args", nargs="*", help="extra libFuzzer flags (after --)")
    cp = sub.add_parser("codeprint", help=argparse.SUPPRESS)  # run by codeprint.family_files
    cp.add_argument("target")
    cp.add_argument("count", type=int)
    cg = sub.add_parser("campaign", help="run families to --execs each, resumably: LANES at a time, the next "
                        "family starting when one ends")
    cg.add_argument("--families", nargs="+", help="families in the order to run them (default: all)")
    cg.add_argument("--lanes", type=int, default=1, help="families running at once (one per core)")
    cg.add_argument("--execs", type=int, default=1_000_000)
    cg.add_argument("--max-len", type=int, default=0, help="largest input (default: by kind)")
    cg.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    cg.add_argument("--ledger", type=Path, default=None,
                    help="where each family's executions are recorded when its run ends, and counted from "
                    "(default: tests/fuzz/ledger.json)")
    lg = sub.add_parser("ledger", help="executions per family on this code over every recorded sitting")
    lg.add_argument("action", nargs="?", choices=["show", "record"], default="show")
    lg.add_argument("--workdir", type=Path, action="append", help="record: the workdirs (repeatable)")
    lg.add_argument("--ledger", type=Path, default=None, help="default: tests/fuzz/ledger.json")
    st = sub.add_parser("status", help="the campaigns summarised in a workdir, and whether their code is unchanged")
    st.add_argument("--workdir", type=Path, action="append", help="repeatable (default: the default workdir)")
    rp = sub.add_parser("replay", help="replay the saved regression inputs")
    rp.add_argument("targets", nargs="*")
    cv = sub.add_parser("cover", help="line coverage of a family's modules over a corpus (needs coverage.py)")
    cv.add_argument("--target", required=True, help="a target or a family")
    cv.add_argument("--corpus", type=Path, required=True, help="folder of inputs (a campaign's corpus/<target>)")
    sv = sub.add_parser("save", help="copy failing inputs into the regression corpus")
    sv.add_argument("target")
    sv.add_argument("files", nargs="+", type=Path)
    args = ap.parse_args(argv)

    if args.cmd == "list":
        from .targets import FAMILIES, TARGETS

        for fam, names in FAMILIES.items():
            print(f"{fam}:")
            for n in names:
                print(f"  {n:<18} {TARGETS[n].doc}")
        return 0
    if args.cmd == "save":
        from .seeds import REGRESSIONS

        dest = REGRESSIONS / args.target
        dest.mkdir(parents=True, exist_ok=True)
        for f in args.files:
            data = f.read_bytes()
            shutil.copyfile(f, dest / hashlib.sha1(data).hexdigest()[:16])
        return 0
    if args.cmd == "replay":
        return _replay(args.targets)
    if args.cmd == "codeprint":
        import json

        from .codeprint import loaded_files

        print(json.dumps(loaded_files(args.target, args.count)))
        return 0
    if args.cmd == "campaign":
        return _campaign(args)
    if args.cmd == "ledger":
        return _ledger(args)
    if args.cmd == "status":
        return _status(args.workdir or [DEFAULT_WORKDIR])
    if args.cmd == "cover":
        return _cover(args.target, args.corpus)
    return _run(args)


def _run(args) -> int:
    engine = args.engine
    if engine in ("auto", "atheris"):
        try:
            from .engine import instrumented_imports

            instrumented_imports()
            engine = "atheris"
        except ImportError:
            if args.engine == "atheris":
                raise
            engine = "builtin"
    from .engine import Campaign, run_atheris, run_builtin
    from .seeds import seeds
    from .targets import resolve, warm

    kind, label, fn = resolve(args.target)
    warm(args.target)
    max_len = args.max_len or {"elf": 64 * 1024, "btf": 64 * 1024}.get(kind, 32 * 1024)
    from .targets import MIN_LEN

    if max_len < MIN_LEN.get(label, 0):
        sys.stderr.write(f"== {label}: --max-len {max_len} raised to {MIN_LEN[label]}: smaller inputs "
                         "cannot hold what this family is for\n")
        max_len = MIN_LEN[label]
    pool = [s for s in seeds(kind) if len(s) <= max_len]
    from .codeprint import code_record

    code = code_record(args.target)
    c = Campaign(label, kind, fn, args.workdir, stop_on_failure=args.stop_on_failure,
                 memory_mb=args.memory_mb, timed=not args.no_time_bound, resume=args.resume, code=code,
                 max_len=max_len)
    earlier = 0
    if args.resume:
        from . import ledger

        others = ledger.on_code(ledger.load(args.ledger or ledger.DEFAULT), label, code["sha"],
                                besides=c.campaign_id)
        earlier = sum(e["execs"] for e in others)
        if earlier:
            sys.stderr.write(f"== {label}: {earlier} executions on this code in {len(others)} earlier "
                             f"campaign(s) of the ledger\n")
    if args.execs and c.before["execs"] + earlier:
        args.execs -= c.before["execs"] + earlier
        if args.execs <= 0:
            sys.stderr.write(f"== {label}: {c.before['execs'] + earlier} executions already run\n")
            return 0
    sys.stderr.write(f"== {label}: {engine}, {len(pool)} seeds, max_len {max_len}, workdir {args.workdir}\n")
    if engine == "atheris":
        run_atheris(c, pool, execs=args.execs, seconds=args.seconds, max_len=max_len, seed=args.seed,
                    extra_args=args.libfuzzer_args)
        return 0  # not reached
    out = run_builtin(c, pool, execs=args.execs, seconds=args.seconds, max_len=max_len, seed=args.seed)
    return 1 if out["failures"] else 0


# The modules each family exercises (for ``cover``).
FAMILY_MODULES = {
    "elf": ["elf/reader", "elf/readelf", "elf/objdump", "elf/object", "elf/maps", "elf/lint", "elf/relocs",
            "elf/progtypes", "btf/maps", "render/elfinfo", "doctor/map_memory", "doctor/memlock_report"],
    "isa": ["elf/objdump", "elf/listing", "isa/insn", "isa/llvm", "isa/kernel", "isa/opcodes", "isa/helpers"],
    "btf": ["btf/reader", "btf/packed", "btf/rawdump", "btf/jsondump", "btf/cdump", "btf/query", "btf/records"],
    "core": ["btf/ext", "btf/core_spec", "btf/core_resolve", "btf/core", "elf/listing"],
    "verifier": ["verifier/parser", "verifier/skim", "verifier/state", "verifier/explain", "verifier/lines", "verifier/numbers",
                 "verifier/model"],
    "jit": ["jit/logparse", "jit/disasm", "jit/x86style", "jit/cslib"],
    "diagnostic": ["verifier/diagnostic", "verifier/rootcause", "verifier/rootcause_access", "verifier/defuse",
                   "verifier/trace", "verifier/refine", "verifier/objlines", "render/diagnostic"],
    "image": ["compat/targets", "compat/image", "btf/reader"],
    "compat": ["compat/check", "compat/collect", "compat/reach", "compat/attach", "compat/features",
               "compat/minbtf", "btf/writer", "btf/valuefmt", "render/compat"],
    "objrules": ["elf/map_rules", "elf/objdump", "elf/relocs", "btf/ext"],
    "loader": ["kernel/loader/externs", "kernel/loader/btfprep", "kernel/loader/mapplan", "kernel/loader/relocate",
               "kernel/loader/coreapply", "kernel/loader/insnbuf", "kernel/loader/btfext_raw",
               "kernel/loader/objload", "kernel/loader/progload", "kernel/loader/mapcreate"],
}


def _cover(name: str, corpus: Path) -> int:
    import coverage

    from .contract import run_one
    from .targets import TARGETS, resolve

    family = TARGETS[name].family if name in TARGETS else name
    src = Path(__file__).resolve().parents[2] / "src" / "bpfdoctor"
    files = [str(src / f"{m}.py") for m in FAMILY_MODULES[family]]
    cov = coverage.Coverage(data_file=None, include=files)
    _, _, fn = resolve(name)
    inputs = sorted(p for p in corpus.iterdir() if p.is_file())
    cov.start()
    for p in inputs:
        try:
            run_one(fn, p.read_bytes(), timed=False)
        except Exception:  # noqa: BLE001 - coverage of what ran; failures are the campaign's business
            pass
    cov.stop()
    print(f"{name}: {len(inputs)} inputs")
    total = cov.report(file=sys.stdout, show_missing=False)
    print(f"{name}: {total:.1f}% of the lines of {len(files)} modules")
    return 0


def _campaign(args) -> int:
    """Each family as ``run --target F --execs N --resume`` under ``nice -n 19``,
    its output in ``WORKDIR/F.log``: a family already at N executions on
    unchanged code ends at once, one whose code changed starts from zero."""
    import subprocess
    import time

    from .targets import FAMILIES

    todo = list(args.families or FAMILIES)
    unknown = [f for f in todo if f not in FAMILIES]
    if unknown:
        sys.stderr.write(f"unknown families: {', '.join(unknown)} (python -m tests.fuzz list)\n")
        return 2
    args.workdir.mkdir(parents=True, exist_ok=True)
    from . import ledger

    book = (args.ledger or ledger.DEFAULT).resolve()
    root = Path(__file__).resolve().parents[2]
    running: dict[str, subprocess.Popen] = {}
    while todo or running:
        while todo and len(running) < max(1, args.lanes):
            fam = todo.pop(0)
            cmd = [sys.executable, "-m", "tests.fuzz", "run", "--target", fam, "--execs", str(args.execs),
                   "--resume", "--workdir", str(args.workdir), "--ledger", str(book)]
            if args.max_len:
                cmd += ["--max-len", str(args.max_len)]
            with open(args.workdir / f"{fam}.log", "ab") as log:
                running[fam] = subprocess.Popen(cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT,
                                                preexec_fn=lambda: os.nice(19))
            print(f"{time.strftime('%H:%M:%S')} {fam}: started", flush=True)
        time.sleep(2)
        for fam, proc in list(running.items()):
            if proc.poll() is not None:
                del running[fam]
                print(f"{time.strftime('%H:%M:%S')} {fam}: ended ({proc.returncode})", flush=True)
                summary = args.workdir / f"summary-{fam}.json"
                if summary.exists():
                    ledger.record(book, [summary])
    return _status([args.workdir])


def _ledger(args) -> int:
    """``ledger``: per family, the executions on the code as it is now over
    every recorded campaign; ``ledger record``: add a workdir's campaigns."""
    from . import ledger
    from .codeprint import code_record
    from .targets import FAMILIES

    path = args.ledger or ledger.DEFAULT
    if args.action == "record":
        if not args.workdir:
            sys.stderr.write("ledger record: name the campaigns' workdirs (--workdir DIR)\n")
            return 2
        for e in ledger.record(path, ledger.summaries_in(args.workdir)):
            print(f"{e['target']}: campaign {e['id']}: {e['execs']} executions on code {e['code']}")
        return 0
    data = ledger.load(path)
    targets = list(FAMILIES) + sorted({e["target"] for e in data["campaigns"]} - set(FAMILIES))
    head = ("family", "executions", "of goal", "campaigns", "failures", "hours", "not counted")
    rows = []
    for t in targets:
        st = ledger.standing(data, t, code_record(t)["sha"])
        rows.append((t, st["execs"], f"{min(st['execs'] / ledger.GOAL, 1):.0%}", st["campaigns"],
                     len(st["failures"]), f"{st['seconds'] / 3600:.1f}", st["earlier"]))
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
    return 0


def status_rows(workdirs) -> list[tuple]:
    """(target, executions, runs, failures, code state, executions a second, max_len, workdir)
    per summary (the rate over every run counted, pauses included)."""
    import json

    from .codeprint import still_same
    from .ledger import summaries_in

    rows = []
    for wd in workdirs:
        for path in summaries_in([wd]):
            s = json.loads(path.read_text())
            runs = s.get("runs", 1)
            if not s.get("code"):
                code = "not recorded"
            elif not still_same(s["code"]):
                code = "CHANGED: --resume starts from zero"
            else:
                since = s.get("code_since_run", 1)
                code = "unchanged" + (f" since run {since} of {runs}" if since > 1 else "")
            execs = s.get("total_execs", s["execs"])
            seconds = s.get("total_seconds", s["seconds"])
            rate = f"{execs / seconds:.0f}/s" if seconds else "-"
            rows.append((s["target"], execs, runs, len(s.get("failures", {})), code, rate,
                         s.get("max_len", "?"), str(wd)))
    return rows


def _status(workdirs) -> int:
    rows = status_rows(workdirs)
    if not rows:
        print("no campaign summaries in " + ", ".join(map(str, workdirs)))
        return 0
    head = ("target", "executions", "runs", "failures", "code", "rate", "max_len", "workdir")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
    return 0


def _replay(names: list[str]) -> int:
    from .contract import run_one
    from .seeds import REGRESSIONS
    from .targets import TARGETS

    bad = 0
    for name in names or sorted(TARGETS):
        folder = REGRESSIONS / name
        if not folder.is_dir():
            continue
        for f in sorted(folder.iterdir()):
            try:
                run_one(TARGETS[name].fn, f.read_bytes())
                status = "ok"
            except Exception as e:  # noqa: BLE001 - report and go on
                status = f"FAIL {type(e).__name__}: {e}"
                bad += 1
            print(f"{name} {f.name} {status}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
