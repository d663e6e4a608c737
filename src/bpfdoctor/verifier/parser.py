"""Streaming parser for verifier logs (levels 1 and 2, kernels 4.x to 6.18).

One pass, one line at a time, memory bounded by the program (not the log):
a 1M-instruction level-2 log is hundreds of MB and is never held in memory.
The parser keeps only what the explanation needs: the last instruction and
the register state before it, the branch path of the current walk, the
source comment in force, the error lines and the statistics.

Input may be a bare kernel log, libbpf's framed output (bpftool -d), a
cilium/ebpf error line, or a log pasted inside other text; unknown lines
are counted, never fatal.
"""

from __future__ import annotations

import io
import os
import re
from collections import deque
from collections.abc import Iterable

from bpfdoctor.errors import input_error
from bpfdoctor.lazylog import get_logger
from bpfdoctor.verifier import lines as L
from bpfdoctor.verifier.model import NO_ERROR_NOTE, Branch, Insn, ParsedLog, SourceLine, Stats, Verdict
from bpfdoctor.verifier.numbers import num
from bpfdoctor.verifier.state import apply_annotation, parse_state
from bpfdoctor.verifier.trace import PathRecorder

log = get_logger(__name__)

_MAX_DETAIL = 20          # error lines kept after the first
_MAX_PATH = 4096          # branch events kept; older ones are dropped
_RECENT = 8               # instructions kept before the failing one
_CALLER_SAVED = ("R1", "R2", "R3", "R4", "R5")
# Lines not worth showing in an excerpt: liveness tables, precision backtracking.
_NOT_EXCERPT = ("mark_precise:", "Live regs", "(", "libbpf: ", "Error: ", "Warning: ",
                "If it used to work")
_STRERROR = {os.strerror(e).lower(): e for e in range(1, 134)}
_STRERROR["unknown error 524"] = 524  # ENOTSUPP has no libc name
# Lines the kernel sometimes glues to the previous one when a message lacks
# its newline ("...for tail callprocessed 12 insns", an instruction followed
# by "BPF program is too large. Processed 1000001 insn").
_GLUE = re.compile(r"processed \d|BPF program is too large|verification time ")


_AYA = "Verifier output: "
# An instruction that writes a register: "r1 = r6", "w2 += 4", "r0 = *(u64 *)(r1 +8)"
_WRITES = re.compile(r"[rw](\d{1,2}) ([-+*/%&|^]|<<|>>|s>>|s/|s%)?= ")
_SINCE = "? (after the last state: "


def _worded(value) -> str:
    """A register's value for display: the state's text, or the instructions
    that wrote it since the last state (the last four)."""
    if value.__class__ is not tuple:
        return value
    before, steps = value
    said = [f"{verb}insn {idx}: {text.strip()}" for idx, text, verb in steps]
    if before is not None:
        said.insert(0, f"was {before}")
    return f"{_SINCE}{'; '.join(said)})"


def _glue_points(s: str) -> list[int]:
    """Where further lines start inside ``s`` (none: an empty list); one linear
    scan.  (Substring tests first: almost no line holds any of the three, and
    ``in`` is a fraction of a regex search.)"""
    if "processed " not in s and "BPF program is" not in s and "verification time " not in s:
        return []
    return [m.start() for m in _GLUE.finditer(s, 1)]


def _noise(s: str) -> bool:
    """A line the verifier prints on the way that is never the error (most
    lines of a level-2 log end here)."""
    return ((s.startswith(L.NOISE_PREFIXES) and not L.NOISE_ERRORS.match(s))
            or L.LIVENESS_DEBUG.match(s) is not None
            or L.PASTE_NOISE.match(s) is not None
            or (s.startswith("func '") and L.BTF_ARG_INFO.match(s) is not None))


def _unwrap(s: str) -> str:
    """The log line inside a logger's line (``s`` itself when there is none):
    logfmt's ``msg="..."`` (unescaped), logrus's ``ERRO[0045] ``, a syslog or
    journald ``host proc[pid]: `` prefix, env_logger's or tracing's timestamp,
    level and module.  Substring tests first: a kernel line holds none of them."""
    if 'msg="' in s or 'error="' in s:
        m = L.LOGFMT_ERROR.search(s) if 'error="' in s else None
        m = m or L.LOGFMT_MSG.search(s)
        if m:
            return _unescaped(m.group(1))
    if "\\n" in s and s[0] != ";":
        # the whole log as one quoted, escaped string: a Rust error's Debug form
        # (aya: verifier_log: "func#0 @0\n..."), Go's %q
        q, r = s.find('"'), s.rfind('"')
        if 0 <= q < r and s.count("\\n", q, r) >= 3:
            return _unescaped(s[q + 1:r])
    if s.startswith(L.LOGRUS_LEVELS):
        end = s.find("] ", 5)
        if end > 5 and s[5:end].isdecimal():
            return s[end + 2:]
    if "]: " in s:
        m = L.SYSLOG.match(s)
        if m:
            return s[m.end():]
    if _rust_logged(s):
        m = L.RUST_LOGGER.match(s)
        if m and m.end() < len(s):
            return s[m.end():]
    return s


