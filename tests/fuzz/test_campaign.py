"""A short fuzz campaign per family on every test run.

Each family runs for ``BPFDOCTOR_FUZZ_CI_SECONDS`` (default 8) in its own
process (atheris needs one; the plain mutator runs when atheris is missing),
every input going through every target of the family, from the fixture
seeds and the regression corpus, and must not find a failure.  The long campaign is ``python -m tests.fuzz run --target FAMILY``
(see docs/readme/fuzzing.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .targets import FAMILIES

SECONDS = float(os.environ.get("BPFDOCTOR_FUZZ_CI_SECONDS", "8"))
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("target", sorted(FAMILIES))
def test_short_campaign_finds_nothing(target, tmp_path, build_dir):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env_path()]))
    proc = subprocess.run([sys.executable, "-m", "tests.fuzz", "run", "--target", target,
                           "--seconds", str(SECONDS), "--workdir", str(tmp_path), "--stop-on-failure",
                           "--max-len", "8192"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=SECONDS * 20 + 120)
    summary = tmp_path / f"summary-{target}.json"
    assert summary.exists(), proc.stderr[-3000:]
    result = json.loads(summary.read_text())
    assert not result["failures"], proc.stderr[-3000:]
    assert result["execs"] > 0 or "Done " in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stderr[-3000:]


def env_path() -> str:
    return os.environ.get("PYTHONPATH", "")


def test_a_resumed_campaign_adds_up(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env_path()]))

    def run(execs: int, *extra: str) -> dict:
        proc = subprocess.run([sys.executable, "-m", "tests.fuzz", "run", "--target", "jit.list", "--engine",
                               "builtin", "--execs", str(execs), "--workdir", str(tmp_path),
                               "--ledger", str(tmp_path / "ledger.json"), *extra],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads((tmp_path / "summary-jit.list.json").read_text())

    first = run(40)
    assert first["execs"] >= 40 and "total_execs" not in first
    second = run(100, "--resume")
    assert second["total_execs"] == first["execs"] + second["execs"] >= 100 and second["runs"] == 2
    third = run(100, "--resume")  # already there: nothing runs, the summary stays
    assert third == second


def test_a_campaign_records_its_code_and_starts_again_when_it_changed(tmp_path):
    """--resume adds up only on the same code: the summary holds the files the
    family loads and their hash; a changed file sends the campaign back to zero
    (the old summary kept aside), and ``status`` says which summaries still hold."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env_path()]))
    path = tmp_path / "summary-jit.list.json"

    def run(*args: str) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, "-m", "tests.fuzz", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc

    campaign = ("run", "--target", "jit.list", "--engine", "builtin", "--workdir", str(tmp_path),
                "--ledger", str(tmp_path / "ledger.json"))
    run(*campaign, "--execs", "30")
    first = json.loads(path.read_text())
    assert "jit/logparse.py" in first["code"]["files"] and "verifier/parser.py" not in first["code"]["files"]
    assert "unchanged" in run("status", "--workdir", str(tmp_path)).stdout
    first["code"]["sha"] = "0" * 16  # as if jit/logparse.py had changed since
    path.write_text(json.dumps(first))
    assert "CHANGED" in run("status", "--workdir", str(tmp_path)).stdout
    proc = run(*campaign, "--execs", "60", "--resume")
    again = json.loads(path.read_text())
    assert "starts again from zero" in proc.stderr
    assert "total_execs" not in again and again["execs"] >= 60 and again["code"]["sha"] != "0" * 16
    assert len(list(tmp_path.glob("summary-jit.list.before-*.json"))) == 1


