"""Every opcode, with many field values and thousands of random words, in
both byte orders: our llvm-syntax text equals llvm-objdump-19's, line by line."""

from __future__ import annotations

import re

import pytest

from bpfdoctor.isa import llvm
from bpfdoctor.isa.insn import split_regs

from testlib import require_tool  # noqa: F401  (tests/ is on sys.path via rootdir conftest)

from . import oracle

pytestmark = pytest.mark.tools


@pytest.mark.parametrize("little", [True, False], ids=["bpfel", "bpfeb"])
def test_every_opcode_matches_llvm_objdump(tmp_path, little):
    require_tool("clang-19")
    require_tool("llvm-objdump-19")
    ws = oracle.words(seed=7 if little else 11)
    obj = oracle.build_object(oracle.to_bytes(ws, little), tmp_path / "w.o", little)
    ref = oracle.objdump_texts(obj)
    idx = 0
    mismatches = []
    for code, regs, off, imm, hi in ws:
        dst, src = split_regs(regs, little)
        ours = llvm.text(code, dst, src, off, imm, hi)
        theirs = ref.get(idx)
        if theirs is not None and ours != llvm.UNKNOWN:
            theirs = re.sub(r" <f[^>]*>$", "", theirs)
        if ours != theirs:
            mismatches.append((idx, f"{code:#04x}", regs, off, imm, hi, ours, theirs))
        # An ld_imm64 word is two slots whether or not it decodes (when it does
        # not, llvm-objdump shows the second slot as an instruction of its own).
        idx += 2 if hi is not None else 1
    assert len(ws) > 90_000
    assert not mismatches, mismatches[:20]
