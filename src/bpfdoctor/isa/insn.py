"""The BPF instruction as a value, and decoding/encoding for both byte orders."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from bpfdoctor.errors import ParseError
from bpfdoctor.isa.opcodes import LD_IMM64, InsnClass, Mode, Size, Source

_LE = struct.Struct("<BBhi")
_BE = struct.Struct(">BBhi")


@dataclass(frozen=True, slots=True)
class Instruction:
    """One BPF instruction; ``ld_imm64`` carries its second slot in ``imm_hi``.

    ``index`` is the slot number in its section or program (an ``ld_imm64``
    uses two slots, so indexes can skip one).
    """

    code: int
    dst: int
    src: int
    off: int
    imm: int
    imm_hi: int | None = None
    index: int = 0
    # The second slot's code/regs/off, which must be zero for a valid ld_imm64.
    hi_rest: tuple[int, int, int] = (0, 0, 0)

    @property
    def cls(self) -> InsnClass:
        return InsnClass(self.code & 0x07)

    @property
    def op(self) -> int:
        return self.code & 0xF0

    @property
    def source(self) -> int:
        return self.code & 0x08

    @property
    def size(self) -> int:
        return self.code & 0x18

    @property
    def mode(self) -> int:
        return self.code & 0xE0

    @property
    def is_wide(self) -> bool:
        return self.imm_hi is not None

    @property
    def slots(self) -> int:
        return 2 if self.imm_hi is not None else 1

    @property
    def imm64(self) -> int:
        """The unsigned 64-bit immediate of ``ld_imm64`` (or imm as u32)."""
        lo = self.imm & 0xFFFFFFFF
        if self.imm_hi is None:
            return lo
        return ((self.imm_hi & 0xFFFFFFFF) << 32) | lo

    def encode(self, little_endian: bool = True) -> bytes:
        return encode(self, little_endian)


def split_regs(regs: int, little_endian: bool) -> tuple[int, int]:
    """(dst, src) from the register byte, by byte order."""
    if little_endian:
        return regs & 0x0F, regs >> 4
    return regs >> 4, regs & 0x0F


def join_regs(dst: int, src: int, little_endian: bool) -> int:
    if little_endian:
        return (src << 4) | dst
    return (dst << 4) | src


def iter_raw(data: bytes | memoryview, little_endian: bool = True):
    """Yield ``(code, regs, off, imm)`` per 8-byte slot; a trailing partial
    slot is ignored (callers check ``len(data) % 8``)."""
    st = _LE if little_endian else _BE
    usable = len(data) - len(data) % 8
    return st.iter_unpack(memoryview(data)[:usable])


def decode(data: bytes | memoryview, little_endian: bool = True, *, path: str | None = None,
           section: str | None = None, base: int = 0) -> list[Instruction]:
    """Decode a whole instruction stream.

    Raises ``ParseError`` when the length is not a multiple of 8 or an
    ``ld_imm64`` lacks its second slot.  Unknown opcodes are not errors: they
    decode to an ``Instruction`` with that code, for the formatter to show.
    """
    if len(data) % 8:
        raise ParseError(path, f"instruction stream length {len(data)} is not a multiple of 8",
                         section=section, offset=len(data) - len(data) % 8)
    out: list[Instruction] = []
    append = out.append
    raw = list(iter_raw(data, little_endian))
    i = 0
    n = len(raw)
    while i < n:
        code, regs, off, imm = raw[i]
        dst, src = split_regs(regs, little_endian)
        if code == LD_IMM64:
            if i + 1 >= n:
                raise ParseError(path, "ld_imm64 without its second slot", section=section,
                                 offset=(base + i) * 8)
            c2, r2, o2, imm2 = raw[i + 1]
            append(Instruction(code, dst, src, off, imm, imm2, base + i, (c2, r2, o2)))
            i += 2
        else:
            append(Instruction(code, dst, src, off, imm, None, base + i))
            i += 1
    return out


def encode(insn: Instruction, little_endian: bool = True) -> bytes:
    st = _LE if little_endian else _BE
    first = st.pack(insn.code, join_regs(insn.dst, insn.src, little_endian), insn.off, insn.imm)
    if insn.imm_hi is None:
        return first
    c2, r2, o2 = insn.hi_rest
    return first + st.pack(c2, r2, o2, insn.imm_hi)


def encode_all(insns, little_endian: bool = True) -> bytes:
    return b"".join(encode(i, little_endian) for i in insns)


# Small constructors, for probes, tests and the loader.
def mov64_imm(dst: int, imm: int) -> Instruction:
    return Instruction(InsnClass.ALU64 | 0xB0 | Source.K, dst, 0, 0, imm)


def mov64_reg(dst: int, src: int) -> Instruction:
    return Instruction(InsnClass.ALU64 | 0xB0 | Source.X, dst, src, 0, 0)


def ld_imm64(dst: int, value: int, src: int = 0) -> Instruction:
    value &= 0xFFFFFFFFFFFFFFFF
    lo, hi = value & 0xFFFFFFFF, value >> 32
    return Instruction(LD_IMM64, dst, src, 0, _s32(lo), _s32(hi))


def call_helper(func_id: int) -> Instruction:
    return Instruction(InsnClass.JMP | 0x80, 0, 0, 0, func_id)


def exit_insn() -> Instruction:
    return Instruction(InsnClass.JMP | 0x90, 0, 0, 0, 0)


def ldx_mem(size: int, dst: int, src: int, off: int) -> Instruction:
    return Instruction(InsnClass.LDX | Mode.MEM | size, dst, src, off, 0)


def stx_mem(size: int, dst: int, src: int, off: int) -> Instruction:
    return Instruction(InsnClass.STX | Mode.MEM | size, dst, src, off, 0)


def st_mem(size: int, dst: int, off: int, imm: int) -> Instruction:
    return Instruction(InsnClass.ST | Mode.MEM | size, dst, 0, off, imm)


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


__all__ = [
    "Instruction", "decode", "encode", "encode_all", "iter_raw", "split_regs", "join_regs",
    "mov64_imm", "mov64_reg", "ld_imm64", "call_helper", "exit_insn", "ldx_mem", "stx_mem", "st_mem",
    "Size",
]
