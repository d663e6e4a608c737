"""Root-cause analysis: from the failing instruction back to the line to change (pure).

This module holds the path view every analyser uses (``Path``, ``Analysis``)
and the analysers of pointers, references and return values; accesses with
variable offsets (map values, packets, stack) are in ``rootcause_access``.

``analyze`` takes the parsed log (its path, ``trace.Step``), the family the
message belongs to, and the program's context, and builds the
``Diagnostic``.  Each family's analyser walks def-use edges backwards
(``defuse.origin``) from the register the message names and picks the
primary span: for a NULL dereference the call that returned ``*_or_null``,
for a leaked reference the last line of the path that skipped the release,
for a bad return code the line that set R0, for an unchecked index the
check (or the access, when there is none), for a number used as a pointer
the 32-bit operation that cut it or the release that invalidated it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bpfdoctor.record import record
from bpfdoctor.verifier import defuse
from bpfdoctor.verifier.context import ProgramContext, bail_out, map_from_state, return_codes
from bpfdoctor.verifier.diagnostic import ErrorClass, Span
from bpfdoctor.verifier.model import ParsedLog
from bpfdoctor.verifier.numbers import num
from bpfdoctor.verifier.trace import Step

Locate = Callable[[int], "tuple | None"]

_ERR_REG = re.compile(r"\bR(\d{1,2})\b")
_ALLOC = re.compile(r"alloc_insn=(\d{1,9})")
_RANGE = re.compile(r"should have been in \[?\(?(-?\w+)[,;] ?(-?\w+)")
_RELEASE = ("bpf_sk_release", "bpf_ringbuf_submit", "bpf_ringbuf_discard",
            "bpf_ringbuf_submit_dynptr", "bpf_ringbuf_discard_dynptr", "bpf_task_release",
            "bpf_cgroup_release", "bpf_obj_drop", "bpf_cpumask_release", "bpf_put_file")
# helpers that may move or reallocate packet data: every packet pointer is
# invalidated (kernel/bpf/verifier.c: clear_all_pkt_pointers after
# bpf_helper_changes_pkt_data)
_PKT_CHANGERS = ("bpf_xdp_adjust_head", "bpf_xdp_adjust_tail", "bpf_xdp_adjust_meta",
                 "bpf_skb_store_bytes", "bpf_skb_pull_data", "bpf_skb_change_proto",
                 "bpf_skb_change_tail", "bpf_skb_change_head", "bpf_skb_adjust_room",
                 "bpf_skb_vlan_push", "bpf_skb_vlan_pop", "bpf_l3_csum_replace",
                 "bpf_l4_csum_replace", "bpf_lwt_push_encap", "bpf_clone_redirect",
                 "bpf_msg_pull_data", "bpf_msg_push_data", "bpf_msg_pop_data")
_BRACE = re.compile(r"^[\s{}();]*$")


class Analysis:
    """The pieces a family analyser fills in."""

    def __init__(self) -> None:
        self.primary: Span | None = None
        self.secondary: list[Span] = []
        self.help: list[str] = []
        self.klass: ErrorClass | None = None
        self.why: str = ""
        self.suggestion: str | None = None
        self.notes: list[str] = []


def place(sp: Span) -> tuple[str | None, int | str | None]:
    """A span's source line as a key: (file, line), or (None, text) for a line an
    older kernel's log gave as text alone, or (None, None)."""
    if sp.line is not None:
        return sp.file, sp.line
    return None, sp.text or None


