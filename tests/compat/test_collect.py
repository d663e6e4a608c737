"""What collect() reads from instructions: ISA level and features."""

from __future__ import annotations

import pytest

from bpfdoctor.compat.collect import ProgramNeeds, _classify
from bpfdoctor.isa.insn import Instruction


def _needs(*insns):
    n = ProgramNeeds("p", "xdp", "XDP", None, None, False)
    for i in insns:
        _classify(i, n)
    return n


@pytest.mark.parametrize("insn,isa,feature", [
    (Instruction(0xB7, 0, 0, 0, 1), "v1", None),                 # r0 = 1
    (Instruction(0xA5, 1, 0, 2, 5), "v2", None),                 # if r1 < 5 goto +2
    (Instruction(0x16, 1, 0, 2, 5), "v3", None),                 # if w1 == 5 goto +2
    (Instruction(0x06, 0, 0, 0, 3), "v4", None),                 # gotol +3
    (Instruction(0xBF, 1, 2, 8, 0), "v4", None),                 # r1 = (s8)r2
    (Instruction(0x3F, 1, 2, 1, 0), "v4", None),                 # r1 s/= r2
    (Instruction(0x91, 1, 2, 0, 0), "v4", None),                 # r1 = *(s8 *)(r2 + 0)
    (Instruction(0xD7, 1, 0, 0, 16), "v4", None),                # r1 = bswap16 r1
    (Instruction(0xDB, 1, 2, 0, 0x01), "v1", "atomic_fetch"),    # lock fetch_add
    (Instruction(0xDB, 1, 2, 0, 0x00), "v1", None),              # lock add (old xadd)
    (Instruction(0xDB, 1, 2, 0, 0x100), "v1", "load_acquire"),
    (Instruction(0xE5, 0, 0, 4, 0), "v1", "may_goto"),
    (Instruction(0xBF, 1, 1, 1, 1), "v1", "arena"),              # addr_space_cast
])
def test_isa_and_features(insn, isa, feature):
    n = _needs(insn)
    assert n.isa == isa
    assert n.features == ({feature} if feature else set())
