"""Root-cause analysers for accesses with variable offsets (pure).

Map values, packets and the stack: find the index or offset register that
was added to the pointer, where it was defined, which check on the path
compared it (the same register, or a copy), and whether the check, the
declaration or the access is the line to change.
"""

from __future__ import annotations

import re

from bpfdoctor.verifier import defuse
from bpfdoctor.verifier.context import map_from_state
from bpfdoctor.verifier.diagnostic import ErrorClass
from bpfdoctor.verifier.numbers import num
from bpfdoctor.verifier.rootcause import Analysis, Path, _first_def, assigned_name, spill_dropped_bounds
from bpfdoctor.verifier.trace import Step

_STACK_READ = re.compile(r"read from stack (?:R\d{1,2} )?off (-?\d{1,9})\+(-?\d{1,9}) size (\d{1,9})")


def _index_chain(p: Path, ptr_reg: int) -> tuple[list[defuse.Event], list[defuse.Event], int | None]:
    """Events of the pointer and of the index register added to it."""
    ev = defuse.origin(p.steps, p.fpos, ptr_reg, p.fstep.frame)
    for e in ev:
        if e.kind == "alu":
            insn = defuse.decode(e.step.text)
            if insn.src is not None and insn.aluop in ("+", "-"):
                return ev, defuse.origin(p.steps, e.pos + 1, insn.src, e.step.frame), e.pos
    return ev, [], None


def bounded_access(p: Path, a: Analysis) -> None:
    """Map value / packet / stack accesses with a variable offset."""
    if p.fpos is None:
        return
    insn = defuse.decode(p.fstep.text)
    reg = p.error_reg()
    if insn.op in ("load", "store") and reg is None:
        reg = insn.src if insn.op == "load" else insn.dst
    if reg is None:
        return
    if ("unbounded" in p.error or "negative" in p.error) and _mask_dropped(p, a):
        return
    ptr_ev, idx_ev, add_pos = _index_chain(p, reg)
    if not idx_ev:
        return
    if spill_dropped_bounds(p, a, idx_ev, "index"):
        return
    d = _first_def(idx_ev)
    chain_regs = {e.what for e in idx_ev} | {f"R{defuse.decode(p.steps[add_pos].text).src}"}
    lo = d.pos if d is not None else 0
    for e in idx_ev:
        if e.kind == "trunc32" or (e.kind in ("spill", "fill")):
            a.secondary.append(p.span("bounds-lost", f"bounds of the index narrowed or lost here "
                                      f"({e.kind})", e.step.index, e.step))
    check = None
    # A check of the index is a jump whose register has the index's definition
    # (none to look for without it).  The walk back from a jump needs to reach
    # that definition only: it stops there, not 4,000 steps back.
    for i in range(add_pos - 1, lo, -1) if d is not None else ():
        st = p.steps[i]
        if st.kind != "insn":
            continue
        c = defuse.decode(st.text)
        if c.op != "cond":
            continue
        ev = defuse.origin(p.steps, i + 1, c.dst, st.frame, limit=min(4000, i + 2 - d.pos))
        cd = _first_def(ev)
        if cd is not None and cd.pos == d.pos:
            check = (i, st, f"R{c.dst}" not in chain_regs, c.aluop.startswith("s"))
            break
    if d is not None:
        a.secondary.append(p.span("value-from", "the index comes from here", d.step.index, d.step))
    mp = map_from_state(p.value(p.fpos - 1, f"R{reg}", p.fstep.frame))
    size = f"{mp.value_size}-byte value of map `{mp.name}`" if mp and mp.value_size else \
        "the object"
    if check is not None:
        pos, st, on_copy, signed = check
        if on_copy:
            a.primary = p.span("primary", "checked here, but on a copy of the register the "
                               "access uses", st.index, st)
            a.klass = ErrorClass.LOWERING_ARTIFACT
            a.why = ("the bounds check exists but clang compared a copy (or a 32-bit half) of the "
                     "index; the verifier learns bounds only for the register it compares (Linux "
                     "5.10 and later carry them over to a 64-bit copy, `rX = rY`, while neither "
                     "changes; this copy was not linked)")
            a.help.append("make the checked value the one used: `barrier_var(idx);` after the check "
                          "(bpf_helpers.h), or check with the same variable right before the access")
        elif (signed or "negative" in p.error) and d is not None:
            # kernel/bpf/verifier.c: check_mem_region_access asks for an unsigned
            # index first: the line to change is where the index gets its type
            where = _defining_event(p, idx_ev, p.span("x", "", st.index, st).text) or d
            a.primary = p.span("primary", "the index is signed here: a negative value passes the "
                               "check below", where.step.index, where.step)
            a.secondary.append(p.span("check", "checked from above only", st.index, st))
            a.help.append("make the index unsigned (`__u32 idx`), or also check `idx < 0`")
        else:
            a.primary = p.span("primary", "this check does not bound the index to the object's "
                               "size", st.index, st)
            if signed or "negative" in p.error:
                a.help.append("the check is signed: a negative index passes it; make the index "
                              "unsigned (`__u32 idx`) or also check `idx < 0`")
            a.help.append(f"check the index against the size of {size}, unsigned: "
                          "`if (idx >= N) return ...;` where N * element size fits")
        a.secondary.append(p.span("rejected", "rejected access", p.fstep.index, p.fstep))
    else:
        a.help.append(f"bound the index before the access: `if (idx >= N) return ...;` so that "
                      f"offset + size stays inside {size}")