class Path:
    """The log's path with source lookup: what every analyser works on."""

    def __init__(self, log: ParsedLog, locate: Locate | None, ctx: ProgramContext) -> None:
        self.log = log
        self.steps: Sequence[Step] = log.trace
        self.locate = locate
        self.ctx = ctx
        self.fpos = defuse.last_insn_step(self.steps)
        if (self.fpos is not None and log.failing_insn is not None
                and self.steps[self.fpos].index != log.failing_insn.index):
            self.fpos = None
        self.fstep = self.steps[self.fpos] if self.fpos is not None else None
        self.error = log.error or ""

    # -- spans -----------------------------------------------------------------

    def span(self, role: str, label: str, idx: int | None, step: Step | None = None) -> Span:
        insn_text = step.text if step is not None else ""
        if step is None and idx is not None:
            step = self.step_at(idx)
            insn_text = step.text if step else ""
        found = self.locate(idx) if (self.locate is not None and idx is not None) else None
        if found:
            file, line, text = found[0], int(found[1]), found[2] or ""
            col = int(found[3]) if len(found) > 3 and found[3] else None
            return Span(role, label, idx, insn_text, file, line, col, text.rstrip())
        src = step.source if step is not None else None
        if src is None and idx is not None and self.log.failing_insn is not None \
                and idx == self.log.failing_insn.index:
            src = self.log.source
        if src is not None:
            return Span(role, label, idx, insn_text, src.file, src.line, None, src.text)
        return Span(role, label, idx, insn_text)

    def step_at(self, idx: int) -> Step | None:
        for i in range(len(self.steps) - 1, -1, -1):
            if self.steps[i].kind == "insn" and self.steps[i].index == idx:
                return self.steps[i]
        return None

    def line_of(self, pos: int) -> tuple[str | None, int | str | None]:
        """Where step ``pos`` is in the source: (file, line), or (None, its text) when
        the log gave the text alone; (None, None) when it gave nothing."""
        return place(self.span("x", "", self.steps[pos].index, self.steps[pos]))

    def text_of(self, pos: int) -> str:
        return self.span("x", "", self.steps[pos].index, self.steps[pos]).text

    def value(self, pos: int, name: str, frame: int) -> str:
        return defuse.value_at(self.steps, pos, name, frame) or ""

    def error_reg(self) -> int | None:
        m = _ERR_REG.search(self.error)
        return num(m.group(1)) if m else None


# -- helpers on names -----------------------------------------------------------------

_VAR = re.compile(r"(?:^|[\s(,*])([A-Za-z_]\w*)\s*=[^=]")


def assigned_name(text: str) -> str | None:
    """``__u64 *value = bpf_map_lookup_elem(...)`` -> ``value``."""
    m = _VAR.search(text or "")
    return m.group(1) if m else None


def call_name(step: Step | None) -> str:
    if step is None:
        return ""
    insn = defuse.decode(step.text)
    return insn.callee if insn.op == "call" else ""


def _first_def(events: list[defuse.Event]) -> defuse.Event | None:
    return events[-1] if events and events[-1].kind == "def" else None


# -- family analysers ---------------------------------------------------------------------

def null_deref(p: Path, a: Analysis) -> None:
    reg = p.error_reg()
    if p.fpos is None or reg is None:
        return
    events = defuse.origin(p.steps, p.fpos, reg, p.fstep.frame)
    d = _first_def(events)
    if d is None or not d.how.startswith("call"):
        return
    helper = d.how[5:].split("#")[0]
    if _checked_on_a_copy(p, a, d, reg):
        return
    sp = p.span("acquired", f"{helper}() may return NULL here", d.step.index, d.step)
    var = assigned_name(sp.text) or "ptr"
    a.primary = Span("primary", f"`{var}` from {helper}() is not checked for NULL before use",
                     sp.insn, sp.insn_text, sp.file, sp.line, sp.column, sp.text)
    mp = map_from_state(d.value)
    what = f" (map `{mp.name}`, value size {mp.value_size})" if mp and mp.value_size else ""
    ret = bail_out(p.ctx.prog_type)
    a.help.append(f"check `{var}` right after the call{what}: `if (!{var}) return {ret};`")
    a.suggestion = f"{sp.text.strip()}\nif (!{var})\n        return {ret};"
    for e in events[:-1]:
        if e.kind in ("copy", "spill", "fill"):
            a.secondary.append(p.span("value-from", f"the pointer is {e.kind} here ({e.what})",
                                      e.step.index, e.step))
            break


