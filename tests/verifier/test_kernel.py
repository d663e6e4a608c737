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


def test_the_opcodes_the_kernel_calls_unknown_are_the_ones_no_isa_defines(bpf_loader):
    """explain's sign for "unknown opcode XX" (signs.defined_opcode) against this kernel's
    table (bpf_opcode_in_insntable): every byte Linux 6.18 calls unknown is undefined for
    us, and every other byte is defined, but for callx (0x8d: LLVM's, no kernel's yet)
    and the LDX modes the kernel refuses earlier ("BPF_LDX uses reserved fields")."""
    from bpfdoctor.verifier.signs import defined_opcode

    from . import rawbpf

    unknown = set()
    for code in range(256):
        prog = (rawbpf.insn(0xB7) + rawbpf.insn(code) + rawbpf.insn(0) + rawbpf.insn(0xB7)
                + rawbpf.insn(0x95))
        result = rawbpf.load(prog, log_level=1)
        if f"unknown opcode {code:02x}" in result.log:
            unknown.add(code)
    ldx_refused = {c for c in range(256) if c & 7 == 1 and c & 0xE0 not in (0x60, 0x80)}
    undefined = {c for c in range(256) if not defined_opcode(c)}
    assert unknown == (undefined - ldx_refused) | {0x8D}