def _unescaped(s: str) -> str:
    """A quoted string's text: ``\\n``, ``\\t``, ``\\"`` and ``\\\\`` undone."""
    return (s.replace("\\\\", "\0").replace('\\"', '"').replace("\\t", "\t")
            .replace("\\n", "\n").replace("\0", "\\"))


def _rust_logged(s: str) -> bool:
    """Whether ``s`` may start with a Rust logger's timestamp (cheap tests first)."""
    return (s[0] == "[" and s[1:5].isdecimal()) or (s[:4].isdecimal() and s[4:5] == "-")


def _markdown(s: str) -> str:
    """``s`` without a Markdown quote's ``>`` marks or the ``**`` around a bold line."""
    if s[0] == ">":
        s = L.MD_QUOTE.sub("", s)
    if s.startswith("**") and s.endswith("**") and len(s) > 4:
        s = s[2:-2].strip()
    return s


def _unquoted(s: str) -> str:
    """A line without the quote mark a person put before it when pasting
    (``'R2 pointer arithmetic ... prohibited``): only an unpaired one (the
    kernel's ``'struct %s' access ...`` stays; and some kernel messages end in
    an unpaired quote of their own, ``R%d is not a known constant'``)."""
    q = s[0]
    if q in "'\"`" and s.count(q) % 2:
        s = s[1:].lstrip() or s
    return _without_arrow(s)


def _without_arrow(s: str) -> str:
    """``s`` without an arrow a person put after it: "R2 invalid mem access 'inv'  <----- here"."""
    i = s.find("<--")
    if i < 0:
        i = s.find("<==")
    if i > 0 and s[i - 1].isspace():
        j = i + 1
        while j < len(s) and s[j] == s[i + 1]:
            j += 1
        if (j == len(s) or s[j].isspace()) and s[:i].strip():
            return s[:i].rstrip()
    return s


def _jump_class(opcode: int) -> bool:
    """Conditional jumps: the verifier pushes the other side as a state (BPF_JMP/JMP32)."""
    cls = opcode & 0x07
    return cls in (0x05, 0x06) and (opcode >> 4) not in (0x0, 0x8, 0x9)


def _is_helper_call(insn: Insn) -> bool:
    return insn.opcode == 0x85 and not insn.text.startswith("call pc")


