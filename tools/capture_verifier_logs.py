#!/usr/bin/env python3
"""Capture verifier logs of the fixtures in tests/bpf/verifier/ on this kernel.

Each fixture object is loaded with ``bpftool [-d] prog load OBJ PIN`` (bpftool
links libbpf, which frames the kernel's log between ``-- BEGIN PROG LOAD LOG
--`` and ``-- END PROG LOAD LOG --`` on stderr).  ``-d`` makes libbpf ask for
log level 1+2+4 (every instruction with its register state, plus statistics);
without it libbpf retries a failed load at level 1 (the failing path only).

Nothing may stay in the kernel: bpftool runs in a private mount namespace on a
fresh bpffs instance, the pin is removed explicitly, and ``bpftool prog show``
is consulted afterwards to check that no program of the fixture is loaded.

Fixtures whose first comment holds ``bpfdoctor-capture: drop-caps=a,b`` are
loaded with those capabilities dropped from the bounding set (via capsh),
for checks the verifier only makes for unprivileged loaders.

Usage: tools/capture_verifier_logs.py [--out tests/verifier/logs] [NAME...]
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "bpf" / "verifier"
BUILD = FIXTURES / "build"
LOGS = ROOT / "tests" / "verifier" / "logs"

_BEGIN = "-- BEGIN PROG LOAD LOG --"
_END = "-- END PROG LOAD LOG --"
_DROP_CAPS = re.compile(r"bpfdoctor-capture:\s*drop-caps=([\w,]+)")
# Largest stderr kept whole; larger ones keep their head and tail.
_LOG_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What one ``bpftool prog load`` said."""

    ok: bool
    returncode: int
    stderr: str
    log: str | None  # the kernel's log between libbpf's markers, or None


def drop_caps_for(source: Path) -> tuple[str, ...]:
    """The capabilities a fixture asks to drop (from its leading comment)."""
    m = _DROP_CAPS.search(source.read_text()[:2048]) if source.exists() else None
    return tuple(c for c in m.group(1).split(",") if c) if m else ()


def extract_log(stderr: str) -> str | None:
    """The text between libbpf's BEGIN/END markers (None when absent)."""
    start = stderr.find(_BEGIN)
    if start < 0:
        return None
    body_start = stderr.find("\n", start) + 1
    end = stderr.find(_END, body_start)
    body = stderr[body_start:] if end < 0 else stderr[body_start:end]
    # libbpf prints the END marker on its own line prefixed with the program
    # name; drop that partial last line.
    cut = body.rfind("\n")
    return body[: cut + 1] if cut >= 0 else body


def _prog_ids(names: set[str]) -> set[int]:
    out = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True, check=False)
    try:
        progs = json.loads(out.stdout or "[]")
    except json.JSONDecodeError:
        return set()
    return {p["id"] for p in progs if p.get("name") in names}


def _kernel_names(obj: Path) -> set[str]:
    """Program names as the kernel keeps them (BPF_OBJ_NAME_LEN - 1 = 15 chars)."""
    stem = obj.stem
    return {stem[:15]}


def load_with_bpftool(obj: Path, *, debug: bool = True, drop_caps: tuple[str, ...] = (),
                      timeout: float = 300) -> LoadResult:
    """Load ``obj`` with bpftool in a private bpffs; always unpin; return the log."""
    obj = Path(obj).resolve()
    before = _prog_ids(_kernel_names(obj))
    with tempfile.TemporaryDirectory(prefix="bpfdoctor-capture-") as tmp:
        fs = Path(tmp) / "fs"
        fs.mkdir()
        pin = fs / f"bpfdoctor-{obj.stem}"
        load = ["bpftool"] + (["-d"] if debug else []) + ["prog", "load", str(obj), str(pin)]
        inner = shlex.join(load)
        if drop_caps:
            inner = shlex.join(["capsh", f"--drop={','.join(drop_caps)}", "--", "-c", inner])
        script = (f"mount -t bpf bpf {shlex.quote(str(fs))} && {{ {inner}; rc=$?; "
                  f"rm -f {shlex.quote(str(pin))}; umount {shlex.quote(str(fs))}; exit $rc; }}")
        errfile = Path(tmp) / "stderr"
        with open(errfile, "wb") as err:
            proc = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                                  stdout=subprocess.DEVNULL, stderr=err, timeout=timeout, check=False)
        stderr = _read_bounded(errfile)
    _check_nothing_left(obj, before)
    return LoadResult(proc.returncode == 0, proc.returncode, stderr, extract_log(stderr))


