"""Instruction text in the kernel's syntax: the verifier log and
``bpftool prog dump xlated`` (kernel/bpf/disasm.c, ``print_bpf_insn``).

Callbacks play the part of disasm.c's ``bpf_insn_cbs``: ``call_name`` names a
call (bpftool resolves subprograms and kfuncs), ``imm_name`` renders the
64-bit immediate of ``ld_imm64`` (bpftool prints ``map[id:N]``).
"""

from __future__ import annotations

from collections.abc import Callable

from bpfdoctor.isa.helpers import HELPER_NAMES
from bpfdoctor.isa.insn import Instruction

_ALU = {
    0x00: "+=", 0x10: "-=", 0x20: "*=", 0x30: "/=", 0x40: "|=", 0x50: "&=", 0x60: "<<=",
    0x70: ">>=", 0x80: "neg", 0x90: "%=", 0xA0: "^=", 0xB0: "=", 0xC0: "s>>=", 0xD0: "endian",
}
_JMP = {
    0x00: "jmp", 0x10: "==", 0x20: ">", 0x30: ">=", 0x40: "&", 0x50: "!=", 0x60: "s>",
    0x70: "s>=", 0x80: "call", 0x90: "exit", 0xA0: "<", 0xB0: "<=", 0xC0: "s<", 0xD0: "s<=",
}
_LDST = {0x00: "u32", 0x08: "u16", 0x10: "u8", 0x18: "u64"}
_LDSX = {0x00: "s32", 0x08: "s16", 0x10: "s8"}
_ATOMIC_ALU = {0x00: "add", 0x40: "or", 0x50: "and", 0xA0: "xor"}
_CLASS = ("ld", "ldx", "st", "stx", "alu", "jmp", "jmp32", "alu64")
_PTR_SRCS = (1, 2, 3, 5, 6)  # map fd, map value, btf id, map idx, map idx value
# A NULL string in disasm.c's tables reaches printk as "(null)".
_NULL = "(null)"

CallName = Callable[[Instruction], "str | None"]
ImmName = Callable[[Instruction, int], "str | None"]


def helper_name(imm: int) -> str | None:
    return HELPER_NAMES.get(imm)


def _plus(v: int) -> str:
    return f"{v:+d}"


def text(insn: Instruction, *, call_name: CallName | None = None, imm_name: ImmName | None = None,
         allow_ptr_leaks: bool = True) -> str:
    """``(61) r2 = *(u32 *)(r1 +4)`` for one instruction."""
    code = insn.code
    cls = code & 7
    if cls in (4, 7):
        return _alu(insn, cls)
    if cls == 3:
        return _stx(insn)
    if cls == 2:
        return _st(insn)
    if cls == 1:
        return _ldx(insn)
    if cls == 0:
        return _ld(insn, imm_name, allow_ptr_leaks)
    return _jmp(insn, cls, call_name)


def _alu(insn: Instruction, cls: int) -> str:
    code, dst, src, off, imm = insn.code, insn.dst, insn.src, insn.off, insn.imm
    op = code & 0xF0
    w = "w" if cls == 4 else "r"
    if op == 0xD0:
        if cls == 7:
            return f"({code:02x}) r{dst} = bswap{imm} r{dst}"
        return f"({code:02x}) r{dst} = {'be' if code & 0x08 else 'le'}{imm} r{dst}"
    if op == 0x80:
        return f"({code:02x}) {w}{dst} = -{w}{dst}"
    if code == 0xBF and off == 1:
        return f"({code:02x}) r{dst} = addr_space_cast(r{src}, {(imm & 0xFFFFFFFF) >> 16}, {imm & 0xFFFF})"
    if code == 0xBF and off == -1:
        return f"({code:02x}) r{dst} = &(void __percpu *)(r{src})"
    if op in (0x30, 0x90) and off == 1:
        sym = "s" + _ALU[op]
    else:
        sym = _ALU.get(op, _NULL)
    if code & 0x08:
        sx = ""
        if op == 0xB0 and off in (8, 16, 32):
            sx = f"(s{off})"
        return f"({code:02x}) {w}{dst} {sym} {sx}{w}{src}"
    return f"({code:02x}) {w}{dst} {sym} {imm}"


