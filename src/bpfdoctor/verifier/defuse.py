"""Def-use edges over the verified path, walked backwards (pure).

Instructions are read in the kernel's own syntax (kernel/bpf/disasm.c:
print_bpf_insn) as the log prints them.  From a register (or stack slot)
at a step of the path, ``origin`` walks back through moves, spills and
fills, argument passing and returns between frames, and reports the events
on the way: where the value was defined, copies, 32-bit operations that cut
a pointer or the upper bounds, arithmetic, spills.  Every event carries the
step it happened at, so the caller can show its source line and the state
the verifier printed there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bpfdoctor.record import record
from bpfdoctor.verifier.numbers import num
from bpfdoctor.verifier.trace import Step

_MOV = re.compile(r"([rw])(\d{1,9}) = (?:\(s\d+\))?([rw])(\d{1,9})$")
_LOAD = re.compile(r"([rw])(\d{1,9}) = \*\(([us])(\d{1,9}) \*\)\(r(\d{1,9}) ([+-]\d{1,9})\)$")
_STORE = re.compile(r"\*\(u(\d{1,9}) \*\)\(r(\d{1,9}) ([+-]\d{1,9})\) = (?:([rw])(\d{1,9})|(-?(?:0x)?[0-9a-f]{1,16}))$")
_ALU = re.compile(r"([rw])(\d{1,9}) ([-+*/%&|^<>sa]{1,4})= (?:([rw])(\d{1,9})|(.+))$")
_ASSIGN = re.compile(r"([rw])(\d{1,9}) = (.+)$")
_COND = re.compile(r"if ([rw])(\d{1,9}) (\S+) (?:([rw])(\d{1,9})|(\S+)) goto pc([+-]\d{1,9})$")
_CALL = re.compile(r"call (\S+?)(?:#(\d{1,9}))?$")

_REF_IDS = re.compile(r"(?:ref_obj_id|id)=(\d+)")


@record
class Event:
    """One def-use event: ``kind`` is one of ``def`` (value defined: ``how``
    says by what), ``copy``, ``trunc32`` (a 32-bit op on the tracked value),
    ``alu`` (arithmetic on it), ``spill``, ``fill``, ``arg`` (passed into a
    callee), ``ret`` (returned by a callee)."""

    kind: str
    pos: int
    step: Step
    what: str            # the register or slot, as the log names it (R3, fp-8)
    how: str = ""        # def: "call bpf_map_lookup_elem", "load", "const", "ctx"...
    value: str = ""      # the verifier's state of ``what`` after this step


@record
class Insn:
    """The parts of an instruction the analysis needs."""

    op: str                     # mov, load, store, alu, assign, cond, call, exit, goto, other
    dst: int | None = None
    src: int | None = None
    wide: bool = True           # False: a 32-bit (w-register) operation
    off: int = 0
    size: int = 0
    aluop: str = ""
    imm: str = ""
    callee: str = ""


_DECODED: dict[str, Insn] = {}  # text -> its Insn: a program has few distinct instructions
_DECODED_MAX = 1 << 16


def decode(text: str) -> Insn:
    """Read one instruction's kernel-syntax text (records are immutable: the
    same text gives the same one).  ``origin`` walks back up to 4,000 steps
    per register it traces, and the diagnosis traces hundreds: decoding each
    step again made a 30 KB log take a second."""
    got = _DECODED.get(text)
    if got is None:
        if len(_DECODED) >= _DECODED_MAX:
            _DECODED.clear()
        got = _DECODED[text] = _decode(text)
    return got


def _helper_name(callee: str, number: str | None) -> str:
    """The helper a call names: ``bpf_map_lookup_elem`` as printed; by its id
    where the kernel printed a number (``call 1``, Linux 4.x) or did not know
    it (``call unknown#182``: bpf_strncmp, added after that kernel)."""
    if callee == "unknown" and number:
        ident = number
    elif callee.isdecimal():
        ident = callee
    else:
        return callee
    from bpfdoctor.isa.helpers import HELPER_NAMES

    return HELPER_NAMES.get(int(ident[:9]), callee)


def _decode(text: str) -> Insn:
    t = text.strip()
    if t == "exit":
        return Insn("exit")
    if t.startswith("goto ") or t.startswith("gotol "):
        return Insn("goto")
    m = _CALL.match(t)
    if m:
        return Insn("call", callee=_helper_name(m.group(1), m.group(2)))
    m = _COND.match(t)
    if m:
        return Insn("cond", dst=num(m.group(2)), src=num(m.group(5)) if m.group(5) else None,
                    wide=m.group(1) == "r", aluop=m.group(3), imm=m.group(6) or "")
    m = _STORE.match(t)
    if m:
        return Insn("store", dst=num(m.group(2)), src=num(m.group(5)) if m.group(5) else None,
                    off=num(m.group(3)), size=num(m.group(1)) // 8, imm=m.group(6) or "")
    m = _LOAD.match(t)
    if m:
        return Insn("load", dst=num(m.group(2)), src=num(m.group(5)), off=num(m.group(6)),
                    size=num(m.group(4)) // 8, wide=m.group(1) == "r")
    m = _MOV.match(t)
    if m:
        return Insn("mov", dst=num(m.group(2)), src=num(m.group(4)), wide=m.group(1) == "r"
                    and m.group(3) == "r")
    m = _ALU.match(t)
    if m:
        return Insn("alu", dst=num(m.group(2)), src=num(m.group(5)) if m.group(5) else None,
                    wide=m.group(1) == "r", aluop=m.group(3), imm=m.group(6) or "")
    m = _ASSIGN.match(t)
    if m:
        return Insn("assign", dst=num(m.group(2)), wide=m.group(1) == "r", imm=m.group(3))
    return Insn("other")


_DEFINES = frozenset(("mov", "load", "alu", "assign"))  # ops whose dst is written (writes())


def writes(insn: Insn) -> int | None:
    """The register an instruction defines (R0 for calls)."""
    if insn.op in _DEFINES:
        return insn.dst
    if insn.op == "call":
        return 0
    return None


def value_at(steps: Sequence[Step], pos: int, name: str, frame: int) -> str | None:
    """The verifier's state of ``name`` in ``frame`` after step ``pos`` (None: not printed)."""
    for i in range(pos, -1, -1):
        st = steps[i]
        if not st.state:
            continue
        f, toks = st.values()
        if f != frame:
            continue
        for k, v in toks:
            if k == name:
                return v
        if st.full:
            return None
    return None


def origin(steps: Sequence[Step], pos: int, reg: int, frame: int,
           limit: int = 4000) -> list[Event]:
    """Events that made register ``reg`` of ``frame`` what it is before step ``pos``,
    nearest first; the last event is the definition when it was found."""
    events: list[Event] = []
    where: tuple[str, int] = ("reg", reg)      # or ("stack", offset from r10)
    seen_exit_in_callee = False
    decoded = _DECODED
    i = pos - 1
    budget = limit
    # The walk passes hundreds of steps per register traced, most of them
    # instructions that write another register: those cost a tuple index, a
    # dict lookup and two compares (Step's fields by position: kind 0, frame 2, text 4).
    while i >= 0 and budget > 0:
        budget -= 1
        st = steps[i]
        cur = i
        i -= 1
        if st[0] != "insn":
            continue
        insn = decoded.get(st[4]) or decode(st[4])
        if where[0] == "reg" and st[2] == frame:
            op = insn.op
            if op != "call" and (insn.dst != where[1] or op not in _DEFINES):
                seen_exit_in_callee = False
                continue
        if st.frame != frame:
            # A callee's exit, met walking back while R0 of the caller is tracked:
            # the value is the callee's R0 (kernel/bpf/verifier.c prepare_func_exit).
            if (st.frame == frame + 1 and insn.op == "exit" and where == ("reg", 0)
                    and not seen_exit_in_callee):
                events.append(_ev("ret", cur, st, steps, "R0", frame + 1))
                frame, seen_exit_in_callee = frame + 1, True
            elif (st.frame == frame - 1 and insn.op == "call" and insn.callee.startswith("pc")
                    and where[0] == "reg" and 1 <= where[1] <= 5):
                # the callee's argument came from the caller's register (check_func_call)
                frame -= 1
                events.append(_ev("arg", cur, st, steps, f"R{where[1]}", frame))
            continue
        seen_exit_in_callee = False
        if where[0] == "reg":
            r = where[1]
            name = f"R{r}"
            if insn.op == "call" and 1 <= r <= 5 and not insn.callee.startswith("pc"):
                events.append(Event("def", cur, st, name, "clobbered by " + st.text, ""))
                return events
            if writes(insn) != r:
                continue
            if insn.op == "call":
                events.append(_ev("def", cur, st, steps, name, frame, "call " + insn.callee))
                if insn.callee.startswith("pc"):
                    continue  # walk into the callee: its exit comes next going back
                return events
            if insn.op == "mov":
                kind = "copy" if insn.wide else "trunc32"
                events.append(_ev(kind, cur, st, steps, name, frame))
                if insn.src == 10:
                    events.append(_ev("def", cur, st, steps, name, frame, "frame pointer"))
                    return events
                where = ("reg", insn.src)
                continue
            if insn.op == "load":
                if insn.src == 10:
                    events.append(_ev("fill", cur, st, steps, name, frame))
                    where = ("stack", insn.off)
                    continue
                events.append(_ev("def", cur, st, steps, name, frame, "load"))
                return events
            if insn.op == "assign":
                events.append(_ev("def", cur, st, steps, name, frame, "const"))
                return events
            # alu: the register keeps its provenance through arithmetic
            events.append(_ev("alu" if insn.wide else "trunc32", cur, st, steps, name, frame))
        else:
            off = where[1]
            if insn.op == "store" and insn.dst == 10 and insn.off <= off < insn.off + insn.size:
                slot = f"fp{insn.off}"
                if insn.src is None:
                    events.append(_ev("def", cur, st, steps, slot, frame, "const"))
                    return events
                events.append(_ev("spill", cur, st, steps, slot, frame))
                where = ("reg", insn.src)
    return events


def _ev(kind: str, pos: int, st: Step, steps: Sequence[Step], name: str, frame: int,
        how: str = "") -> Event:
    """An event at step ``pos``; its value is the state printed after that step."""
    return Event(kind, pos, st, name, how, value_at(steps, pos, name, frame) or "")


def ref_ids(value: str) -> set[int]:
    """Reference ids (id=, ref_obj_id=) in a register's printed state."""
    return {int(x) for x in _REF_IDS.findall(value) if len(x) < 12}


def last_insn_step(steps: Sequence[Step]) -> int | None:
    """Position of the last instruction step (the failing one on a rejected path)."""
    for i in range(len(steps) - 1, -1, -1):
        if steps[i].kind == "insn":
            return i
    return None