def _checked_on_a_copy(p: Path, a: Analysis, d: defuse.Event, reg: int) -> bool:
    """The pointer was tested for NULL, but in another register holding the same
    value (``r7 = r0; if r0 == 0x0 ...; *(r7 + 0)``).  Kernels give the copies one
    id and mark them all non-NULL at the test; a kernel that rejects this did not
    (Linux 4.4 did not, 4.8 does): the program is right."""
    frame = p.fstep.frame
    for i in range(d.pos + 1, p.fpos):
        st = p.steps[i]
        if st.kind != "insn" or st.frame != frame:
            continue
        c = defuse.decode(st.text)
        if c.op != "cond" or c.src is not None or c.aluop not in ("==", "!=") or c.dst == reg \
                or c.imm not in ("0x0", "0"):
            continue
        if _took_non_null_side(p, i, st, c.aluop) is not True:
            continue  # the failing path is the NULL side: the program is wrong
        same = _first_def(defuse.origin(p.steps, i, c.dst, frame))
        if same is None or same.step.index != d.step.index:
            continue
        a.primary = p.span("primary", f"the NULL check is here, on r{c.dst}: the same pointer as "
                           f"R{reg}, which this kernel still calls possibly NULL", st.index, st)
        a.klass = ErrorClass.FALSE_POSITIVE
        a.why = (f"The pointer is checked, in another register holding the same value (r{c.dst} at "
                 f"insn {st.index}). Kernels give copies of a maybe-NULL pointer one id and mark "
                 "them all non-NULL at the check; this kernel did not carry the check over (Linux "
                 "4.4 did not, 4.8 does).")
        a.help.append(f"test the register that is used: compare the pointer right before using it, "
                      "or keep one variable for it (clang picked which copy to test), or run a "
                      "newer kernel")
        return True
    return False


def _took_non_null_side(p: Path, i: int, st: Step, aluop: str) -> bool | None:
    """Whether the path went on from the test at ``p.steps[i]`` on the side where
    the register is not NULL (``==``: fell through; ``!=``: jumped); None if the
    log does not say."""
    m = re.search(r"goto pc([+-]\d{1,9})$", st.text)
    if m is None:
        return None
    target = st.index + 1 + num(m.group(1))
    for j in range(i + 1, min(i + 4, p.fpos + 1)):
        nxt = p.steps[j]
        if nxt.kind in ("insn", "branch"):
            jumped = nxt.index == target and nxt.index != st.index + 1
            fell = nxt.index == st.index + 1
            if not (jumped or fell):
                return None
            return fell if aluop == "==" else jumped
    return None


