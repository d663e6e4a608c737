"""Which code a campaign ran on: the bpfdoctor source files a family's
targets execute, and one hash over them.

A million executions count only on the code as it ships.  The campaign
records this fingerprint in its summary; ``--resume`` starts again from zero
when a file it covers has changed since, and ``status`` says whether each
summary still matches the checkout.  The files are the bpfdoctor modules a fresh
interpreter imports to run the family on its seeds (the commands import
lazily), so a change to a module the family never loads does not count.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "bpfdoctor"


def family_files(target: str, count: int = 60) -> list[str]:
    """The bpfdoctor files (relative paths) a fresh interpreter loads to run
    ``target`` (a target or a family) on its first ``count`` seeds: the
    modules whose functions run and the tables they read."""
    import json
    import subprocess

    root = PACKAGE.parents[1]
    out = subprocess.run([sys.executable, "-m", "tests.fuzz", "codeprint", target, str(count)], cwd=root,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def loaded_files(target: str, count: int) -> list[str]:
    """In this (fresh) process: run the target on its seeds and list the
    bpfdoctor modules that were imported for it."""
    from .contract import run_one
    from .seeds import seeds
    from .targets import resolve, warm

    kind, _, fn = resolve(target)
    warm(target)
    for data in seeds(kind)[:count]:
        try:
            run_one(fn, data, timed=False)
        except Exception:  # noqa: BLE001 - what ran counts, not whether it passed
            pass
    base = os.path.realpath(os.path.dirname(sys.modules["bpfdoctor"].__file__))
    files = set()
    for name, mod in list(sys.modules.items()):
        f = getattr(mod, "__file__", None)
        if name.split(".")[0] == "bpfdoctor" and f:
            files.add(os.path.relpath(os.path.realpath(f), base))
    return sorted(files)


def fingerprint(files: list[str]) -> str:
    """One hash over the files' paths and contents (a missing file counts as changed)."""
    h = hashlib.sha256()
    for rel in files:
        path = PACKAGE / rel
        h.update(rel.encode() + b"\0")
        h.update(path.read_bytes() if path.is_file() else b"<missing>")
        h.update(b"\0")
    return h.hexdigest()[:16]


def code_record(target: str) -> dict:
    files = family_files(target)
    return {"sha": fingerprint(files), "files": files}


def still_same(code: dict) -> bool:
    return fingerprint(code["files"]) == code["sha"]
