"""Every input a fuzz campaign ever failed on, replayed on every run.

Each saved input (tests/fuzz/regressions/<target>/) goes through its target
under the contract (a result or a BpfDoctorError, output printable on a
strict UTF-8 stdout), then through ``bpfdoctor.cli.main`` with the argv of
each CLI view of that target: exit code 0, 1 or 2 and never a traceback.
"""

from __future__ import annotations

import pytest

from testlib import time_limit

from bpfdoctor.cli import main

from .contract import run_one
from .seeds import BUILD, REGRESSIONS
from .targets import TARGETS, _fake_root, warm

HANG_SECONDS = 120  # a saved hang fails the test instead of stopping the suite

CASES = sorted((t, p) for t in TARGETS if (REGRESSIONS / t).is_dir() for p in (REGRESSIONS / t).iterdir())


def test_the_corpus_is_not_empty():
    assert CASES, "tests/fuzz/regressions holds no input"
    assert all(t in TARGETS for t in (p.name for p in REGRESSIONS.iterdir())), "a folder names no target"


@pytest.mark.parametrize("target,path", CASES, ids=[f"{t}/{p.name}" for t, p in CASES])
def test_target_keeps_the_contract(target, path):
    warm(target)
    with time_limit(HANG_SECONDS, f"{target}/{path.name}"):
        run_one(TARGETS[target].fn, path.read_bytes(), timed=False)


@pytest.mark.parametrize("target,path", CASES, ids=[f"{t}/{p.name}" for t, p in CASES])
def test_cli_prints_no_traceback(target, path, tmp_path, capsysbinary):
    src = tmp_path / "input"
    src.write_bytes(path.read_bytes())
    for argv in TARGETS[target].cli:
        args = [str(src) if a == "{}" else _fake_root() if a == "@root" else
                str(BUILD / "core.o") if a == "core@" else a for a in argv]
        with pytest.raises(SystemExit) as exit_info, time_limit(HANG_SECONDS, " ".join(args)):
            main(args)
        _, err = capsysbinary.readouterr()  # btf dump --format c writes names' own bytes, like bpftool
        err = err.decode("utf-8", "backslashreplace")
        assert exit_info.value.code in (0, 1, 2), (args, err)
        assert "Traceback" not in err, (args, err)
        if exit_info.value.code == 2:
            assert err.startswith("bpfdoctor: ") and err.count("\n") <= 2, err
