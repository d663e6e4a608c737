"""On the running kernel: each fixture is rejected, and bpfdoctor names its entry.

Loads go through tools/capture_verifier_logs.py (bpftool in a private bpffs,
pin removed, ``bpftool prog show`` checked afterwards) or, for hand-built
instructions, rawbpf's ctypes BPF_PROG_LOAD (fd closed at once).
"""

from __future__ import annotations

import pytest

from bpfdoctor.verifier import Verdict, explain_log, parse_text
from bpfdoctor.verifier.explain import failing_index
from .conftest import FIXTURES
from .expected import EXPECTED
from .rawbpf import RAW_FIXTURES

pytestmark = pytest.mark.kernel

OBJECT_FIXTURES = sorted(p.stem for p in FIXTURES.glob("*.c"))


@pytest.mark.parametrize("name", OBJECT_FIXTURES)
def test_fixture_on_kernel(bpf_loader, built_fixtures, name):
    tool = bpf_loader
    entry_id, insn, _ = EXPECTED[name]
    # level 1 for the 1M-instruction program: its level-2 log is hundreds of MB
    debug = name != "too_large"
    caps = tool.drop_caps_for(FIXTURES / f"{name}.c")
    result = tool.load_with_bpftool(built_fixtures / f"{name}.o", debug=debug, drop_caps=caps)
    parsed = parse_text(result.stderr, program=name)
    explained = explain_log(parsed)
    if entry_id == "verifier-accepted":
        assert result.ok and parsed.verdict is Verdict.ACCEPTED and explained.exit_code == 0
        return
    assert not result.ok, f"{name} loaded but should be rejected"
    assert explained.finding.id == entry_id, parsed.error
    if name != "too_large":  # where the walk stops in a 1M-insn loop is not fixed
        assert failing_index(parsed) == insn


@pytest.mark.parametrize("name", sorted(RAW_FIXTURES))
def test_raw_fixture_on_kernel(bpf_loader, name):
    build, entry_id = RAW_FIXTURES[name]
    result = build()
    assert not result.ok
    explained = explain_log(parse_text(result.log))
    assert explained.finding.id == entry_id == EXPECTED[name][0]
