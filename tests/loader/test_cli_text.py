"""``bpfdoctor load`` text output: the log at --log-level, the maps table,
plurals (issue 11 items 16 and 18)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from testlib import BUILD, run_cli  # noqa: E402


def _map(name: str, map_type: int):
    from bpfdoctor.kernel.loader.results import MapResult

    return MapResult(name, name, "btf", map_type, 7, 4, 8, 1, 0)


def test_a_15_character_map_name_is_not_glued_to_its_type():
    from bpfdoctor.render.load import map_lines

    lines = map_lines([_map("abcdefghijklmno", 21), _map("x", 1)])  # percpu_cgroup_storage, hash
    assert "abcdefghijklmno  percpu_cgroup_storage  id 7" in lines[0]
    assert lines[1].index("hash") == lines[0].index("percpu_cgroup_storage")


def test_one_state_is_singular():
    from bpfdoctor.doctor.load_report import ProgramReport
    from bpfdoctor.kernel.loader.results import ProgramResult, VerifierStats
    from bpfdoctor.render.load import program_lines

    r = ProgramResult("p", "xdp", "xdp", None, "loaded", insn_count=1, id=1, tag="t", xlated_len=8,
                      jited_len=8, verified_insns=2, stats=VerifierStats(2, total_states=1, peak_states=1))
    text = "\n".join(t for t, _ in program_lines(ProgramReport(r), False))
    assert "1 state (peak 1)" in text and "1 states" not in text


@pytest.mark.kernel
def test_log_level_2_prints_the_log_in_text_mode(kernel):
    r = run_cli("--no-color", "load", str(BUILD / "multi_prog.o"), "--program", "xdp_count", "--log-level", "2")
    assert r.exit_code == 0, r.output
    assert "verifier log:" in r.stdout and "processed" in r.stdout


@pytest.mark.kernel
def test_the_report_is_a_record_and_its_dict_is_the_json(kernel):
    """The library builds the report (doctor.load_report); --json prints its to_dict()."""
    import json

    from bpfdoctor.doctor.load_report import load_report
    from bpfdoctor.kernel.loader import load_object

    with load_object(str(BUILD / "load_reject.o")) as lo:
        report = load_report(lo, with_log=False)
    assert (report.loaded, report.rejected, report.exit_code) == (0, 1, 1)
    (p,) = report.programs
    assert p.explanation.id == "map-value-out-of-bounds" and p.diagnostic is not None
    assert p.log_tail and p.log is None
    r = run_cli("load", "--json", str(BUILD / "load_reject.o"))
    assert r.exit_code == 1
    cli = json.loads(r.stdout)
    ours = json.loads(json.dumps(report.to_dict()))
    for d in (cli, ours):  # what differs between two loads: ids, and the kernel's pointers in the log
        d["programs"][0]["log_tail"] = []
        for m in d["maps"]:
            m["id"] = 0
    assert cli == ours