def _stx(insn: Instruction) -> str:
    code, dst, src, off, imm = insn.code, insn.dst, insn.src, insn.off, insn.imm
    mode = code & 0xE0
    size = _LDST[code & 0x18]
    if mode == 0x60:
        return f"({code:02x}) *({size} *)(r{dst} {_plus(off)}) = r{src}"
    if mode == 0xC0:
        bits = "64" if code & 0x18 == 0x18 else ""
        if imm in _ATOMIC_ALU:
            return f"({code:02x}) lock *({size} *)(r{dst} {_plus(off)}) {_ALU[imm]} r{src}"
        if imm & 0x0F == 0x01 and (imm & ~0x0F) in _ATOMIC_ALU:
            name = _ATOMIC_ALU[imm & ~0x0F]
            return f"({code:02x}) r{src} = atomic{bits}_fetch_{name}(({size} *)(r{dst} {_plus(off)}), r{src})"
        if imm == 0xF1:
            return f"({code:02x}) r0 = atomic{bits}_cmpxchg(({size} *)(r{dst} {_plus(off)}), r0, r{src})"
        if imm == 0xE1:
            return f"({code:02x}) r{src} = atomic{bits}_xchg(({size} *)(r{dst} {_plus(off)}), r{src})"
        if imm == 0x100:
            return f"({code:02x}) r{dst} = load_acquire(({size} *)(r{src} {_plus(off)}))"
        if imm == 0x110:
            return f"({code:02x}) store_release(({size} *)(r{dst} {_plus(off)}), r{src})"
    return f"BUG_{code:02x}"


def _st(insn: Instruction) -> str:
    code = insn.code
    if code & 0xE0 == 0x60:
        return f"({code:02x}) *({_LDST[code & 0x18]} *)(r{insn.dst} {_plus(insn.off)}) = {insn.imm}"
    if code & 0xE0 == 0xC0:
        return f"({code:02x}) nospec"
    return f"BUG_st_{code:02x}"


def _ldx(insn: Instruction) -> str:
    code = insn.code
    mode = code & 0xE0
    if mode == 0x60:
        size = _LDST[code & 0x18]
    elif mode == 0x80:
        size = _LDSX.get(code & 0x18, _NULL)
    else:
        return f"BUG_ldx_{code:02x}"
    return f"({code:02x}) r{insn.dst} = *({size} *)(r{insn.src} {_plus(insn.off)})"


def _ld(insn: Instruction, imm_name: ImmName | None, allow_ptr_leaks: bool) -> str:
    code = insn.code
    mode = code & 0xE0
    size = _LDST[code & 0x18]
    if mode == 0x20:
        return f"({code:02x}) r0 = *({size} *)skb[{insn.imm}]"
    if mode == 0x40:
        return f"({code:02x}) r0 = *({size} *)skb[r{insn.src} + {insn.imm}]"
    if mode == 0x00 and code & 0x18 == 0x18:
        imm = insn.imm64
        if insn.src in _PTR_SRCS and not allow_ptr_leaks:
            imm = 0
        name = imm_name(insn, imm) if imm_name else None
        return f"({code:02x}) r{insn.dst} = {name if name is not None else f'{imm:#x}'}"
    return f"BUG_ld_{code:02x}"


def _jmp(insn: Instruction, cls: int, call_name: CallName | None) -> str:
    code, dst, src, off, imm = insn.code, insn.dst, insn.src, insn.off, insn.imm
    op = code & 0xF0
    if op == 0x80:
        name = _call_name(insn, call_name)
        if src == 1:
            return f"({code:02x}) call pc{name}"
        return f"({code:02x}) call {name}#{imm}"
    if code == 0x05:
        return f"({code:02x}) goto pc{_plus(off)}"
    if code == 0x0D:
        return f"({code:02x}) gotox r{dst}"
    if code == 0xE5 and src == 0:
        return f"({code:02x}) may_goto pc{_plus(off)}"
    if code == 0x06:
        return f"({code:02x}) gotol pc{_plus(imm)}"
    if code == 0x95:
        return f"({code:02x}) exit"
    w = "w" if cls == 6 else "r"
    sym = _JMP.get(op, _NULL)
    if code & 0x08:
        return f"({code:02x}) if {w}{dst} {sym} {w}{src} goto pc{_plus(off)}"
    return f"({code:02x}) if {w}{dst} {sym} {imm & 0xFFFFFFFF:#x} goto pc{_plus(off)}"


def _call_name(insn: Instruction, call_name: CallName | None) -> str:
    """disasm.c ``__func_get_name``: helper table, then the callback, then a
    fallback by call kind ("unknown" for helpers)."""
    if insn.src == 0 and insn.imm in HELPER_NAMES:
        return HELPER_NAMES[insn.imm]
    if call_name is not None:
        res = call_name(insn)
        if res:
            return res
    if insn.src == 1:
        return f"{insn.imm:+d}"
    if insn.src == 2:
        return "kernel-function"
    return "unknown"


def class_name(code: int) -> str:
    return _CLASS[code & 7]
