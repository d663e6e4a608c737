"""Which instructions the verifier will walk once CO-RE constants are known.

libbpf poisons what it cannot relocate and the verifier only rejects a
poisoned instruction it reaches.  Programs guard such code with
``bpf_core_field_exists()``, ``bpf_core_enum_value_exists()`` or
``bpf_ksym_exists()``: after relocation the guard is a constant compared with
a constant, and the verifier never explores the dead branch
(kernel/bpf/verifier.c ``check_cond_jmp_op``: a branch whose outcome is known
pushes no state).  This walk repeats that for constants set by immediate
moves and ``ld_imm64`` and simple arithmetic on them; anything else is
unknown and both branches are taken, so it may keep code the verifier would
skip, never the reverse for these patterns.
"""

from __future__ import annotations

_MASK64 = (1 << 64) - 1
_MASK32 = 0xFFFFFFFF

_ALU = {0x00: lambda a, b: a + b, 0x10: lambda a, b: a - b, 0x20: lambda a, b: a * b,
        0x40: lambda a, b: a | b, 0x50: lambda a, b: a & b, 0xA0: lambda a, b: a ^ b,
        0x60: lambda a, b: a << (b & 63), 0x70: lambda a, b: a >> (b & 63)}


def _s(v: int, bits: int) -> int:
    return v - (1 << bits) if v >> (bits - 1) & 1 else v


def _cond(op: int, a: int, b: int, bits: int) -> bool | None:
    ua, ub = a & ((1 << bits) - 1), b & ((1 << bits) - 1)
    sa, sb = _s(ua, bits), _s(ub, bits)
    return {0x10: ua == ub, 0x50: ua != ub, 0x20: ua > ub, 0x30: ua >= ub, 0xA0: ua < ub,
            0xB0: ua <= ub, 0x60: sa > sb, 0x70: sa >= sb, 0xC0: sa < sb, 0xD0: sa <= sb,
            0x40: bool(ua & ub)}.get(op)


def reachable(insns, consts: dict[int, int], entries: list[int]) -> set[int]:
    """Slot indexes reachable from ``entries``.

    ``insns``: list of (slot, code, dst, src, off, imm, imm64_or_None) covering
    the function(s); ``consts``: slot -> value a CO-RE relocation patched into
    that instruction's immediate.
    """
    by_slot = {i[0]: i for i in insns}
    seen: dict[int, dict[int, int]] = {}
    work = [(e, {}) for e in entries]
    while work:
        pc, state = work.pop()
        old = seen.get(pc)
        if old is not None:
            merged = {r: v for r, v in old.items() if state.get(r) == v}
            if merged == old:
                continue
            state = merged
        seen[pc] = state
        insn = by_slot.get(pc)
        if insn is None:
            continue
        for nxt, st in _step(insn, dict(state), consts):
            work.append((nxt, st))
    return set(seen)


def _step(insn, regs: dict[int, int], consts: dict[int, int]):
    slot, code, dst, src, off, imm, imm64 = insn
    cls = code & 7
    if slot in consts:
        imm = consts[slot]
        if imm64 is not None:
            imm64 = imm & _MASK64
    if cls in (4, 7):  # ALU / ALU64
        op = code & 0xF0
        wide = cls == 7
        if op == 0xB0 and off == 0:  # mov
            val = imm if not code & 8 else regs.get(src)
            _set(regs, dst, val, wide)
        elif op in _ALU and dst in regs and off == 0:
            b = (imm if not code & 8 else regs.get(src))
            _set(regs, dst, None if b is None else _ALU[op](regs[dst], b), wide)
        else:
            regs.pop(dst, None)
        return [(slot + 1, regs)]
    if code == 0x18:  # ld_imm64
        if src == 0 and imm64 is not None:
            regs[dst] = imm64 & _MASK64
        else:
            regs.pop(dst, None)
        return [(slot + 2, regs)]
    if cls in (0, 1):  # other LD, LDX
        regs.pop(dst, None)
        return [(slot + 1, regs)]
    if cls in (2, 3):  # ST, STX (atomics with fetch write a register)
        if cls == 3 and code & 0xE0 == 0xC0:
            regs.pop(src, None)
            regs.pop(0, None)
        return [(slot + 1, regs)]
    op = code & 0xF0
    if op == 0x80:  # call: r0-r5 are clobbered
        for r in range(6):
            regs.pop(r, None)
        return [(slot + 1, regs)]
    if op == 0x90:  # exit
        return []
    if op == 0x00:  # ja / gotol
        return [(slot + 1 + (imm if cls == 6 else off), regs)]
    bits = 32 if cls == 6 else 64
    a = regs.get(dst)
    b = imm if not code & 8 else regs.get(src)
    taken = None if a is None or b is None else _cond(op, a, b, bits)
    out = []
    if taken is not False:
        out.append((slot + 1 + off, dict(regs)))
    if taken is not True:
        out.append((slot + 1, regs))
    return out


def _set(regs: dict[int, int], r: int, val: int | None, wide: bool) -> None:
    if val is None:
        regs.pop(r, None)
    else:
        regs[r] = (val & _MASK64) if wide else (val & _MASK32)