def scalar_deref(p: Path, a: Analysis) -> None:
    reg = p.error_reg()
    if p.fpos is None or reg is None:
        return
    frame = p.fstep.frame
    events = defuse.origin(p.steps, p.fpos, reg, frame)
    failing = defuse.decode(p.fstep.text)
    if failing.op == "alu" and not failing.wide and failing.dst == reg:
        # the rejected instruction is itself the 32-bit operation on the pointer
        events = [defuse.Event("trunc32", p.fpos, p.fstep, f"R{reg}")] + events
    for e in events:
        if e.kind == "trunc32":
            before = p.value(e.pos - 1, e.what, e.step.frame) if e.pos else ""
            sp = p.span("bounds-lost", "a 32-bit operation here turns the pointer into a number",
                        e.step.index, e.step)
            cast = re.search(r"\((?:__)?[us]32\)|\(u?int\)|\(unsigned int\)", sp.text or "")
            # a 32-bit context field (xdp_md->data, __sk_buff->data are __u32) used
            # in arithmetic is the source's own doing, not clang's
            ctx_field = _from_ctx_u32(p, events, e)
            a.klass = ErrorClass.SOURCE_BUG if cast or ctx_field else ErrorClass.LOWERING_ARTIFACT
            if ctx_field:
                a.help.append("the context's data pointers are __u32 fields: turn them into "
                              "pointers first (`void *data = (void *)(long)ctx->data;`); to move "
                              "the packet start use bpf_xdp_adjust_head()/bpf_skb_adjust_room()")
            a.primary = Span("primary", sp.label, sp.insn, sp.insn_text, sp.file, sp.line,
                             sp.column, sp.text)
            a.why = ("the value was a pointer until a 32-bit operation (" + e.step.text +
                     ") kept only its low half; the verifier then sees a plain number"
                     + (f" (before: {before})" if before else ""))
            if not ctx_field:
                a.help.append("keep pointers in 64-bit variables: no (u32)/(int) casts, no "
                              "32-bit arithmetic on them" + ("" if cast else "; if the source "
                              "has none, keep the pointer in a `void *` variable (or add "
                              "`barrier_var(ptr)`) so clang does not narrow it"))
            return
    if _spill_dropped_pointer(p, a, events):
        return
    stale = _packet_changed_after(p, events)
    if stale is not None:
        a.primary = p.span("primary", f"{call_name(stale).split('#')[0]}() may move the packet: "
                           "every packet pointer taken before it is invalid after it",
                           stale.index, stale)
        a.why = ("the register was a packet pointer, but a helper that can change packet data "
                 "ran since; the verifier then forgets every packet pointer (they become numbers)")
        a.help.append(f"after {call_name(stale).split('#')[0]}(), reload data/data_end from the "
                      "context and repeat the bounds check before touching the packet")
        return
    released = _released_before(p, events)
    if released is not None:
        rel_step, acq = released
        a.primary = p.span("primary", f"the reference is released here by "
                           f"{call_name(rel_step)}(); the pointer is dead afterwards",
                           rel_step.index, rel_step)
        if acq is not None:
            a.secondary.append(p.span("acquired", "reference acquired here", acq.step.index,
                                      acq.step))
        a.why = ("the register held a referenced pointer that was released earlier on this path: "
                 "after the release the verifier turns every copy into a plain number")
        a.help.append(f"use the pointer before {call_name(rel_step)}(), or copy the fields you "
                      "need into locals before releasing it")
        return
    d = _first_def(events)
    if d is not None and d.how == "load":
        src = defuse.decode(d.step.text).src
        base = p.value(d.pos - 1, f"R{src}", d.step.frame) if src is not None else ""
        a.secondary.append(p.span("value-from", "the address is read from memory here"
                                  + (f" (through {base.split('(')[0]})" if base else ""),
                                  d.step.index, d.step))
        a.help.append("to read memory behind an address stored in a struct or map, copy it with "
                      "bpf_probe_read_kernel(&dst, sizeof(dst), addr) (or BPF_CORE_READ) instead "
                      "of dereferencing it")


# A stack slot's marks for plain data: what a slot shows when the store was not
# kept as a spilled register (m: misc, 0: zero, ?: invalid)
_DATA_MARKS = frozenset("m0?")
_SCALAR = re.compile(r"(?:inv|scalar|P?-?\d)")


def _after(p: Path, pos: int, name: str, frame: int) -> str | None:
    """``name``'s state printed right after the instruction at step ``pos``: on
    its own line (";" since 6.2) or on the state line that follows (before)."""
    st = p.steps[pos]
    if not st.state and pos + 1 < len(p.steps):
        nxt = p.steps[pos + 1]
        if nxt.kind != "state" or nxt.index != st.index:
            return None
        st = nxt
    if not st.state:
        return None
    f, toks = st.values()
    if f != frame:
        return None
    return next((v for k, v in toks if k == name), None)


@record
class KeptBytes:
    """A value read back from a stack slot whose 8-byte store the kernel kept only
    as bytes (the slot printed as plain data where a kept spill prints the register)."""

    fill: defuse.Event
    spill: defuse.Event
    src: int       # the register stored
    stored: str    # its state when stored
    slot: str      # the slot's marks after the store
    filled: str    # the state read back ("" when not printed)


