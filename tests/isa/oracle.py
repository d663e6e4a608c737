"""Build BPF objects from arbitrary instruction words and read llvm-objdump's
view of them: the oracle the ISA formatter is tested against."""

from __future__ import annotations

import itertools
import random
import re
import shutil
import subprocess
from pathlib import Path

CLANG = shutil.which("clang-19")
OBJDUMP = shutil.which("llvm-objdump-19")

REGS = (0, 1, 10, 11, 15)
OFFS = (0, 1, -1, 8, 16, 32, 0x7FFF, -0x8000)
IMMS = (0, 1, -1, 0x10, 0x20, 0x40, 0x41, 0x51, 0xA1, 0xE1, 0xF1, 0x100, 0x110, 0x7FFFFFFF, -0x80000000, 0x50, 0xA0)


def words(seed: int = 1, random_extra: int = 4000) -> list[tuple[int, int, int, int, int | None]]:
    """(code, regs_byte, off, imm, imm_hi) for every opcode with field variations,
    plus random words.  ld_imm64 (0x18) carries a second slot."""
    out = []
    for code in range(256):
        for regs, off, imm in itertools.product((0x00, 0x21, 0xA1, 0x1B, 0xFF), OFFS[:4], IMMS):
            out.append((code, regs, off, imm, 7 if code == 0x18 else None))
        for off in OFFS[4:]:
            out.append((code, 0x21, off, 5, 0 if code == 0x18 else None))
    # An all-zero first slot would be skipped as "..." by llvm-objdump (zero-run
    # skipping is tested on its own); keep the stream aligned here.
    out = [w for w in out if (w[0], w[1], w[2], w[3]) != (0, 0, 0, 0)]
    rng = random.Random(seed)
    for _ in range(random_extra):
        code = rng.randrange(256)
        out.append((code, rng.randrange(256), rng.randrange(-0x8000, 0x8000),
                    rng.randrange(-(1 << 31), 1 << 31),
                    rng.randrange(-(1 << 31), 1 << 31) if code == 0x18 else None))
    return out


def to_bytes(ws, little_endian: bool = True) -> bytes:
    import struct
    st = struct.Struct("<BBhi" if little_endian else ">BBhi")
    b = bytearray()
    for code, regs, off, imm, hi in ws:
        b += st.pack(code, regs, off, imm)
        if hi is not None:
            b += st.pack(0, 0, 0, hi)
    return bytes(b)


def build_object(data: bytes, path: Path, little_endian: bool = True, section: str = "socket") -> Path:
    """Assemble ``data`` as the body of one function in ``section``."""
    src = path.with_suffix(".s")
    lines = [f'\t.section "{section}","ax",@progbits', "\t.globl f", "\t.type f,@function", "f:"]
    for i in range(0, len(data), 16):
        lines.append("\t.byte " + ",".join(str(b) for b in data[i:i + 16]))
    lines.append("\t.size f, .-f")
    src.write_text("\n".join(lines) + "\n")
    target = "bpfel" if little_endian else "bpfeb"
    subprocess.run([CLANG, "-target", target, "-c", str(src), "-o", str(path)], check=True)
    return path


_LINE = re.compile(r"^\s*(\d+):\t(.*)$")


def objdump_texts(obj: Path, extra=()) -> dict[int, str]:
    """slot index -> instruction text (``--no-show-raw-insn``)."""
    out = subprocess.run([OBJDUMP, "-d", "--no-show-raw-insn", *extra, str(obj)], check=True,
                         capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        m = _LINE.match(line)
        if m:
            res[int(m.group(1))] = m.group(2)
    return res