# a mask in C: "idx & INDEX_MASK", "(off & 0xff)" (a binary &, not an address-of)
_MASK = re.compile(r"[\w)\]]\s*&\s*(0x[0-9a-fA-F]+|\d+|[A-Z_][A-Z0-9_]*)\b(?!\s*\[)")


def _mask_dropped(p: Path, a: Analysis) -> bool:
    """The source line of the access masks a value (``& INDEX_MASK``), but none of
    the instructions for that line is an AND: the compiler folded or reshaped the
    mask (into shifts, or away when it judged the bits clear), so the verifier
    never saw the bound the source wrote."""
    src = p.fstep.source
    text = (src.text if src is not None else "") or ""
    m = _MASK.search(text)
    if m is None or "&&" in text[m.start():m.end() + 1]:
        return False
    if m[1][0].isdigit() and num(m[1], 0) >= 0xFFFFFFFF:
        return False  # a mask to 32 bits or more bounds nothing: clang's zero-extension is the C's
    ands = seen = 0
    for i in range(p.fpos, max(p.fpos - 256, -1), -1):
        st = p.steps[i]
        if st.kind != "insn":
            continue
        if st.source is not None and st.source.text and st.source.text != text:
            break  # the instructions of the line end here
        seen += 1
        ands += defuse.decode(st.text).aluop == "&"
    if ands or seen < 2:
        return False
    a.klass = ErrorClass.LOWERING_ARTIFACT
    a.primary = p.span("primary", f"the source masks with `& {m[1]}` here, but none of this line's "
                       f"{seen} instructions is an AND", p.fstep.index, p.fstep)
    a.why = (f"The line bounds the value with `& {m[1]}`, and the compiler's instructions for it hold "
             "no AND: it folded the mask into other operations (shifts, a narrower load) or dropped "
             "it, so the verifier never learns the bound the source wrote. The C is right; the "
             "bytecode lost the proof.")
    a.help.append(f"make the mask survive: apply it in its own statement right before the use, "
                  f"e.g. `asm volatile(\"%0 &= {m[1]}\" : \"+r\"(idx));` or `idx &= {m[1]}; "
                  "barrier_var(idx);`, so clang cannot fold it")
    return True


_IDENT = re.compile(r"[A-Za-z_]\w*")


def _defining_event(p: Path, events: list[defuse.Event], check_text: str):
    """The event on the index chain whose source line assigns a variable the
    check names (clang may attribute the load itself to another line)."""
    names = set(_IDENT.findall(check_text or "")) - {"if", "return", "else"}
    for e in reversed(events):
        if assigned_name(p.span("x", "", e.step.index, e.step).text) in names:
            return e
    return None


def packet_access(p: Path, a: Analysis) -> None:
    if p.fpos is None:
        return
    for i in range(p.fpos - 1, -1, -1):
        st = p.steps[i]
        if st.kind != "insn":
            continue
        c = defuse.decode(st.text)
        if c.op == "cond" and c.src is not None:
            vals = (p.value(i - 1, f"R{c.dst}", st.frame), p.value(i - 1, f"R{c.src}", st.frame))
            if any(v.startswith("pkt_end") for v in vals) and any(v.startswith("pkt(") for v in vals):
                checked = max((_pkt_off(v) for v in vals if v.startswith("pkt(")), default=0)
                acc = _ACCESS_OFF.search(p.error)
                if acc and checked <= num(acc.group(1)):
                    # the check covers a header before the one read: a new check is missing
                    a.primary = p.span("primary", "this read is past the last bounds check",
                                       p.fstep.index, p.fstep)
                    a.secondary.append(p.span("check", f"the last check covers {checked} bytes",
                                              st.index, st))
                    a.help.append("add `if ((void *)(hdr + 1) > data_end) return ...;` for the "
                                  "header read here")
                    return
                a.primary = p.span("primary", "this bounds check does not cover the bytes read "
                                   "below", st.index, st)
                a.secondary.append(p.span("rejected", "rejected access", p.fstep.index, p.fstep))
                a.help.append("compare the end of everything you read with data_end: "
                              "`if ((void *)(hdr + 1) > data_end)` for the header you access")
                return
    fp = _scalar_length_check(p)
    if fp is not None:
        a.primary = p.span("primary", "this check compares a length, not pointers: the verifier "
                           "learns nothing about the packet from it", fp.index, fp)
        a.klass = ErrorClass.FALSE_POSITIVE
        a.why = ("the program is safe, but the verifier tracks packet bounds only through "
                 "comparisons of packet pointers with data_end (kernel/bpf/verifier.c: "
                 "find_good_pkt_pointers), not through a length computed as data_end - data")
        a.help.append("write the check as a pointer comparison: "
                      "`if (data + sizeof(*hdr) > data_end) return ...;`")
        return
    a.help.append("add `if ((void *)(hdr + 1) > data_end) return ...;` before reading the header")


