"""BPF opcode constants (include/uapi/linux/bpf_common.h, linux/bpf.h).

An instruction is 8 bytes::

    msb                                                        lsb
    +------------------------+----------------+----+----+--------+
    |immediate (32, signed)  |offset (16, s.) |src |dst |opcode  |
    +------------------------+----------------+----+----+--------+
     bytes 4..7               bytes 2..3       byte 1    byte 0

The register byte holds dst in its low nibble and src in its high nibble on
little-endian targets, and the other way round on big-endian targets (LLVM
``-target bpfeb``).  ``ld_imm64`` (opcode 0x18) takes two slots: the second
slot's immediate is the upper 32 bits.

The opcode byte::

    ALU/ALU64/JMP/JMP32:  | op (4 bits) | source (1) | class (3) |
    LD/LDX/ST/STX:        | mode (3)    | size (2)   | class (3) |
"""

from __future__ import annotations

from enum import IntEnum


class InsnClass(IntEnum):
    LD = 0x00
    LDX = 0x01
    ST = 0x02
    STX = 0x03
    ALU = 0x04
    JMP = 0x05
    JMP32 = 0x06
    ALU64 = 0x07


class Size(IntEnum):
    W = 0x00
    H = 0x08
    B = 0x10
    DW = 0x18


class Mode(IntEnum):
    IMM = 0x00
    ABS = 0x20
    IND = 0x40
    MEM = 0x60
    MEMSX = 0x80
    ATOMIC = 0xC0


class Source(IntEnum):
    K = 0x00
    X = 0x08


class AluOp(IntEnum):
    ADD = 0x00
    SUB = 0x10
    MUL = 0x20
    DIV = 0x30
    OR = 0x40
    AND = 0x50
    LSH = 0x60
    RSH = 0x70
    NEG = 0x80
    MOD = 0x90
    XOR = 0xA0
    MOV = 0xB0
    ARSH = 0xC0
    END = 0xD0


class JmpOp(IntEnum):
    JA = 0x00
    JEQ = 0x10
    JGT = 0x20
    JGE = 0x30
    JSET = 0x40
    JNE = 0x50
    JSGT = 0x60
    JSGE = 0x70
    CALL = 0x80
    EXIT = 0x90
    JLT = 0xA0
    JLE = 0xB0
    JSLT = 0xC0
    JSLE = 0xD0
    JCOND = 0xE0


class AtomicOp(IntEnum):
    """The ``imm`` field of a BPF_ATOMIC instruction."""

    ADD = 0x00
    OR = 0x40
    AND = 0x50
    XOR = 0xA0
    FETCH_ADD = 0x01
    FETCH_OR = 0x41
    FETCH_AND = 0x51
    FETCH_XOR = 0xA1
    XCHG = 0xE1
    CMPXCHG = 0xF1
    LOAD_ACQ = 0x100
    STORE_REL = 0x110


class PseudoSrc(IntEnum):
    """``src_reg`` of ``ld_imm64`` (what the 64-bit immediate means)."""

    NONE = 0
    MAP_FD = 1
    MAP_VALUE = 2
    BTF_ID = 3
    FUNC = 4
    MAP_IDX = 5
    MAP_IDX_VALUE = 6


class PseudoCall(IntEnum):
    """``src_reg`` of ``call``."""

    HELPER = 0
    CALL = 1  # bpf-to-bpf, imm is pc-relative
    KFUNC = 2  # imm is a BTF id (in an object: -1 plus a relocation)


LD_IMM64 = InsnClass.LD | Size.DW | Mode.IMM  # 0x18
CALL = InsnClass.JMP | JmpOp.CALL  # 0x85
CALLX = InsnClass.JMP | JmpOp.CALL | Source.X  # 0x8d
EXIT = InsnClass.JMP | JmpOp.EXIT  # 0x95
JA = InsnClass.JMP | JmpOp.JA  # 0x05
JA32 = InsnClass.JMP32 | JmpOp.JA  # 0x06, gotol (imm is the offset)
MAY_GOTO = InsnClass.JMP | JmpOp.JCOND  # 0xe5 with src_reg == 0
INSN_SIZE = 8
