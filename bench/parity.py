#!/usr/bin/env python3
"""Loader parity with libbpf on real objects: bpfdoctor load vs bpftool prog loadall.

Usage: ``python bench/parity.py DIR_OR_OBJECTS... [--verbose]`` (as root, bpffs
at /sys/fs/bpf).  Bring your own objects: build real BPF programs from public
projects (xdp-tools, libbpf-bootstrap, bcc's libbpf-tools, the kernel's
samples/bpf and selftests) into a directory; nothing here builds or ships them.

For every little-endian object that ``bpftool prog loadall`` accepts, it
loads the object with bpfdoctor (all programs must load, the same ones),
again with ``--pin``, and compares each program's ``bpftool prog dump
xlated`` (map ids masked) with the one bpftool's libbpf loaded.  Prints the
counts and, with ``--verbose``, why each object fell short.  Everything
loaded and pinned is removed before the next object.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

_MAP_ID = re.compile(r"map\[id:\d+\]")
ROOT = f"/sys/fs/bpf/bpfdoctor-parity-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def bpftool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bpftool", *args], capture_output=True, text=True, timeout=300)


def xlated(*selector: str) -> str:
    out = bpftool("prog", "dump", "xlated", *selector)
    return _MAP_ID.sub("map[id:N]", out.stdout) if out.returncode == 0 else f"<{out.stderr.strip()}>"


def little_endian(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(6)
    return head[:4] == b"\x7fELF" and head[5] == 1


def by_name_pins(path: Path) -> list[str]:
    """Maps libbpf pins at /sys/fs/bpf/<name> on its own (LIBBPF_PIN_BY_NAME)
    that do not exist yet: removed after bpftool's load."""
    from bpfdoctor.elf import open_object

    try:
        names = [m.name for m in open_object(path).maps if m.pinning == 1]
    except Exception:  # noqa: BLE001 - bpftool decides whether the object is valid
        return []
    return [n for n in names if not os.path.exists(f"/sys/fs/bpf/{n}")]


def reference(path: Path) -> dict[str, str] | str:
    """bpftool's programs and their xlated dumps, or why it failed."""
    ref = f"{ROOT}/ref"
    stale = by_name_pins(path)
    try:
        out = bpftool("prog", "loadall", str(path), ref)
        if out.returncode != 0:
            lines = [ln for ln in (out.stderr + out.stdout).splitlines() if ln.strip()]
            return (lines[-1] if lines else f"exit {out.returncode}")[:160]
        names = sorted(os.listdir(ref)) if os.path.isdir(ref) else []
        return {n: xlated("pinned", f"{ref}/{n}") for n in names}
    finally:
        shutil.rmtree(ref, ignore_errors=True)
        for n in stale:
            try:
                os.unlink(f"/sys/fs/bpf/{n}")
            except FileNotFoundError:
                pass


def ours(path: Path, ref: dict[str, str], pin: bool) -> tuple[bool, bool, str]:
    """(loaded like bpftool, identical xlated, why not)."""
    from bpfdoctor.kernel.loader import load_object

    pin_dir = f"{ROOT}/ours"
    try:
        with load_object(path) as lo:
            bad = [r for r in lo.results if not r.ok]
            if bad:
                r = bad[0]
                return False, False, f"{r.name}: {r.status} {r.errno_name or ''} {(r.message or '')[:120]}"
            if sorted(lo.programs) != sorted(ref):
                return False, False, f"programs {sorted(lo.programs)} vs bpftool's {sorted(ref)}"
            if pin:
                lo.pin(pin_dir)
            diff = [r.name for r in lo.results if xlated("id", str(r.id)) != ref[r.name]]
            return True, not diff, f"xlated differs: {', '.join(diff)}" if diff else ""
    except Exception as e:  # noqa: BLE001 - a measurement: count it and go on
        return False, False, f"{type(e).__name__}: {e}"[:200]
    finally:
        shutil.rmtree(pin_dir, ignore_errors=True)


def objects(args: list[str]) -> list[Path]:
    out = []
    for a in args:
        p = Path(a)
        out += sorted(p.rglob("*.o")) + sorted(p.rglob("*.elf")) if p.is_dir() else [p]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", help="object files or directories of them")
    ap.add_argument("--verbose", "-v", action="store_true", help="say why each object fell short")
    a = ap.parse_args()
    if os.geteuid() != 0 or shutil.which("bpftool") is None:
        sys.exit("parity.py: needs root and bpftool")
    os.makedirs(ROOT)
    c = dict.fromkeys(("objects", "little_endian", "bpftool_loads", "bpfdoctor_loads", "pin_loads",
                       "identical_xlated"), 0)
    try:
        for path in objects(a.paths):
            c["objects"] += 1
            if not little_endian(path):
                continue
            c["little_endian"] += 1
            ref = reference(path)
            if isinstance(ref, str):
                if a.verbose:
                    print(f"  bpftool refuses {path.name}: {ref}")
                continue
            c["bpftool_loads"] += 1
            ok, same, why = ours(path, ref, pin=False)
            c["bpfdoctor_loads"] += ok
            c["identical_xlated"] += same
            pin_ok, _, pin_why = ours(path, ref, pin=True) if ok else (False, False, why)
            c["pin_loads"] += pin_ok
            if a.verbose and (why or not pin_ok):
                print(f"  {path.name}: {why or 'with --pin: ' + pin_why}")
    finally:
        shutil.rmtree(ROOT, ignore_errors=True)
    n = c["bpftool_loads"] or 1
    print(f"objects {c['objects']}, little-endian {c['little_endian']}, bpftool loads {c['bpftool_loads']}")
    print(f"bpfdoctor loads {c['bpfdoctor_loads']} ({100 * c['bpfdoctor_loads'] // n}%), "
          f"with --pin {c['pin_loads']} ({100 * c['pin_loads'] // n}%), "
          f"identical xlated {c['identical_xlated']}")
    return 0 if c["bpfdoctor_loads"] == c["pin_loads"] == c["identical_xlated"] == c["bpftool_loads"] else 1


if __name__ == "__main__":
    sys.exit(main())