class _Walk:
    """Mutable state of one log being read; ``result()`` freezes it."""

    def __init__(self) -> None:
        self.regs: dict[int, dict[str, str]] = {}
        self.frame = 0
        self.pending: tuple[Insn, str | None] | None = None  # last insn, its annotation
        self.recent: deque[Insn] = deque(maxlen=_RECENT)
        self.calls: dict[int, str] = {}
        self.jump_pos: dict[int, int] = {}
        self.path: list[Branch] = []
        self.path_dropped = 0
        self.sources: dict[int, SourceLine] = {}
        self.source: SourceLine | None = None
        self.next_source: SourceLine | None = None
        self.funcs: list[tuple[int, int]] = []
        self.errors: list[str] = []
        self.stats: Stats | None = None
        self.usec: int | None = None
        self.depth: tuple[int, ...] = ()
        self.first_kind: str | None = None
        self.insn_lines = 0
        self.first_insn: int | None = None
        self.prelude: tuple[str, ...] = ()  # the error candidates before the first instruction
        self.after_stats = False
        self.rec = PathRecorder()
        self.annotated = 0
        self.validating: tuple[str, int] | None = None
        self.gapped = False
        self.closed = False  # a loader's one-line error was read: other text is not the error
        self.old_kernel = False  # 4.x wordings seen ("R1=inv", "min_value=", "call 1")

    # -- instructions and states -------------------------------------------------

    def insn(self, idx: int, opcode: int | None, text: str, ann: str | None) -> None:
        self._settle_pending()
        if self.first_insn is None:
            self.first_insn = idx
            self.prelude = tuple(self.errors)  # (at most _MAX_DETAIL + 1)
        self.insn_lines += 1
        self.closed = False
        insn = Insn(idx, opcode if opcode is not None else -1, text, self.frame)
        if opcode == 0x85 and not self.old_kernel and text[5:6].isdecimal():
            self.old_kernel = True  # "call 1": kernels before 4.14 printed no helper names
        self.pending = (insn, ann)
        self.recent.append(insn)
        self.errors.clear()
        if self.next_source is not None:
            self.sources[idx] = self.next_source
            self.next_source = None
        elif self.source is not None and idx not in self.sources:
            # the kernel prints "; line" only when it changes (verbose_linfo)
            self.sources[idx] = self.source
        self.rec.insn(idx, insn.opcode, text, self.frame, self.sources.get(idx))
        if opcode is not None and _jump_class(opcode):
            self.jump_pos[idx] = len(self.path)
        elif opcode == 0x85:
            self.calls[idx] = text

    def _settle_pending(self) -> None:
        """Apply the previous instruction's effects: its annotation, calls, exits."""
        if self.pending is None:
            return
        insn, ann = self.pending
        self.pending = None
        self.rec.annotate(ann or "")
        if ann:
            self.annotated += 1
        if not ann and insn.text[:1] in "rw":
            # no state after it: the register it writes no longer holds the value
            # the last state showed (a level-1 log, a 4.x log between its states).
            # Kept as (value before, last steps) and worded once, by finish().
            m = _WRITES.match(insn.text)
            if m:
                regs = self.regs.setdefault(self.frame, {})
                key = "R" + m.group(1)
                old = regs.get(key) if m.group(2) else None
                if old.__class__ is tuple:
                    regs[key] = (old[0], (*old[1][-3:], (insn.index, insn.text, "")))
                else:
                    regs[key] = (old, ((insn.index, insn.text, ""),))
        if insn.opcode == 0x85:
            # kernel/bpf/verifier.c: check_helper_call and check_func_call
            # (clear_caller_saved_regs) mark R1-R5 of the caller not
            # initialised across any call.
            regs = self.regs.setdefault(self.frame, {})
            for r in _CALLER_SAVED:
                regs.pop(r, None)
            if not ann and _is_helper_call(insn):
                regs["R0"] = (None, ((insn.index, insn.text, "returned by "),))
            if not _is_helper_call(insn):
                self.frame += 1
        elif insn.opcode == 0x95 and self.frame > 0:
            self.frame -= 1
        if ann:
            self.frame = apply_annotation(self.regs, ann, self.frame)

    def full_state(self, text: str) -> int:
        """A complete state (``from X to Y:``, print_all): replaces that frame's registers."""
        self._settle_pending()
        self._wording(text)
        frame, regs = parse_state(text, self.frame)
        self.frame = frame
        self.regs[frame] = regs
        return frame

    def partial_state(self, text: str) -> None:
        """An ``N: R..`` state line: since 6.x only the registers scratched since the
        last print (kernel/bpf/log.c: print_verifier_state with print_all=false),
        so it is merged, not substituted."""
        self._settle_pending()
        self._wording(text)
        self.frame = apply_annotation(self.regs, text, self.frame)
        self.rec.state(text, self.frame, full=False)

    def state_at_pending(self, text: str) -> None:
        """A bare ``R0=.. R1=..`` line right after an instruction: the state the
        kernel dumps at that instruction before its error (check_mem_access's
        print_verifier_state); the instruction stays the one that failed."""
        self._wording(text)
        self.frame = apply_annotation(self.regs, text, self.frame)

    def _wording(self, state: str) -> None:
        if not self.old_kernel and ("=inv" in state or "_value=" in state or "=imm" in state):
            self.old_kernel = True

    def branch(self, src: int, dst: int, state: str) -> None:
        self._settle_pending()
        self.errors.clear()  # the walk went on: the lines since the last instruction were no error
        # A jump not seen since a skim's gap was pushed before it: the path to it is unknown.
        keep = self.jump_pos.get(src, 0 if self.gapped else len(self.path))
        del self.path[keep:]
        self.path.append(Branch(src, dst))
        if len(self.path) > _MAX_PATH:
            drop = len(self.path) - _MAX_PATH // 2
            del self.path[:drop]
            self.path_dropped += drop
            self.jump_pos = {k: max(v - drop, 0) for k, v in self.jump_pos.items()}
        frame = self.frame
        if state and state != "safe":
            frame = self.full_state(state)
        self.rec.branch(src, dst, state, frame)

    def pruned(self) -> None:
        """``12: safe``: this path ended at 12, in a state already verified; the
        walk goes on (the lines since the last instruction were no error)."""
        self._settle_pending()
        self.errors.clear()

    def _fresh_walk(self) -> None:
        """Registers, frame and path start again (the previous instruction settled)."""
        self._settle_pending()
        self.regs, self.frame, self.path, self.jump_pos = {}, 0, [], {}
        self.rec.restart()

    def validate(self, name: str, num: int) -> None:
        """``Validating f() func#N...``: a global function is verified on its
        own, from its first instruction (kernel/bpf/verifier.c:
        do_check_subprogs), with a fresh state."""
        self._fresh_walk()
        self.validating = (name, num)
        self.first_kind = self.first_kind or "start"

    def gap(self) -> None:
        """Lines were skipped (the middle of a long log, ``skim``): the walk they
        described is gone; what the head established (subprograms, the first
        instruction, source lines seen) stays."""
        self._fresh_walk()
        self.recent.clear()
        self.errors.clear()
        self.next_source = None
        self.gapped = True

    def source_comment(self, text: str, file: str | None, line: int | None) -> None:
        src = SourceLine(file, line, text.strip())
        self.source = src
        self.next_source = src

    # -- result ------------------------------------------------------------------

    def failing(self) -> Insn | None:
        return self.pending[0] if self.pending is not None else None

    def source_for(self, insn: Insn | None) -> SourceLine | None:
        if insn is None:
            return None
        return self.sources.get(insn.index) or self.source

    def subprogram(self, insn: Insn | None) -> int | None:
        if insn is None or not self.funcs:
            return None
        best = None
        for num, start in self.funcs:
            if start <= insn.index:
                best = num
        return best


