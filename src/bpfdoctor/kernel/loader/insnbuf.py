"""A program's instructions as a mutable little-endian byte buffer.

The loader patches a few fields of a few instructions (map fds, call
offsets, CO-RE values); decoding every instruction into records and
re-encoding them would cost more than the patching.  Layout of
``struct bpf_insn`` (include/uapi/linux/bpf.h): ``code:u8 | dst:4 src:4 |
off:s16 | imm:s32``, dst in the low nibble on a little-endian host.
"""

from __future__ import annotations

import struct

_INSN = struct.Struct("<BBhi")
INSN_SIZE = 8


class InsnBuf:
    """Instructions of one function; index ``i`` is slot ``i`` (ld_imm64 uses two)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes | bytearray) -> None:
        self.data = bytearray(data)

    def __len__(self) -> int:
        return len(self.data) // INSN_SIZE

    def get(self, i: int) -> tuple[int, int, int, int, int]:
        """(code, dst, src, off, imm) of slot ``i``."""
        code, regs, off, imm = _INSN.unpack_from(self.data, i * INSN_SIZE)
        return code, regs & 0xF, regs >> 4, off, imm

    def set(self, i: int, *, code: int | None = None, src: int | None = None, dst: int | None = None,
            off: int | None = None, imm: int | None = None) -> None:
        c, d, s, o, m = self.get(i)
        c = c if code is None else code
        d = d if dst is None else dst
        s = s if src is None else src
        o = o if off is None else off
        m = m if imm is None else _s32(imm)
        _INSN.pack_into(self.data, i * INSN_SIZE, c, (s << 4) | d, o, m)

    def extend(self, other: "InsnBuf") -> None:
        self.data += other.data

    def copy(self) -> "InsnBuf":
        return InsnBuf(self.data)

    def tobytes(self) -> bytes:
        return bytes(self.data)


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v
