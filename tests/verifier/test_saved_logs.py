"""Offline: every saved log (captured on Linux 6.18) is explained as expected."""

from __future__ import annotations

import pytest

from bpfdoctor.verifier import Verdict, explain_log, parse_file
from bpfdoctor.verifier.explain import failing_index
from .expected import EXPECTED, LEVEL1_WITHOUT_INSN

from .conftest import LOGS


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_level2_log(name):
    entry_id, insn, line = EXPECTED[name]
    result = explain_log(parse_file(LOGS / f"{name}.log"))
    assert result.finding.id == entry_id
    assert failing_index(result.log) == insn
    assert (result.source.line if result.source else None) == line
    if result.source:
        assert result.source.file.endswith(f"{name}.c")
    assert result.exit_code == (0 if entry_id == "verifier-accepted" else 1)


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if (LOGS / f"{n}.l1.log").exists()))
def test_level1_bpftool_output(name):
    """The .l1.log files are bpftool's whole stderr: libbpf framing around a level-1 log."""
    entry_id, insn, line = EXPECTED[name]
    parsed = parse_file(LOGS / f"{name}.l1.log")
    result = explain_log(parsed)
    assert result.finding.id == entry_id
    assert parsed.program == name
    assert parsed.errno in (7, 13, 22)   # E2BIG, EACCES, EINVAL as libbpf reported them
    if name not in LEVEL1_WITHOUT_INSN:
        assert failing_index(parsed) == insn
        assert (result.source.line if result.source else None) == line


def test_every_saved_log_is_expected():
    names = {p.name.split(".")[0] for p in LOGS.glob("*.log")}
    assert names == set(EXPECTED)


def test_truncated_head_is_reported():
    parsed = parse_file(LOGS / "too_large.log")
    assert parsed.truncated
    assert any("head was cut" in n for n in parsed.notes)
    assert parsed.stats.processed_insns == 1000001


def test_registers_before_failing_insn():
    parsed = parse_file(LOGS / "map_value_null.log")
    assert parsed.registers["R0"].startswith("map_value_or_null(")
    assert explain_log(parsed).registers == {"R0": parsed.registers["R0"]}


def test_caller_saved_registers_cleared_after_call():
    parsed = parse_file(LOGS / "caller_saved.log")
    assert "R1" not in parsed.registers
    assert explain_log(parsed).registers == {"R1": "not initialised"}


def test_unreleased_reference_names_the_acquiring_call():
    ev = explain_log(parse_file(LOGS / "unreleased_socket.log")).finding.evidence
    assert ev["acquired_by"] == "12: call bpf_sk_lookup_tcp#84"
    ev = explain_log(parse_file(LOGS / "unreleased_ringbuf.log")).finding.evidence
    assert "bpf_ringbuf_reserve" in ev["acquired_by"]


def test_accepted_log():
    parsed = parse_file(LOGS / "ok_program.log")
    assert parsed.verdict is Verdict.ACCEPTED
    assert parsed.error is None and not parsed.notes
    assert parsed.stats.processed_insns == 12 and parsed.stats.stack_depth == (8,)