def _scalar_length_check(p: Path) -> Step | None:
    """A conditional jump on a number computed as pkt_end - pkt (a length check)."""
    for i in range(p.fpos - 1, -1, -1):
        st = p.steps[i]
        if st.kind != "insn" or defuse.decode(st.text).op != "cond":
            continue
        c = defuse.decode(st.text)
        for e in defuse.origin(p.steps, i + 1, c.dst, st.frame):
            if e.kind in ("alu", "trunc32"):
                insn = defuse.decode(e.step.text)
                if insn.aluop == "-" and insn.src is not None:
                    a_val = p.value(e.pos - 1, f"R{insn.dst}", e.step.frame)
                    b_val = p.value(e.pos - 1, f"R{insn.src}", e.step.frame)
                    if {a_val.split("(")[0], b_val.split("(")[0]} == {"pkt_end", "pkt"}:
                        return st
    return None


_STORE_WIDTH = re.compile(r"\*\(u(8|16|32|64) \*\)")
_WIDTHS = {"8": 1, "16": 2, "32": 4, "64": 8}
_ACCESS_OFF = re.compile(r"off=(\d{1,9}) size=")
_PKT_OFF = re.compile(r"off=(\d{1,9})")


def _pkt_off(value: str) -> int:
    m = _PKT_OFF.search(value)
    return num(m.group(1)) if m else 0


def uninit_stack(p: Path, a: Analysis) -> None:
    if p.fpos is None:
        return
    m = _STACK_READ.search(p.error)
    if not m:
        return
    # kernel/bpf/verifier.c check_stack_read_fixed_off / check_stack_range_initialized:
    # "off %d+%d size %d" is the access's start, the first byte not written
    # relative to it, and the access's size
    off, var, size = num(m.group(1)), num(m.group(2)), num(m.group(3))
    lo, hi = off, off + size
    # the first store into the object on the path: initialise it before this line
    first = None
    for i in range(p.fpos):
        st = p.steps[i]
        if st.kind == "insn" and st.frame == p.fstep.frame:
            s = defuse.decode(st.text)
            if s.op == "store" and s.dst == 10 and lo - 64 <= s.off < hi:
                first = st
                break
    span = f"fp{lo}..fp{hi - 1}" if size > 1 else f"fp{lo}"
    if first is not None:
        s = defuse.decode(first.text)
        width = _STORE_WIDTH.search(first.text)
        covers = width is not None and s.off <= lo and s.off + _WIDTHS[width.group(1)] >= hi
        if covers and s.src is not None:
            a.primary = p.span("primary", f"this store writes every byte read ({span}) from "
                               f"R{s.src}: the slot holds a spilled register, which this kernel does "
                               "not take as plain bytes (a pointer, or a value it tracks as one)",
                               first.index, first)
            a.why = ("Every byte read was written, by one store of a register: the verifier keeps "
                     "that slot as a spilled register, not as initialised bytes, and refuses to "
                     "read it as memory (a helper's buffer or a narrower load).")
            a.help.append(f"pass a copy of the value as plain bytes (a scalar), not a slot holding "
                          f"a spilled pointer; the byte the kernel calls unwritten is fp{off + var}")
            return
        a.primary = p.span("primary", "the object is only partly written from here on; "
                           "zero it first", first.index, first)
    a.help.append(f"zero the whole object before filling it ({span} is read; fp{off + var} is "
                  "not written on this path): "
                  "`__builtin_memset(&obj, 0, sizeof(obj));` or `= {}` at its declaration — "
                  "padding holes count")
