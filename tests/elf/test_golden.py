"""Golden comparisons with the reference tools on every fixture object:
``disasm`` = ``llvm-objdump-19 -d`` (with and without raw bytes; ``-r`` =
``-dr``), ``elf
sections`` = ``llvm-objdump-19 -h``, ``elf relocs`` = ``llvm-readelf-19 -r``,
``elf symbols`` = ``llvm-readelf-19 -s``.  Byte for byte."""

from __future__ import annotations

import os
import subprocess

import pytest
from testlib import BUILD, fixture_objects, require_tool, run_cli

pytestmark = pytest.mark.tools

CASES = [
    (["disasm"], ["llvm-objdump-19", "-d"]),
    (["disasm", "--no-show-raw-insn"], ["llvm-objdump-19", "-d", "--no-show-raw-insn"]),
    # relocation targets (maps, functions, data) and CO-RE records under each instruction
    (["disasm", "-r"], ["llvm-objdump-19", "-dr"]),
    (["disasm", "-r", "--no-show-raw-insn"], ["llvm-objdump-19", "-dr", "--no-show-raw-insn"]),
    (["elf", "sections"], ["llvm-objdump-19", "-h"]),
    (["elf", "relocs"], ["llvm-readelf-19", "-r"]),
    (["elf", "symbols"], ["llvm-readelf-19", "-s"]),
]
OBJECTS = fixture_objects() or [BUILD / "multi_prog.o"]


def ours(args: list[str], path: str, cwd) -> str:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        res = run_cli(*args, path)
    finally:
        os.chdir(old)
    assert res.exit_code == 0, res.stderr
    return res.stdout


def theirs(cmd: list[str], path: str, cwd) -> str:
    require_tool(cmd[0])
    return subprocess.run([*cmd, path], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("path", OBJECTS, ids=lambda p: p.name)
@pytest.mark.parametrize("ours_args,ref_cmd", CASES, ids=lambda c: " ".join(c) if isinstance(c, list) else c)
def test_fixture_matches_reference(path, ours_args, ref_cmd, build_dir):
    assert path.exists(), f"{path} not built"
    assert ours(ours_args, path.name, path.parent) == theirs(ref_cmd, path.name, path.parent)


def test_large_object_matches(build_dir):
    big = build_dir / "large.o"
    assert ours(["disasm"], big.name, build_dir) == theirs(["llvm-objdump-19", "-d"], big.name, build_dir)


LABELS_ASM = """
\t.section "xdp","ax",@progbits
\t.globl zeta
\t.type zeta,@function
\t.globl alpha
\t.type alpha,@function
zeta:
alpha:
\tr0 = 1
\tif r0 == 0 goto LBB0_2
\tr0 = 2
LBB0_2:
mid:
\tr0 = 3
\texit
\t.globl gob
\t.type gob,@object
gob:
\tr0 = 4
\tgoto LBB0_2
\t.section "empty1","ax",@progbits
\t.section "nosym","ax",@progbits
\t.byte 0xb7,0,0,0,1,0,0,0
\t.byte 0x05,0,0xfe,0xff,0,0,0,0
\t.byte 0x95,0,0,0,0,0,0,0
\t.byte 0,0,0,0,0,0,0,0
\t.byte 0,0,0,0,0,0,0,0,0,0,0,0
\t.byte 0x95,0,0,0,0,0,0,0
\t.byte 0x18,1,0,0,5,0,0,0
\t.byte 0x95,0,0,0
"""


@pytest.mark.parametrize("target", ["bpfel", "bpfeb"])
def test_label_rules_zero_runs_and_data_symbols(tmp_path, target):
    """Several symbols at one address, local labels, an STT_OBJECT in code,
    an empty code section, a section without symbols, a zero run that
    llvm-objdump skips as '...', and a truncated ld_imm64 at the end."""
    clang = require_tool("clang-19")
    src = tmp_path / "labels.s"
    src.write_text(LABELS_ASM)
    subprocess.run([clang, "-target", target, "-c", str(src), "-o", str(tmp_path / "labels.o")], check=True)
    for args, cmd in CASES:
        assert ours(args, "labels.o", tmp_path) == theirs(cmd, "labels.o", tmp_path), args
