"""Instruction text in llvm-objdump's syntax (LLVM 19, ``BPFInstPrinter``).

The rules mirror what LLVM 19's BPF disassembler decodes with its default
subtarget (no ``+alu32``): e.g. 32-bit atomics other than ``add`` and all
sub-register loads/stores decode as their 64-bit forms or as ``<unknown>``,
exactly as ``llvm-objdump-19 -d`` shows them.  ``tests/isa`` checks every
opcode with many field values against llvm-objdump-19 itself.

``text(...)`` gives the instruction without a branch annotation; branches get
`` <sym+0x..>`` appended by the disassembler, which knows the symbols.
"""

from __future__ import annotations

UNKNOWN = "<unknown>"

_ALU_OPS = {
    0x00: "+=", 0x10: "-=", 0x20: "*=", 0x30: "/=", 0x40: "|=", 0x50: "&=",
    0x60: "<<=", 0x70: ">>=", 0x90: "%=", 0xA0: "^=", 0xB0: "=", 0xC0: "s>>=",
}
_JMP_OPS = {
    0x10: "==", 0x20: ">", 0x30: ">=", 0x40: "&", 0x50: "!=", 0x60: "s>", 0x70: "s>=",
    0xA0: "<", 0xB0: "<=", 0xC0: "s<", 0xD0: "s<=",
}
_SIZES = {0x00: "u32", 0x08: "u16", 0x10: "u8", 0x18: "u64"}
_SSIZES = {0x00: "s32", 0x08: "s16", 0x10: "s8"}
_ATOMIC_NAMES = {0x00: "add", 0x40: "or", 0x50: "and", 0xA0: "xor"}
_ATOMIC_SYMS = {0x00: "+=", 0x40: "|=", 0x50: "&=", 0xA0: "^="}


def hex32(v: int) -> str:
    """LLVM's signed hex: ``0x1``, ``-0x1``."""
    return f"-{-v:#x}" if v < 0 else f"{v:#x}"


def _off(off: int) -> str:
    return f"- {-off:#x}" if off < 0 else f"+ {off:#x}"


def text(code: int, dst: int, src: int, off: int, imm: int, imm_hi: int | None = None) -> str:
    """The instruction's text as llvm-objdump-19 prints it (no branch target)."""
    cls = code & 7
    if cls == 7 or cls == 4:
        return _alu(code, cls, dst, src, off, imm)
    if cls == 5 or cls == 6:
        return _jmp(code, cls, dst, src, off, imm)
    if cls == 1:
        return _ldx(code, dst, src, off)
    if cls == 3:
        return _stx(code, dst, src, off, imm)
    if cls == 2:
        return _st(code, dst, off, imm)
    return _ld(code, dst, src, off, imm, imm_hi)


# LLVM's register class has r0..r11: a nibble above that does not decode, but
# only the register fields an instruction uses are checked.
_BAD = 11


def _alu(code: int, cls: int, dst: int, src: int, off: int, imm: int) -> str:
    op = code & 0xF0
    x = code & 0x08
    r = "r" if cls == 7 else "w"
    if dst > _BAD or (x and src > _BAD):
        return UNKNOWN
    if op == 0xD0:  # byte swaps: le/be (ALU) and bswap (ALU64, K only)
        if imm not in (16, 32, 64):
            return UNKNOWN
        if cls == 4:
            return f"r{dst} = {'be' if x else 'le'}{imm} r{dst}"
        if x:
            return UNKNOWN
        return f"r{dst} = bswap{imm} r{dst}"
    if op == 0x80:  # neg
        if x:
            return UNKNOWN
        return f"{r}{dst} = -{r}{dst}"
    sym = _ALU_OPS.get(op)
    if sym is None:
        return UNKNOWN
    if op in (0x30, 0x90):
        if off == 1:
            sym = "s" + sym
        elif off != 0:
            return UNKNOWN
    elif op == 0xB0:
        if x and off == 1 and cls == 7:
            return f"r{dst} = addr_space_cast(r{src}, {(imm >> 16) & 0xFFFF:#x}, {imm & 0xFFFF:#x})"
        if off not in (0, 8, 16, 32) or (off and not x):
            return UNKNOWN
    elif off != 0:
        return UNKNOWN
    if x:
        if op == 0xB0 and off in (8, 16, 32):
            if cls == 4 and off == 32:
                return UNKNOWN
            return f"{r}{dst} = (s{off}){r}{src}"
        return f"{r}{dst} {sym} {r}{src}"
    return f"{r}{dst} {sym} {hex32(imm)}"