def kept_bytes(p: Path, events: list[defuse.Event]) -> KeptBytes | None:
    """The nearest fill of ``events`` (a register's def-use chain) when its spill
    kept only bytes: an 8-byte store, the slot then all plain-data marks, an 8-byte load."""
    fill = next((i for i, e in enumerate(events) if e.kind == "fill"), None)
    if fill is None or fill + 1 >= len(events) or events[fill + 1].kind != "spill":
        return None
    f, sp = events[fill], events[fill + 1]
    store, load = defuse.decode(sp.step.text), defuse.decode(f.step.text)
    if store.size != 8 or load.size != 8 or store.src is None:
        return None
    frame = sp.step.frame
    slot = _after(p, sp.pos, sp.what, frame)
    stored = _after(p, sp.pos, f"R{store.src}", frame) or p.value(sp.pos - 1, f"R{store.src}", frame)
    if not slot or not set(slot) <= _DATA_MARKS or not stored:
        return None
    return KeptBytes(f, sp, store.src, stored, slot, _after(p, f.pos, f.what, frame) or "")


def _spill_dropped_pointer(p: Path, a: Analysis, events: list[defuse.Event]) -> bool:
    """The number was a pointer until a spill this kernel did not keep
    (``kept_bytes``).  The verifier keeps a spill only of the pointer types it
    lists (``is_spillable_regtype``); ``mem`` (bpf_ringbuf_reserve) joined in 5.11
    and 5.10.10 (a fix for the ring buffer's 5.8 verifier support)."""
    k = kept_bytes(p, events)
    if k is None or _SCALAR.match(k.stored) or k.stored.startswith("fp") \
            or (k.filled and not _SCALAR.match(k.filled)):
        return False
    f, sp = k.fill, k.spill
    kind = k.stored.split("(", 1)[0]
    a.klass = ErrorClass.FALSE_POSITIVE
    a.primary = p.span("primary", f"r{k.src} holds a pointer ({kind}) stored here, but the slot "
                       f"then holds plain data ({sp.what}={k.slot}): this kernel does not keep a "
                       f"{kind} pointer spilled to the stack", sp.step.index, sp.step)
    a.secondary.append(p.span("value-from", f"read back here as a number ({f.what}={k.filled or 'scalar'})",
                              f.step.index, f.step))
    newer = " (5.10.10 and 5.11 keep `mem`, from bpf_ringbuf_reserve)" if kind.startswith("mem") else ""
    a.why = (f"The value was a {kind} pointer when it was stored to {sp.what}; the kernel kept only "
             "the bytes, not the pointer's type, so the 8-byte load gives a plain number. The "
             "verifier keeps a spilled register's type only for the pointer types it lists "
             "(is_spillable_regtype), and this kernel's list lacks this one" + newer +
             ". The program is right.")
    a.help.append(f"keep the {kind} pointer in a register across this code (fewer live values, so "
                  "clang need not spill it: split the function, or use the pointer right after "
                  "it is made), or run a kernel that keeps such spills" + newer)
    return True


_UNBOUNDED_SIZE = re.compile(r"R\d{1,2} (?:min value is negative|unbounded memory access)")
# a scalar's printed bounds: 6.x (umax=, smin=, var_off=) and older (umax_value=, ...)
_BOUNDS = re.compile(r"\b(?:[us](?:min|max)(?:32)?(?:_value)?|var_off)=")


