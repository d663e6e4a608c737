"""``bpfdoctor load`` text output: the log at --log-level, the maps table,
plurals (issue 11 items 16 and 18)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from testlib import BUILD, run_cli  # noqa: E402


def _map(name: str, typ: str) -> dict:
    return {"kernel_name": name, "type": typ, "id": 7, "key_size": 4, "value_size": 8,
            "max_entries": 1, "pinned": None}


def test_a_15_character_map_name_is_not_glued_to_its_type():
    from bpfdoctor.cli.load import map_lines

    lines = map_lines([_map("abcdefghijklmno", "percpu_cgroup_storage"), _map("x", "hash")])
    assert "abcdefghijklmno  percpu_cgroup_storage  id 7" in lines[0]
    assert lines[1].index("hash") == lines[0].index("percpu_cgroup_storage")


def test_one_state_is_singular():
    from bpfdoctor.cli.load import program_lines

    p = {"name": "p", "type": "xdp", "section": "xdp", "status": "loaded", "id": 1, "tag": "t",
         "xlated_bytes": 8, "jited_bytes": 8, "insns": 1, "subprograms": [], "verified_insns": 2,
         "stats": {"processed_insns": 2, "total_states": 1, "peak_states": 1}, "pinned": None,
         "core_relocations": [], "log": None}
    text = "\n".join(t for t, _ in program_lines(p, False))
    assert "1 state (peak 1)" in text and "1 states" not in text


@pytest.mark.kernel
def test_log_level_2_prints_the_log_in_text_mode(kernel):
    r = run_cli("--no-color", "load", str(BUILD / "multi_prog.o"), "--program", "xdp_count", "--log-level", "2")
    assert r.exit_code == 0, r.output
    assert "verifier log:" in r.stdout and "processed" in r.stdout