def _jmp(code: int, cls: int, dst: int, src: int, off: int, imm: int) -> str:
    op = code & 0xF0
    x = code & 0x08
    if op == 0xE0:
        return f"may_goto {_rel(off)}" if code == 0xE5 else UNKNOWN
    if op == 0x00:
        if x:
            return UNKNOWN
        if cls == 5:
            return f"goto {_rel(off)}"
        return f"gotol {_rel(imm)}"
    if op == 0x80:
        if cls == 6:
            return UNKNOWN
        if x:
            return f"callx r{dst}" if dst <= _BAD else UNKNOWN
        return f"call {hex32(imm)}"
    if op == 0x90:
        return "exit" if code == 0x95 and imm == 0 else UNKNOWN
    sym = _JMP_OPS.get(op)
    if sym is None:
        return UNKNOWN
    if dst > _BAD or (x and src > _BAD):
        return UNKNOWN
    r = "r" if cls == 5 else "w"
    rhs = f"{r}{src}" if x else hex32(imm)
    return f"if {r}{dst} {sym} {rhs} goto {_rel(off)}"


def _rel(v: int) -> str:
    return f"-{-v:#x}" if v < 0 else f"+{v:#x}"


def _ldx(code: int, dst: int, src: int, off: int) -> str:
    mode = code & 0xE0
    size = code & 0x18
    if dst > _BAD or src > _BAD:
        return UNKNOWN
    if mode == 0x60:
        return f"r{dst} = *({_SIZES[size]} *)(r{src} {_off(off)})"
    if mode == 0x80 and size != 0x18:
        return f"r{dst} = *({_SSIZES[size]} *)(r{src} {_off(off)})"
    return UNKNOWN


def _st(code: int, dst: int, off: int, imm: int) -> str:
    if code & 0xE0 != 0x60 or dst > _BAD:
        return UNKNOWN
    return f"*({_SIZES[code & 0x18]} *)(r{dst} {_off(off)}) = {hex32(imm)}"


def _stx(code: int, dst: int, src: int, off: int, imm: int) -> str:
    mode = code & 0xE0
    size = code & 0x18
    if dst > _BAD or src > _BAD:
        return UNKNOWN
    if mode == 0x60:
        return f"*({_SIZES[size]} *)(r{dst} {_off(off)}) = r{src}"
    if mode != 0xC0 or size not in (0x00, 0x18):
        return UNKNOWN
    addr = f"r{dst} {_off(off)}"
    # LLVM 19's decoder looks at the immediate's low byte only.  The plain
    # ``lock`` forms match its high nibble alone (0x00-0x0f is add, 0x40-0x4f
    # or...), while the fetch forms, xchg and cmpxchg need the exact byte.
    lo = imm & 0xFF
    if size == 0x18:
        if lo & 0x0F == 0x01 and (lo & 0xF0) in _ATOMIC_NAMES:
            return f"r{src} = atomic_fetch_{_ATOMIC_NAMES[lo & 0xF0]}((u64 *)({addr}), r{src})"
        if lo == 0xE1:
            return f"r{src} = xchg_64({addr}, r{src})"
        if lo == 0xF1:
            return f"r0 = cmpxchg_64({addr}, r0, r{src})"
        if (lo & 0xF0) in _ATOMIC_SYMS:
            return f"lock *(u64 *)({addr}) {_ATOMIC_SYMS[lo & 0xF0]} r{src}"
        return UNKNOWN
    # 32-bit atomics: without +alu32 only the legacy XADDW decodes, and it
    # ignores the low nibble (so a 32-bit fetch-add shows as ``lock ... +=``).
    if lo & 0xF0 == 0:
        return f"lock *(u32 *)({addr}) += r{src}"
    return UNKNOWN


def _ld(code: int, dst: int, src: int, off: int, imm: int, imm_hi: int | None) -> str:
    mode = code & 0xE0
    size = code & 0x18
    if code == 0x18:
        if imm_hi is None or off != 0 or dst > _BAD:
            return UNKNOWN
        if src:
            # A pseudo source (map fd, map value, BTF id...): LLVM prints the
            # raw fields, ignoring the second slot.
            return f"ld_pseudo\tr{dst}, {src:#x}, {imm & 0xFFFFFFFF:#x}"
        v = ((imm_hi & 0xFFFFFFFF) << 32) | (imm & 0xFFFFFFFF)
        if v >= 1 << 63:
            v -= 1 << 64
        return f"r{dst} = {hex32(v)} ll"
    if size == 0x18:
        return UNKNOWN
    if mode == 0x20:
        return f"r0 = *({_SIZES[size]} *)skb[{hex32(imm)}]"
    if mode == 0x40:
        return f"r0 = *({_SIZES[size]} *)skb[r{src}]" if src <= _BAD else UNKNOWN
    return UNKNOWN


def branch_delta(code: int, off: int, imm: int) -> int | None:
    """Slots from the next instruction to a branch target, for the annotation;
    None for instructions llvm-objdump does not annotate."""
    cls = code & 7
    if cls == 5:
        op = code & 0xF0
        if op in (0x80, 0x90):
            return None
        if op == 0x00 or op in _JMP_OPS or op == 0xE0:
            return off
        return None
    if cls == 6:
        op = code & 0xF0
        if op == 0x00:
            return imm
        if op in _JMP_OPS:
            return off
    return None