def spill_dropped_bounds(p: Path, a: Analysis, events: list[defuse.Event], what: str) -> bool:
    """The value had bounds until a spill the kernel kept as bytes: before Linux
    5.10 (5689d49b71ad, "Track spill/fill of bounded scalars") the verifier kept
    only constants across a spill (and since, bounded scalars only for loaders with
    CAP_BPF), so a bounded index or size came back unbounded."""
    k = kept_bytes(p, events)
    if k is None or not _SCALAR.match(k.stored) or not _BOUNDS.search(k.stored) \
            or (k.filled and _BOUNDS.search(k.filled)):
        return False
    f, sp = k.fill, k.spill
    a.klass = ErrorClass.FALSE_POSITIVE
    a.primary = p.span("primary", f"r{k.src} is stored here with its bounds ({k.stored}), but the "
                       f"slot then holds plain data ({sp.what}={k.slot}): the kernel did not keep "
                       "the bounds across the spill", sp.step.index, sp.step)
    a.secondary.append(p.span("value-from", f"read back here without bounds ({f.what}="
                              f"{k.filled or 'scalar'})", f.step.index, f.step))
    a.why = (f"The {what} had bounds when it was stored to {sp.what}; the kernel kept only its "
             "bytes, so the 8-byte load gives a number without bounds. Kernels before 5.10 keep "
             "only constants across a spill; later ones keep a bounded number too, for loaders "
             "with CAP_BPF (check_stack_write). The program is right.")
    a.help.append(f"bound the {what} again after it is read back, right before its use (`if (x > N) "
                  "return 0;` or `x &= MASK;`), or keep it in a register (fewer live values); or "
                  "load with CAP_BPF on Linux 5.10 or later")
    return True


def _packet_changed_after(p: Path, events: list[defuse.Event]) -> Step | None:
    """The pkt-changing helper call between a packet pointer's definition and its use."""
    d = _first_def(events)
    start = d.pos if d is not None else 0
    pkt = any(e.value.startswith("pkt") for e in events)
    if not pkt and d is not None:
        pkt = p.value(d.pos, d.what, d.step.frame).startswith("pkt")
    if not pkt:
        return None
    for i in range(p.fpos - 1, start, -1):
        st = p.steps[i]
        if st.kind == "insn" and call_name(st).split("#")[0] in _PKT_CHANGERS:
            return st
    return None


def _from_ctx_u32(p: Path, events: list[defuse.Event], trunc: defuse.Event) -> bool:
    """The value cut to 32 bits was itself loaded as a 4-byte context field."""
    d = _first_def(events)
    if d is None or d.how != "load" or d.pos > trunc.pos:
        return False
    insn = defuse.decode(d.step.text)
    base = p.value(d.pos - 1, f"R{insn.src}", d.step.frame) if insn.src is not None else ""
    return insn.size == 4 and base.startswith("ctx")


def _released_before(p: Path, events: list[defuse.Event]):
    """(release call step, acquire event) when the value was a reference released on the path."""
    d = _first_def(events)
    if d is None or not d.how.startswith("call"):
        return None
    ids = defuse.ref_ids(d.value)
    for i in range(d.pos + 1, p.fpos or 0):
        st = p.steps[i]
        if st.kind == "insn" and call_name(st).split("#")[0] in _RELEASE:
            arg = defuse.value_at(p.steps, i - 1, "R1", st.frame) or ""
            if not ids or ids & defuse.ref_ids(arg):
                return st, d
    return None


def leaked_reference(p: Path, a: Analysis) -> None:
    m = _ALLOC.search(p.error + " " + " ".join(p.log.error_detail))
    acq_idx = num(m.group(1)) if m else None
    if acq_idx is not None:
        acq = p.step_at(acq_idx)
        name = call_name(acq)
        a.secondary.append(p.span("acquired", f"reference acquired here by {name}()" if name else
                                  f"reference acquired at insn {acq_idx} (a call this part of the "
                                  "log does not show)", acq_idx, acq))
    if p.fpos is None:
        return
    # the last statement on the leaking path before the exit: the release belongs after it
    acq_file_line = place(a.secondary[0]) if a.secondary else (None, None)
    start = 0
    if acq_idx is not None:
        for i in range(p.fpos, -1, -1):
            if p.steps[i].kind == "insn" and p.steps[i].index == acq_idx:
                start = i
                break
    # The last statement the leaking path ran before the exit: the release goes
    # right after it (for an early return, the `if` that chose the path).  Where
    # clang merged the `return` into the epilogue, the path has no line of its own.
    for i in range(p.fpos - 1, start, -1):
        st = p.steps[i]
        if st.kind != "insn":
            continue
        text = p.text_of(i)
        if _BRACE.match(text or "") or (p.line_of(i) == acq_file_line):
            continue
        a.primary = p.span("primary", "the path through this line reaches the exit without "
                           "releasing the reference", st.index, st)
        break
    if acq_idx is None and "reference" not in p.error.lower():
        return  # a lock or RCU section left open: the catalog's fix names its unlock
    rel = _release_for(call_name(p.step_at(acq_idx)) if acq_idx is not None else "")
    var = assigned_name(a.secondary[0].text) if a.secondary else None
    a.help.append(f"release it on every path before returning: {rel.format(var or 'ptr')}")


