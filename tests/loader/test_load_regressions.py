"""Objects that once made ``load`` print a traceback: each loads to a
one-line error or a report, and leaves nothing in the kernel.

The first came from loading the ELF families' campaign corpora; the
``loader`` fuzz family (what ``load`` does before its first ``bpf()`` call,
run without the kernel) saves its own in ``tests/fuzz/regressions/
loader.prepare``, and each of those is loaded here for real too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from testlib import run_cli

from bpfdoctor.kernel import objects
from bpfdoctor.kernel.objects import ObjKind

FUZZED = Path(__file__).resolve().parents[1] / "fuzz" / "regressions" / "loader.prepare"
SAVED = sorted((Path(__file__).parent / "regressions").glob("*.o")) + sorted(FUZZED.iterdir())


@pytest.mark.parametrize("path", SAVED, ids=lambda p: p.name)
def test_saved_object_loads_to_an_answer(kernel, path):
    before = {k: set(objects.ids(k)) for k in (ObjKind.PROG, ObjKind.MAP)}
    res = run_cli("load", str(path))
    after = {k: set(objects.ids(k)) for k in (ObjKind.PROG, ObjKind.MAP)}
    assert all(after[k] <= before[k] for k in after), "load left programs or maps behind"
    assert "Traceback" not in res.stderr, res.stderr
    assert res.exit_code in (0, 1, 2), (res.exit_code, res.stderr)
    if res.exit_code == 2:
        assert res.stderr.startswith(f"bpfdoctor: {path}:") and res.stderr.count("\n") <= 2, res.stderr


def test_there_are_saved_objects():
    assert len(SAVED) >= 3 and any(p.parent == FUZZED for p in SAVED)
