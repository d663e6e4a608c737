"""Records the verifier-log parser produces.  Pure values, no behaviour."""

from __future__ import annotations

from enum import Enum

from bpfdoctor.record import field, record


class Verdict(str, Enum):
    """What the log says about the load."""

    ACCEPTED = "accepted"   # statistics line and no error
    REJECTED = "rejected"   # an error line (or a loader's failure line)
    UNKNOWN = "unknown"     # neither: truncated, empty, or not a verifier log


@record
class Insn:
    """One instruction line ``N: (op) text`` as the verifier printed it."""

    index: int
    opcode: int
    text: str
    frame: int = 0

    def __str__(self) -> str:
        return f"{self.index}: ({self.opcode:02x}) {self.text}"


@record
class SourceLine:
    """A C source line, from the log's ``; text @ file:line`` comments or BTF line_info.

    ``file`` and ``line`` are None for a comment of an older kernel, which
    printed the line's text alone (``; text``)."""

    file: str | None
    line: int | None
    text: str = ""

    def __str__(self) -> str:
        if self.line is None:
            return self.text
        return f"{self.file}:{self.line}" + (f": {self.text}" if self.text else "")


@record
class Branch:
    """``from SRC to DST``: the verifier resumed at DST, the other side of the jump at SRC."""

    src: int
    dst: int


@record
class Stats:
    """The closing statistics (``BPF_LOG_STATS``); absent fields are None (older kernels)."""

    processed_insns: int
    insn_limit: int | None = None
    max_states_per_insn: int | None = None
    total_states: int | None = None
    peak_states: int | None = None
    mark_read: int | None = None
    verification_usec: int | None = None
    stack_depth: tuple[int, ...] = ()


# the note a rejection without an error line gets (the parser), which explain
# drops when it finds the error quoted before the log
NO_ERROR_NOTE = "the loader reports a failure but the log holds no verifier error"


@record
class ParsedLog:
    """Everything the parser could find in one verifier log.

    ``registers`` is the state of the failing instruction's frame just before
    it ran (register or stack slot -> the verifier's value text).  ``notes``
    says what could not be found (truncation, missing error) in plain words.
    """

    verdict: Verdict
    error: str | None = None
    error_detail: tuple[str, ...] = ()
    failing_insn: Insn | None = None
    registers: dict[str, str] = field(default_factory=dict)
    path: tuple[Branch, ...] = ()
    source: SourceLine | None = None
    stats: Stats | None = None
    program: str | None = None
    errno: int | None = None
    subprogram: int | None = None
    recent_insns: tuple[Insn, ...] = ()
    call_insns: dict[int, str] = field(default_factory=dict)
    truncated: bool = False
    notes: tuple[str, ...] = ()
    excerpt: tuple[str, ...] = ()
    lines: int = 0
    verifier_lines: int = 0
    insn_lines: int = 0
    unrecognized_lines: int = 0
    # the verified path (trace.Step), the log level it looks like (2: a state
    # after every instruction), and a global function verified on its own
    trace: tuple = field(default=(), compare=False, repr=False)
    level: int | None = None
    function: str | None = None
    trace_dropped: int = 0
    generator: str | None = None  # a tool that wrote the program from its own language (bpftrace)
    probe: str | None = None  # the feature a loader's own probe program tested (cilium/ebpf)
    # text before the log's first instruction that could be its error (a person quoting
    # the error, then pasting the log cut before it); explain reads it only then
    prelude: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "verdict": self.verdict.value,
            "program": self.program,
            "errno": self.errno,
            "error": self.error,
            "error_detail": list(self.error_detail),
            "failing_insn": None if self.failing_insn is None else {
                "index": self.failing_insn.index, "opcode": self.failing_insn.opcode,
                "text": self.failing_insn.text, "frame": self.failing_insn.frame},
            "subprogram": self.subprogram,
            "registers": dict(self.registers),
            "path": [{"from": b.src, "to": b.dst} for b in self.path],
            "source": None if self.source is None else {
                "file": self.source.file, "line": self.source.line, "text": self.source.text},
            "stats": None if self.stats is None else {
                "processed_insns": self.stats.processed_insns, "insn_limit": self.stats.insn_limit,
                "max_states_per_insn": self.stats.max_states_per_insn,
                "total_states": self.stats.total_states, "peak_states": self.stats.peak_states,
                "mark_read": self.stats.mark_read, "verification_usec": self.stats.verification_usec,
                "stack_depth": list(self.stats.stack_depth)},
            "truncated": self.truncated,
            "notes": list(self.notes),
            "excerpt": list(self.excerpt),
            "lines": self.lines,
            "verifier_lines": self.verifier_lines,
            "insn_lines": self.insn_lines,
            "unrecognized_lines": self.unrecognized_lines,
            "level": self.level,
            "function": self.function,
            "generator": self.generator,
            "probe": self.probe,
        }