def _callee_start(step: Step) -> int | None:
    """The first instruction of a BPF-to-BPF callee (``call pc+N``)."""
    m = re.match(r"call pc([+-]\d{1,9})$", step.text.strip())
    return step.index + num(m.group(1)) + 1 if m else None


def _release_for(acquire: str) -> str:
    name = acquire.split("#")[0]
    if "ringbuf_reserve" in name:
        return "bpf_ringbuf_submit({0}, 0) or bpf_ringbuf_discard({0}, 0)"
    if "sk_lookup" in name or "skc_lookup" in name:
        return "bpf_sk_release({0})"
    if "task" in name:
        return "bpf_task_release({0})"
    if "cgroup" in name:
        return "bpf_cgroup_release({0})"
    if "obj_new" in name:
        return "bpf_obj_drop({0})"
    return ("the release that matches its acquire on {0} (bpf_ringbuf_submit/discard after "
            "bpf_ringbuf_reserve, bpf_sk_release after bpf_sk_lookup_*, bpf_task_release, "
            "bpf_cgroup_release, bpf_obj_drop...)")


def return_range(p: Path, a: Analysis) -> None:
    if p.fpos is None:
        return
    events = defuse.origin(p.steps, p.fpos, 0, p.fstep.frame)
    # the instruction that last changed R0 (clang may build the constant in steps)
    d = next((e for e in events if e.kind != "ret"), None)
    codes = return_codes(p.ctx.prog_type)
    rng = _RANGE.search(p.error + " " + " ".join(p.log.error_detail))
    if d is not None:
        a.primary = p.span("primary", "R0 gets the returned value here", d.step.index, d.step)
    if rng:
        a.help.append(f"return a value in [{rng.group(1)}, {rng.group(2)}]"
                      + (f" — {codes}" if codes else ""))
    elif codes:
        a.help.append(f"return {codes}")


def missing_return(p: Path, a: Analysis) -> None:
    if p.fstep is not None and defuse.decode(p.fstep.text).op == "exit":
        a.primary = p.span("primary", "the function reaches its end without setting a return "
                           "value", p.fstep.index, p.fstep)
        ret = bail_out(p.ctx.prog_type)
        a.help.append(f"return a value on every path (for this program type: `return {ret};`)")


def core_field(p: Path, a: Analysis) -> None:
    """A CO-RE relocation the loader could not resolve: point at the line that names
    the field (clang may attribute the relocated instruction to an earlier line)."""
    for insn, spec in p.ctx.core_failures:
        # "<byte_off> [7] struct task_struct___old.state (0:0 @ offset 0)",
        # "<enumval_value> [9] enum e___x::NAME = 7": the last name is the member
        names = re.findall(r"[A-Za-z_]\w*", spec.split("(")[0].split("=")[0])
        field = names[-1] if names else ""
        a.help.append(f"this kernel's BTF has no `{field}` where the program expects it "
                      f"({spec.split('(')[0].strip()}): guard the access with "
                      f"bpf_core_field_exists() or read the field's new name")
        if p.locate is None or not field.isidentifier():
            continue
        for j in range(insn, insn + 64):
            found = p.locate(j)
            if found and re.search(rf"\b{re.escape(field)}\b", found[2] or ""):
                a.primary = p.span("primary", f"the field `{field}` does not exist on this "
                                   "kernel", j)
                return