def test_the_campaign_command_runs_families_to_their_count_and_no_further(tmp_path):
    """``campaign``: each family to --execs exactly (the summary is written at
    every input of a run's last thousand), and a family already there ends at once."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env_path()]))

    def campaign(execs: int) -> dict:
        proc = subprocess.run([sys.executable, "-m", "tests.fuzz", "campaign", "--families", "jit", "image",
                               "--lanes", "2", "--execs", str(execs), "--workdir", str(tmp_path),
                               "--ledger", str(tmp_path / "ledger.json")],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "jit: ended (0)" in proc.stdout and "image: ended (0)" in proc.stdout
        return {f: json.loads((tmp_path / f"summary-{f}.json").read_text()) for f in ("jit", "image")}

    first = campaign(50)
    assert [s["execs"] for s in first.values()] == [50, 50]
    again = campaign(50)
    assert again == first  # already at 50 on the same code: nothing ran, nothing rewritten


def test_the_ledger_carries_a_campaign_to_the_next_sitting(tmp_path):
    """A sitting's workdir may be gone by the next one: ``campaign`` records each
    family in the ledger when its run ends, and the next campaign, in another
    workdir, counts those executions on the same code towards --execs."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env_path()]))
    book = tmp_path / "ledger.json"

    def fuzz(*args: str) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, "-m", "tests.fuzz", *args, "--ledger", str(book)], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc

    fuzz("campaign", "--families", "jit", "--execs", "30", "--workdir", str(tmp_path / "one"))
    first = json.loads(book.read_text())["campaigns"]
    assert [(e["target"], e["execs"]) for e in first] == [("jit", 30)] and first[0]["engine"]
    fuzz("campaign", "--families", "jit", "--execs", "50", "--workdir", str(tmp_path / "two"))
    second = json.loads((tmp_path / "two" / "summary-jit.json").read_text())
    assert second["execs"] == 20  # the first sitting's 30 counted
    entries = json.loads(book.read_text())["campaigns"]
    assert sorted(e["execs"] for e in entries) == [20, 30] and len({e["id"] for e in entries}) == 2
    fuzz("ledger", "record", "--workdir", str(tmp_path / "one"), "--workdir", str(tmp_path / "two"))
    assert json.loads(book.read_text())["campaigns"] == entries  # recording again adds nothing
    row = next(line.split() for line in fuzz("ledger").stdout.splitlines() if line.startswith("jit "))
    assert row[1:5] == ["50", "0%", "2", "0"]
    # an entry on other code is history: it no longer counts
    for e in entries:
        e["code"] = "0" * 16
    book.write_text(json.dumps({"campaigns": entries}))
    row = next(line.split() for line in fuzz("ledger").stdout.splitlines() if line.startswith("jit "))
    assert row[1] == "0" and row[-1] == "50"
    fuzz("campaign", "--families", "jit", "--execs", "60", "--workdir", str(tmp_path / "three"))
    assert json.loads((tmp_path / "three" / "summary-jit.json").read_text())["execs"] == 60


def test_campaign_refuses_an_unknown_family_in_one_line(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env_path()]))
    proc = subprocess.run([sys.executable, "-m", "tests.fuzz", "campaign", "--families", "jit", "nope",
                           "--workdir", str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "nope" in proc.stderr
    assert "Traceback" not in proc.stderr and not list(tmp_path.iterdir())  # nothing started


def test_a_family_run_below_its_input_size_does_not_count(tmp_path):
    """At 8 KB no seed of the core family holds a CO-RE relocation: a million such
    executions resolved none.  ``run`` raises --max-len to the family's minimum,
    and the ledger does not count campaigns run below it."""
    from tests.fuzz import ledger
    from tests.fuzz.targets import MIN_LEN

    entry = {"target": "core", "code": "c0de", "id": "a", "execs": 1_000_000, "seconds": 1.0,
             "failures": {}, "max_len": 8192}
    data = {"campaigns": [entry, dict(entry, id="b", execs=7, max_len=MIN_LEN["core"])]}
    st = ledger.standing(data, "core", "c0de")
    assert st["execs"] == 7 and st["earlier"] == 1_000_000
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env_path()]))
    proc = subprocess.run([sys.executable, "-m", "tests.fuzz", "run", "--target", "core", "--execs", "20",
                           "--max-len", "8192", "--workdir", str(tmp_path), "--ledger", str(tmp_path / "l.json")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"raised to {MIN_LEN['core']}" in proc.stderr
    assert json.loads((tmp_path / "summary-core.json").read_text())["max_len"] == MIN_LEN["core"]


def test_a_campaign_that_found_a_failure_does_not_count(tmp_path):
    """The million is a million that found nothing.  A failure fixed in the harness
    (a target's own budget) leaves the code's hash as it was, so neither the ledger
    nor ``--resume`` may count the campaign that found it."""
    from tests.fuzz import ledger

    clean = {"target": "jit", "code": "c0de", "id": "a", "execs": 400_000, "seconds": 1.0,
             "failures": {}, "max_len": 8192}
    data = {"campaigns": [clean, dict(clean, id="b", execs=115_619, failures={"ContractViolation:x": "ab"})]}
    st = ledger.standing(data, "jit", "c0de")
    assert st["execs"] == 400_000 and st["campaigns"] == 1 and st["earlier"] == 115_619
    assert list(st["failures"]) == ["ContractViolation:x"]  # shown, not counted
    assert [e["id"] for e in ledger.on_code(data, "jit", "c0de")] == ["a"]

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env_path()]))
    path = tmp_path / "summary-jit.list.json"
    campaign = [sys.executable, "-m", "tests.fuzz", "run", "--target", "jit.list", "--engine", "builtin",
                "--workdir", str(tmp_path), "--ledger", str(tmp_path / "ledger.json")]
    proc = subprocess.run(campaign + ["--execs", "30"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    first = json.loads(path.read_text())
    first["failures"] = {"ContractViolation:super-linear?": "ab"}  # as if it had found one
    path.write_text(json.dumps(first))
    proc = subprocess.run(campaign + ["--execs", "60", "--resume"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    again = json.loads(path.read_text())
    assert "found a failure: it starts again from zero" in proc.stderr
    assert again["campaign"] != first["campaign"] and not again["failures"] and again["execs"] >= 60
    assert "total_execs" not in again