def _read_bounded(path: Path) -> str:
    """The file, or its head and tail when larger than _LOG_LIMIT (a level-2 log
    of a 1M-instruction program is hundreds of MB; the verdict is at its end)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        if size <= _LOG_LIMIT:
            data = f.read()
        else:
            head = f.read(_LOG_LIMIT // 16)
            f.seek(size - _LOG_LIMIT // 4)
            data = head + b"\n" + f.read()
    return data.decode("utf-8", "replace")


def _check_nothing_left(obj: Path, before: set[int]) -> None:
    # Programs are freed after an RCU grace period; give the kernel a moment.
    names = _kernel_names(obj)
    for _ in range(50):
        left = _prog_ids(names) - before
        if not left:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{obj.name}: programs still loaded after unpinning: {sorted(left)}")


# Logs above this size (the 1M-instruction fixture: tens of MB) are stored as
# their last _TAIL bytes, cut at a line start: exactly what the kernel's
# rotating log (6.4+) hands back when the buffer is that small.
_KEEP = 1 << 20
_TAIL = 64 << 10


def tail(text: str) -> str:
    """The text itself, or its last _TAIL bytes from a line start when larger than _KEEP."""
    if len(text) <= _KEEP:
        return text
    cut = text[-_TAIL:]
    return cut[cut.find("\n") + 1:]


def capture(name: str, out: Path) -> list[Path]:
    """Write NAME.log (level 2, the kernel log only) and NAME.l1.log (bpftool's whole stderr)."""
    obj = BUILD / f"{name}.o"
    caps = drop_caps_for(FIXTURES / f"{name}.c")
    written = []
    level2 = load_with_bpftool(obj, debug=True, drop_caps=caps)
    if level2.log is not None:
        path = out / f"{name}.log"
        path.write_text(tail(level2.log))
        written.append(path)
    level1 = load_with_bpftool(obj, debug=False, drop_caps=caps)
    if level1.log is not None:  # libbpf prints nothing at level 1 on success
        path = out / f"{name}.l1.log"
        path.write_text(tail(level1.stderr))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=LOGS)
    ap.add_argument("names", nargs="*", help="fixture names (default: all in tests/bpf/verifier/build)")
    args = ap.parse_args(argv)
    subprocess.run(["make", "-s", "-C", str(FIXTURES)], check=True)
    objs = sorted(p.stem for p in BUILD.glob("*.o"))
    names = [n for n in args.names if n in objs] if args.names else objs
    args.out.mkdir(parents=True, exist_ok=True)
    written = [p for name in names for p in capture(name, args.out)]
    written += capture_raw(args.out, args.names)
    for path in written:
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {path.stat().st_size} bytes")
    return 0


def capture_raw(out: Path, names: list[str]) -> list[Path]:
    """Logs of the hand-built instruction fixtures (tests/verifier/rawbpf.py)."""
    sys.path.insert(0, str(ROOT / "tests" / "verifier"))
    import rawbpf  # noqa: E402  (a test helper, not part of the package)

    written = []
    for name, (build, _entry) in rawbpf.RAW_FIXTURES.items():
        if names and name not in names:
            continue
        path = out / f"{name}.log"
        path.write_text(build().log)
        written.append(path)
    return written


if __name__ == "__main__":
    sys.exit(main())