class LogParser:
    """Feed lines with ``feed``; ``finish`` returns the ``ParsedLog``.

    ``program`` keeps only libbpf-framed logs of that program (bpftool output
    may hold several).  ``excerpt`` lines of the log before the error are
    kept for display.
    """

    def __init__(self, program: str | None = None, excerpt: int = 30) -> None:
        self.want = program
        self.skipping = False
        self.excerpt: deque[str] = deque(maxlen=excerpt)
        self.walk = _Walk()
        self.program: str | None = None
        self.errno: int | None = None
        self.loader_failed = False
        self.in_frame = False
        self.framed = False
        self.lines = 0
        self.known = 0
        self.unrecognized = 0
        self.omitted: int | None = None
        self.quote_next = False  # a loader's error ended in ":", its quote pasted on the next line
        self.run_prefix: str | None = None  # "18: " a test runner put before every line
        self.prefix_looked = False
        self.quoting = False  # this line is that quote
        self.probe: str | None = None  # the feature a loader's own probe program tested
        self.skimmed: tuple[int, int] | None = None  # (lines, bytes) counted, not parsed
        self.summary_errors: list[str] = []  # the error a loader's one-line summary quoted
        self.after_insn = False  # the line before was an instruction without its state
        self.generator: str | None = None  # a tool that wrote the program (bpftrace)

    def feed(self, raw: str) -> None:
        self.lines += 1
        self._feed(raw)

    def skip(self, lines: int, size: int) -> None:
        """``lines`` lines (``size`` bytes) of the log were counted, not fed."""
        self.lines += lines
        done = self.skimmed or (0, 0)
        self.skimmed = (done[0] + lines, done[1] + size)
        self.walk.gap()

    def carry(self, raw: str) -> None:
        """A line of the skipped middle whose effect outlives it (a
        ``Validating`` line, the latest source comment); counted by ``skip``."""
        self._feed(raw)
        self.walk.next_source = None  # it preceded some skipped instruction, not the next one read

    def _feed(self, raw: str) -> None:
        s = raw.strip()
        if not s:
            return
        if s[0].isdecimal():
            prefix = self.run_prefix
            if prefix is not None and s.startswith(prefix):
                s = raw = s[len(prefix):].strip()
                if not s:
                    return
            elif prefix is None and not self.prefix_looked:
                self.prefix_looked = True  # (the first numbered line tells)
                m = L.RUN_PREFIX.match(s)
                if m:  # a test runner's "18: " before every line (ctest): kept off from now on
                    self.run_prefix = m.group(1)
                    s = raw = s[len(m.group(1)):]
        if s[0] == ">" or s[0] == "*":
            # Markdown around a pasted log: a quote ("> 12: (85) call ...") and
            # bold ("**invalid access to packet ...**"); no kernel line starts so
            s = raw = _markdown(s)
            if not s:
                return
        if 'msg="' in s or "]: " in s or 'error="' in s or s.startswith(L.LOGRUS_LEVELS) or _rust_logged(s) \
                or "\\n" in s:
            inner = _unwrap(s)
            if inner is not s:  # a logger's line around the log's (once: no wrapper inside a wrapper)
                for piece in inner.split("\n"):
                    self._feed_bare(piece, piece.strip())
                return
        self._feed_bare(raw, s)

    def _feed_bare(self, raw: str, s: str) -> None:
        """A line no logger wraps: whole, or in pieces when it holds several."""
        if not s:
            return
        if _AYA in s or _glue_points(s):
            self._pieces(s)
        else:
            self._line(raw, s)

    def _pieces(self, s: str) -> None:
        """A line holding several (glued, as in ``...R0=1processed 3 insns``)
        or a log behind aya's prefix, fed piece by piece: without recursion
        and in time linear in the line (a fuzzed line held a thousand glued
        lines, issue 13)."""
        pieces = [s]
        while pieces:
            raw = pieces.pop()
            s = raw.strip()
            if not s:
                continue
            frame = s.rfind(_AYA)
            if frame >= 0:
                # aya: "...the BPF_PROG_LOAD syscall failed. Verifier output: <first log line>"
                pieces.append(s[frame + len(_AYA):])
                continue
            cuts = _glue_points(s)
            if cuts:
                starts = [0, *cuts]
                pieces.extend(s[a:b] for a, b in zip(reversed(starts), reversed([*cuts, len(s)])))
                continue
            self._line(raw, s)

    def _line(self, raw: str, s: str) -> None:
        if self.skipping and not s.startswith("libbpf: "):
            return
        if not s.startswith(_NOT_EXCERPT) and not self.walk.after_stats:
            self.excerpt.append(raw.rstrip())
        after_insn, self.after_insn = self.after_insn, False
        # only the very next line can be the quote a loader's "...: invalid argument:" announced
        self.quoting, self.quote_next = self.quote_next, False
        if s[0].isdecimal():
            if self._numbered(s):
                self.known += 1
                return
            if L.NUMBERED_TEXT.match(s):
                # "16: for (int i = 0; i < 5; i++)": a source line check_cfg prints
                # before "back-edge" (verbose_linfo), or a link of an error chain
                # ("0: failed program load ..."): no kernel error starts so
                self.unrecognized += 1
                return
        else:
            self.after_insn = after_insn  # read by _prefixed
            known = self._prefixed(s)
            self.after_insn = False
            if known:
                self.known += 1
                return
        self._other(s)

    def _numbered(self, s: str) -> bool:
        w = self.walk
        m = L.INSN.match(s)
        if m:
            if w.after_stats:
                # nothing follows the statistics in one log: a loader printed the
                # log again (aya quotes it in each link of its error chain) or
                # another program's log starts; the last one counts
                self._new_log(same_program=True)
                w = self.walk
            rest = s[m.end():]
            cut = rest.find(L.ANNOTATION_SEP)
            text, ann = (rest, None) if cut < 0 else (rest[:cut].rstrip(), rest[cut + 3:])
            target = L.GLUED_TARGET.match(text) if ann is None else None
            joined = L.JOINED_ERROR.match(text) if ann is None and target is None and ": " in text \
                else None
            idx = num(m.group(1))
            if target:
                # 6.x prints the state at a jump's target (or a callee's entry)
                # on the jump's own line: "15: (a6) if w1 < 0x65 goto pc+4 20: R0=2 ..."
                text = target.group(1)
            elif joined:
                # cilium/ebpf's one-line error quotes the instruction and the
                # message joined by ": " ("2152: (73) *(u8 *)(r2 +87) = r1: R2 invalid
                # mem access 'inv'"); a user's paste puts it on a line of its own
                text = joined.group(1)
            w.insn(idx, num(m.group(2), 16), text, ann)
            if joined:
                w.errors.append(joined.group(2))
            self.after_insn = target is None and ann is None and joined is None
            if target:
                if text.startswith("call"):
                    w.partial_state(target.group(3))
                else:
                    w.branch(idx, num(target.group(2)), target.group(3))
            w.first_kind = w.first_kind or "insn"
            return True
        m = L.STATE.match(s)
        if m:
            w.partial_state(m.group(2))
            w.first_kind = w.first_kind or ("start" if m.group(1) == "0" else "state")
            return True
        if L.LIVE_ROW.match(s):
            return True
        if L.PRUNED.match(s):
            w.pruned()
            return True
        m = L.PSEUDO_INSN.match(s)
        if m:
            w.insn(num(m.group(1)), None, f"<{m.group(2)}>", None)
            return True
        return False

    def _prefixed(self, s: str) -> bool:
        w = self.walk
        c = s[0]
        if c == ";":
            m = L.SOURCE.match(s)
            if m:
                w.source_comment(m.group(1), m.group(2), num(m.group(3)))
            elif s[1:2] in (" ", ""):
                # older kernels print the line's text alone (no "@ file:line")
                w.source_comment(s[2:], None, None)
            return True
        if c == "f":
            m = L.FROM_TO.match(s)
            if m:
                w.branch(num(m.group(1)), num(m.group(2)), m.group(3))
                return True
            m = L.FUNC.match(s)
            if m:
                w.funcs.append((num(m.group(1)), num(m.group(2))))
                w.first_kind = w.first_kind or "start"
                return True
            m = L.FRAME_PREFIX.match(s)
            if m and "=" in s:
                # " frame1: R0=..." right after an instruction: the state dumped at it
                # before its error, in a callee (as the bare "R0=..." line below)
                if self.after_insn and w.pending is not None and w.pending[1] is None:
                    w.state_at_pending(s)
                else:
                    w.partial_state(s)
                return True
            # "frame 0: propagating r3,r4" (precision propagated to a parent state)
            return s.startswith("frame ") and ": propagating " in s
        if c == "R" and "=" in s.split(" ", 1)[0]:
            if self.after_insn and w.pending is not None and w.pending[1] is None:
                w.state_at_pending(s)
            else:
                w.partial_state(s)
            return True
        if c == "p" and s.startswith("processed "):
            return self._stats(s)
        if c == "v" and s.startswith("verification time"):
            m = L.VERIFICATION_TIME.match(s)
            w.usec = num(m.group(1)) if m else None
            return True
        if c == "s" and s.startswith("stack depth"):
            m = L.STACK_DEPTH.match(s)
            w.depth = _depths(m.group(1)) if m else ()
            return True
        if c == "l" and s.startswith("libbpf: "):
            self._libbpf(s)
            return True
        if c == "V" and s.startswith("Validating "):
            m = L.VALIDATING.match(s)
            if m:
                w.validate(m.group(1), int(m.group(2)))
                return True
            return False
        if c == "t" and s.startswith("to caller at"):
            w._settle_pending()
            w.frame = max(w.frame - 1, 0)
            return True
        return False

    def _stats(self, s: str) -> bool:
        m = L.STATS.match(s)
        if not m:
            return False
        g = [num(x) if x is not None and x.isdecimal() else None for x in m.groups()[:6]]
        depth = _depths(m.group(7)) if m.group(7) else self.walk.depth
        self.walk.stats = Stats(g[0], g[1], g[2], g[3], g[4], g[5], self.walk.usec, depth)
        self.walk.after_stats = True
        return True

    def _libbpf(self, s: str) -> None:
        m = L.LIBBPF_PROG.match(s)
        if not m:
            self._old_libbpf(s[8:].strip())
            return
        rest = m.group(2)
        if L.BEGIN_MARK in rest:
            self.skipping = self.want is not None and m.group(1) != self.want
            if self.skipping:
                return
            # a new log starts: forget anything before it (other programs; libbpf says
            # "BPF program load failed" for a program just before its own frame)
            self._new_log(same_program=m.group(1) == self.program)
            self.program, self.in_frame, self.framed = m.group(1), True, True
        elif L.END_MARK in rest:
            self.in_frame = self.skipping = False
        elif self.want is not None and m.group(1) != self.want:
            return
        else:
            attach = L.LIBBPF_ATTACH.search(rest) if "failed to attach" in rest else None
            if attach:  # loaded, then refused at attach (no verifier error in this log)
                self.program, self.loader_failed = m.group(1), True
                self.errno = num(attach.group(2)) if attach.group(2) else self.errno
                self.walk.errors[:] = [rest]
                return
            no_target = L.LIBBPF_NO_TARGET.search(rest)
            if no_target:  # the attach target is not in the kernel's BTF: nothing was loaded
                self.program, self.loader_failed = m.group(1), True
                self.errno = num(no_target.group(1))
                if len(self.walk.errors) <= _MAX_DETAIL:
                    self.walk.errors.append(rest)
                return
            failed = L.LIBBPF_FAILED.search(rest)
            if failed:
                self.program, self.errno, self.loader_failed = m.group(1), num(failed.group(1)), True
            load_failed = L.LIBBPF_LOAD_FAILED.search(rest)
            if load_failed:
                self.program, self.loader_failed = m.group(1), True
                self.errno = self.errno or _STRERROR.get(load_failed.group(1).strip().lower())

    def _old_libbpf(self, rest: str) -> None:
        """libbpf before 0.0.5 (2019) named no program: "load bpf program failed:
        <strerror>", then the log between "-- BEGIN DUMP LOG ---" and "-- END LOG --"."""
        if rest.startswith(L.OLD_BEGIN_MARK):
            self._new_log(same_program=True)  # (the errno came on the line before)
            self.in_frame = self.framed = True
        elif rest.startswith(L.OLD_END_MARK):
            self.in_frame = False
        elif rest.startswith(L.OLD_LOAD_FAILED):
            self.errno = _STRERROR.get(rest[len(L.OLD_LOAD_FAILED):].strip().lower(), self.errno)
            self.loader_failed = True

    def _other(self, s: str) -> None:
        if L.END_MARK in s:
            self.in_frame = False
            return
        if s.startswith(L.BEGIN_MARK):
            # a loader other than libbpf framing the log the same way (falco's libscap);
            # it names no program, so --program cannot pick among such frames: the last one counts
            self._new_log()
            self.in_frame = self.framed = True
            return
        if "load program: " in s and self._cilium(s):
            probe = L.FEATURE_PROBE.search(s) if "detect support for " in s else None
            if probe:
                self.probe = probe.group(1) + (f" ({probe.group(2)})" if probe.group(2) else "")
            return
        if s.startswith("bpf: ") and "too large (" in s and self._bcc_too_large(s):
            return
        if s.startswith("Prog section '"):
            m = L.IPROUTE2_REJECTED.match(s)
            if m:  # iproute2's line: the errno, not the error (the log follows)
                self.errno, self.loader_failed = num(m.group(2)), True
                self.program = self.program or m.group(1)
                return
        if s.startswith(L.BCC_LOAD_FAILED):
            # bcc's line before the log it prints: the errno, not the error
            self.errno = self.errno or _STRERROR.get(s[len(L.BCC_LOAD_FAILED):].strip().lower())
            self.loader_failed = True
            return
        if self.framed and not self.in_frame:
            self.unrecognized += 1
            return
        if L.BPFTRACE.match(s):
            self.generator = "bpftrace"
            return
        if _noise(s):
            return
        w = self.walk
        quote = self.quoting
        if quote:
            only = L.OMITTED_ONLY.match(s)
            if only:  # "load program: permission denied:\n\t(38 line(s) omitted)": nothing quoted
                self.omitted = num(only.group(1))
                self.unrecognized += 1
                return
        if (w.after_stats or w.closed) and not quote:
            self.unrecognized += 1
            return
        if self.loader_failed and self.omitted is None:
            cut = L.OMITTED_TAIL.search(s)
            if cut:  # cilium/ebpf's "...: invalid argument:" with its quote pasted on the next line
                self.omitted = num(cut.group(1))
                s = s[:cut.start()]
        if len(w.errors) <= _MAX_DETAIL:
            w.errors.append(_unquoted(s))
        if quote:
            self._read_loader_error()
        self.unrecognized += 1

    def _new_log(self, same_program: bool = False) -> None:
        self.walk = _Walk()
        self.excerpt.clear()
        self.summary_errors = []
        if not same_program:
            self.errno, self.loader_failed, self.omitted = None, False, None

    def _bcc_too_large(self, s: str) -> bool:
        """bcc's own line for E2BIG (it prints no kernel line with it): the error."""
        m = L.BCC_TOO_LARGE.match(s)
        if not m:
            return False
        self.errno = _STRERROR.get(m.group(1).strip().lower())
        self.loader_failed = True
        self.walk.errors[:] = [m.group(2)]
        self._read_loader_error()
        return True

    def _read_loader_error(self) -> None:
        """After a loader's one-line error: what it quoted is the error (kept
        should the log's tail after it be cut), and other text is not until an
        instruction line (the tail may follow: cilium's "error tail")."""
        w = self.walk
        if w.errors:
            self.summary_errors = list(w.errors)
        w.closed = True

    def _cilium(self, s: str) -> bool:
        m = L.CILIUM.search(s)
        if not m:
            return False
        self.errno = _STRERROR.get(m.group(1).strip())
        self.loader_failed = True
        self.omitted = num(m.group(3)) if m.group(3) else None
        rest = m.group(2) or ""
        only = L.OMITTED_ONLY.match(rest)
        if only:  # every line of the log was left out: "load program: permission denied: (21 line(s) omitted)"
            self.omitted, rest = num(only.group(1)), ""
        im = L.CILIUM_INSN.match(rest)
        if im:
            self._numbered(im.group(1))
            rest = im.group(2)
        # The line states the whole error: what came before it since the last
        # instruction (a program's own output) is not part of it.
        w = self.walk
        w.errors.clear()
        for part in rest.split(": ") if rest else ():
            if _noise(part):  # backtracking ("regs=10 stack=0 before 994") quoted by the error
                continue
            if part and not self._numbered(part) and not self._prefixed(part) \
                    and len(w.errors) <= _MAX_DETAIL:  # (a state "R0=inv0 R1=..." is no error)
                w.errors.append(part)  # capped as in _other: the catalog tries each
        self.quote_next = not rest and self.omitted is None
        self._read_loader_error()
        return True

    def finish(self) -> ParsedLog:
        w = self.walk
        insn = w.failing()
        errors = [e for e in w.errors if e]
        notes_at = [i for i, e in enumerate(errors[:-1]) if L.ARG_MISMATCH_NOTE.match(e)]
        if notes_at:  # a static callee's BTF mismatch: the walk went on past these lines
            errors = errors[notes_at[-1] + 1:]
        if not errors and self.summary_errors:  # the log's tail was cut before its error line
            errors = list(self.summary_errors)
        st = w.stats
        if not errors and st is not None and st.insn_limit and st.processed_insns > st.insn_limit:
            # only the statistics survived (a loader kept the last line): they say the limit was hit
            errors = [f"BPF program is too large. Processed {st.processed_insns} insn"]
        verdict = _verdict(errors, w.stats, self.loader_failed)
        notes, truncated = _notes(w, errors, verdict, self)
        return ParsedLog(
            verdict=verdict,
            error=errors[0] if errors else None,
            error_detail=tuple(errors[1:]),
            failing_insn=insn if verdict is Verdict.REJECTED else None,
            registers={k: _worded(v) for k, v in w.regs.get(insn.frame if insn else w.frame, {}).items()},
            path=tuple(w.path),
            source=w.source_for(insn) if verdict is Verdict.REJECTED else None,
            stats=w.stats,
            program=self.program,
            errno=self.errno,
            subprogram=w.validating[1] if w.validating else w.subprogram(insn),
            recent_insns=tuple(w.recent)[:-1] if insn else (),
            call_insns=dict(w.calls),
            truncated=truncated,
            notes=tuple(notes),
            excerpt=tuple(self.excerpt),
            lines=self.lines,
            verifier_lines=self.known,
            insn_lines=w.insn_lines,
            unrecognized_lines=self.unrecognized,
            trace=w.rec.result(),
            level=(2 if w.annotated else 1) if w.insn_lines else None,
            function=w.validating[0] if w.validating else None,
            prelude=w.prelude,
            trace_dropped=w.rec.dropped,
            generator=self.generator,
            probe=self.probe,
        )


