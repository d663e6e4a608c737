"""A tiny eBPF instruction encoder for probe programs.

Only the handful of instructions the probes need.  The full encoder/decoder
lives in :mod:`bpfdoctor.isa`; this one stays so the kernel layer has no
dependency on it.  Layout (include/uapi/linux/bpf.h ``struct bpf_insn``,
little-endian host): ``code:u8 | dst:4 src:4 | off:s16 | imm:s32``.
"""

from __future__ import annotations

import struct

_INSN = struct.Struct("<BBhi")

# classes
LD, ALU, JMP, JMP32, ALU64 = 0x00, 0x04, 0x05, 0x06, 0x07
# ALU/JMP op codes and sources
K, X = 0x00, 0x08
ADD, SUB, MOV = 0x00, 0x10, 0xB0
JA, JEQ, JNE, JLT = 0x00, 0x10, 0x50, 0xA0
CALL, EXIT = 0x80, 0x90
DW, IMM = 0x18, 0x00


def insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return _INSN.pack(code, (src << 4) | dst, off, imm)


def mov64_imm(dst: int, imm: int) -> bytes:
    return insn(ALU64 | MOV | K, dst, imm=imm)


def movsx64(dst: int, src: int, bits: int) -> bytes:
    """ISA v4 sign-extending move: ``off`` holds 8, 16 or 32."""
    return insn(ALU64 | MOV | X, dst, src, off=bits)


def alu64_imm(op: int, dst: int, imm: int) -> bytes:
    return insn(ALU64 | op | K, dst, imm=imm)


def jmp_imm(op: int, dst: int, imm: int, off: int) -> bytes:
    return insn(JMP | op | K, dst, off=off, imm=imm)


def jmp32_imm(op: int, dst: int, imm: int, off: int) -> bytes:
    return insn(JMP32 | op | K, dst, off=off, imm=imm)


def call(helper_id: int) -> bytes:
    return insn(JMP | CALL, imm=helper_id)


def exit_() -> bytes:
    return insn(JMP | EXIT)


def ld_map_fd(dst: int, fd: int) -> bytes:
    """``r = map`` (BPF_LD_IMM64 with src BPF_PSEUDO_MAP_FD): two slots."""
    return insn(LD | DW | IMM, dst, 1, imm=fd) + insn(0)


def return_imm(value: int = 0) -> bytes:
    """``r0 = value; exit``: the smallest valid program."""
    return mov64_imm(0, value) + exit_()