def ctx_modified(p: Path, a: Analysis) -> None:
    """``dereference of modified ctx ptr``: where the context pointer was moved."""
    reg = p.error_reg()
    if p.fpos is None or reg is None:
        return
    for e in defuse.origin(p.steps, p.fpos, reg, p.fstep.frame):
        if e.kind == "alu":
            a.primary = p.span("primary", "the context pointer is moved here (an offset chosen at "
                               "run time)", e.step.index, e.step)
            a.help.append("read each context field with its own constant offset: load both "
                          "fields unconditionally and pick the value, or move one read into a "
                          "__noinline function")
            return


def complexity(p: Path, a: Analysis) -> None:
    """Program too large: point at the loop whose back-edge the walk keeps taking."""
    counts: dict[int, int] = {}
    for st in p.steps[-20000:]:
        if st.kind == "insn":
            insn = defuse.decode(st.text)
            if insn.op in ("cond", "goto") and "pc-" in st.text:
                counts[st.index] = counts.get(st.index, 0) + 1
    if counts:
        idx = max(counts, key=counts.get)
        a.primary = p.span("primary", "the verifier walks this loop until its budget runs out",
                           idx, p.step_at(idx))
    a.help.append("bound the loop with a small constant, move its body into bpf_loop() (5.17+) "
                  "or an open-coded iterator (bpf_for, 6.4+), or split the work with tail calls")


def stack_frames(p: Path, a: Analysis) -> None:
    """Combined stack over 512 bytes: name the frames and the largest one."""
    depth = p.log.stats.stack_depth if p.log.stats is not None else ()
    m = re.search(r"combined stack size of (\d{1,4}) calls is (\d{1,9})", p.error)
    if len(depth) > 1:
        big = max(range(len(depth)), key=lambda i: depth[i])
        who = "the program's own function" if big == 0 else f"subprogram #{big}"
        a.help.append(f"the frames are {'+'.join(map(str, depth))} bytes"
                      + (f" = {m.group(2)}" if m else "") + f" > 512; the largest is {who} "
                      f"({depth[big]} B): move its big locals into a per-CPU array map value "
                      "(or shrink them), or inline the smaller function into the larger one")


def helper_call(p: Path, a: Analysis) -> None:
    if p.fstep is not None and _UNBOUNDED_SIZE.search(p.error):
        # a size argument without bounds: were they lost in a spill?
        reg = p.error_reg()
        if reg is not None and spill_dropped_bounds(
                p, a, defuse.origin(p.steps, p.fpos, reg, p.fstep.frame), "size"):
            return
    if p.fstep is not None and "global function" in p.error:
        callee = _callee_start(p.fstep)
        if callee is not None:
            a.primary = p.span("primary", "this function is global (not static): the verifier "
                               "checks it on its own and cannot call it here", callee)
            a.help.append("make the function `static` so the verifier checks it at each call "
                          "site, or call it outside the locked section")
            return
    if p.fstep is not None:
        name = call_name(p.fstep).split("#")[0]
        if name and "invalid func" in p.error and not name.startswith("unknown"):
            # a helper id this kernel does not know: name it (decoded from the id)
            said = f"{name}() is newer than this kernel: it has no such helper"
            if name == "bpf_trace_vprintk":
                said += (" (bpf_printk() with more than 3 arguments compiles to it, Linux 5.16+: "
                         "print at most 3 values per call on older kernels)")
            a.help.insert(0, said)
        elif name == "bpf_d_path":
            a.help.insert(0, "bpf_d_path() is allowed only in tracing programs attached to the "
                          "functions on the kernel's allow list (kernel/trace/bpf_trace.c: "
                          "btf_allowlist_d_path, and LSM hooks): attach to one of them, or read "
                          "the path another way")
        elif name:
            a.help.insert(0, f"the call is {name}() at this line")