def _depths(text: str) -> tuple[int, ...]:
    return tuple(num(x) for x in text.split("+") if x.isdecimal())


def _verdict(errors: list[str], stats: Stats | None, loader_failed: bool) -> Verdict:
    if errors or loader_failed:
        return Verdict.REJECTED
    if stats is not None:
        return Verdict.ACCEPTED
    return Verdict.UNKNOWN


def _notes(w: _Walk, errors: list[str], verdict: Verdict, p: LogParser) -> tuple[list[str], bool]:
    """Plain words on what the log lacks; and whether it looks truncated."""
    notes: list[str] = []
    truncated = False
    if p.lines == 0 or (w.insn_lines == 0 and not errors and w.stats is None):
        if p.omitted:
            notes.append(f"the loader left out all {p.omitted} line(s) of the log, the error with them "
                         "(cilium/ebpf: print the error with %+v for the whole log)")
        else:
            notes.append("no verifier log found in the input")
        return notes, False
    if w.stats is None and p.omitted is None and w.old_kernel and errors:
        notes.append("the log has no closing statistics line, as kernels before 5.2 print none "
                     "when they reject a program (its wording is from such a kernel): it may be "
                     "complete")
    elif w.stats is None and p.omitted is None:
        truncated = True
        notes.append("the log has no closing statistics line: it is truncated (log buffer too "
                     "small?) and the error may be missing or incomplete")
    if w.first_kind not in (None, "start") and (w.first_insn or 0) > 0:
        truncated = True
        notes.append("the log starts in the middle of verification: its head was cut "
                     "(the kernel keeps only the tail when the buffer is too small)")
    if p.errno == 28:
        truncated = True
        notes.append("the loader got ENOSPC: the kernel's log did not fit in the buffer")
    if p.omitted:
        notes.append(f"{p.omitted} line(s) of the log were omitted by the loader "
                     "(cilium/ebpf: print the error with %+v for the whole log)")
    if verdict is Verdict.REJECTED and not errors:
        notes.append(NO_ERROR_NOTE)
    if p.generator == "bpftrace" and verdict is Verdict.REJECTED:
        notes.append("bpftrace generated this program from a script: the fix goes in the script; "
                     "if the script is right, bpftrace's code is at fault (try another bpftrace "
                     "version, or report it to bpftrace with the script and `bpftrace --version`)")
    if p.skimmed:
        lines, size = p.skimmed
        notes.append(f"{lines:,} lines ({size / 1e6:.0f} MB) in the middle of the log were counted, "
                     "not parsed: the explanation comes from its head and its last megabytes "
                     "(explain --no-skim parses all of it)")
    if w.path_dropped:
        notes.append(f"{w.path_dropped} older branch(es) of the path were dropped")
    return notes, truncated


def parse_lines(lines: Iterable[str], program: str | None = None) -> ParsedLog:
    """Parse a log given as an iterable of lines (a file object streams)."""
    parser = LogParser(program)
    for line in lines:
        parser.feed(line)
    return parser.finish()


def parse_text(text: str, program: str | None = None) -> ParsedLog:
    """Parse a log held in memory."""
    return parse_lines(io.StringIO(text), program)


def parse_file(path: str | os.PathLike, program: str | None = None, skim: bool = True) -> ParsedLog:
    """Parse a log file, streaming it; undecodable bytes are replaced, not fatal.

    ``skim``: a log of many megabytes is parsed at its head and tail only,
    its middle counted (``verifier.skim``)."""
    try:
        if skim:
            from bpfdoctor.verifier.skim import skim_file

            parsed = skim_file(path, LogParser(program))
            if parsed is not None:
                return parsed
        with open(path, encoding="utf-8", errors="replace", newline=None) as f:
            return parse_lines(f, program)
    except OSError as e:
        raise input_error(path, e, "a log file") from None
