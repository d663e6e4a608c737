"""From a parsed verifier log to one finding: which catalog entry, and why.

``explain_log`` is the library entry point: it takes a ``ParsedLog`` and an
optional ``line_for_insn(insn_idx) -> (file, line, text) | None`` callback
(an object's BTF line_info) and returns an ``Explanation`` whose ``finding``
is the record the CLI renders.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bpfdoctor.findings import Finding, Severity
from bpfdoctor.record import field, record, replace
from bpfdoctor.verifier.catalog import CATALOG
from bpfdoctor.verifier.context import ProgramContext
from bpfdoctor.verifier.diagnostic import Diagnostic
from bpfdoctor.verifier.entry import CatalogEntry
from bpfdoctor.verifier.errno import ErrnoInfo, errno_name, explain_errno
from bpfdoctor.verifier.model import NO_ERROR_NOTE, Insn, ParsedLog, SourceLine, Verdict
from bpfdoctor.verifier.numbers import num

LineForInsn = Callable[[int], "tuple[str, int, str] | None"]

_REG = re.compile(r"\b[rwR](\d+)\b")
_ERR_REG = re.compile(r"\bR(\d+)\b")
_ASSIGN = re.compile(r"^[rw](\d+) = (.*)$")
_OFF_SIZE = re.compile(r"off=(-?\d+) (?:access_)?size=(\d+)")
_SIZE_LIMIT = re.compile(r"too large \((\d+) insns\), at most (\d+) insns")
_ALLOC = re.compile(r"alloc_insn=(\d+)")
# Errors found before the walk (check_cfg, check_subprogs) name the instruction
# in the message instead of printing it: "unreachable insn 2", "jump out of
# range from insn 0 to 6", "infinite loop detected at insn 2".
_MENTIONED = re.compile(r"(?:unreachable insn|from insn|at insn) (\d+)")


@record
class Explanation:
    """A parsed log, the catalog entry it matched (if any), and the finding."""

    log: ParsedLog
    finding: Finding
    entry: CatalogEntry | None = None
    source: SourceLine | None = None
    registers: dict[str, str] = field(default_factory=dict)
    errno: ErrnoInfo | None = None
    diagnostic: Diagnostic | None = None

    @property
    def exit_code(self) -> int:
        """0 when the log shows the program loaded, 1 otherwise."""
        return 0 if self.log.verdict is Verdict.ACCEPTED else 1

    def to_dict(self) -> dict[str, object]:
        return {"finding": self.finding.to_dict(), "log": self.log.to_dict(),
                "entry": None if self.entry is None else self.entry.id,
                "errno": None if self.errno is None else self.errno.to_dict(),
                "diagnostic": None if self.diagnostic is None else self.diagnostic.to_dict()}


# -- context checks named by CatalogEntry.requires ---------------------------------

def _call_before(log: ParsedLog, line: str) -> bool:
    """The !read_ok register is an argument register and a helper call came before."""
    m = _ERR_REG.search(line)
    if not m or not 1 <= num(m.group(1)) <= 5:
        return False
    frame = log.failing_insn.frame if log.failing_insn else 0
    return any(i.opcode == 0x85 and not i.text.startswith("call pc") and i.frame == frame
               for i in log.recent_insns)


def _overflows_frame(log: ParsedLog, line: str) -> bool:
    """The access starts inside the frame and runs past its top (off + size > 0)."""
    m = _OFF_SIZE.search(line)
    return m is None or num(m.group(1)) < 0 and num(m.group(1)) + num(m.group(2)) > 0


def _under_the_limit(log: ParsedLog, line: str) -> bool:
    """A loader's "too large (N insns), at most M insns" with N <= M."""
    m = _SIZE_LIMIT.search(line)
    return m is not None and num(m.group(1)) <= num(m.group(2))


CONTEXT_CHECKS: dict[str, Callable[[ParsedLog, str], bool]] = {
    "call-before": _call_before,
    "overflows-frame": _overflows_frame,
    "under-the-limit": _under_the_limit,
}


def match(log: ParsedLog) -> CatalogEntry | None:
    """The first catalog entry matching the error, trying the main error line first."""
    found = _match_lines(log, ([log.error] if log.error else []) + list(log.error_detail))
    return found[0] if found else None


def _match_lines(log: ParsedLog, lines: list[str]) -> tuple[CatalogEntry, int] | None:
    """The first catalog entry matching one of ``lines``, and that line's index."""
    # then as the kernel would have begun them: a pasted or reworded line may start with a
    # capital ("Math between map_value pointer and ..."); the kernel's own start lower case
    retry = [(i, f"{x[0].lower()}{x[1:]}") for i, x in enumerate(lines)
             if x[:1].isupper() and not x[1:2].isupper()]
    for i, line in [*enumerate(lines), *retry]:
        for e in CATALOG:
            if e.search(line) and (e.requires is None or CONTEXT_CHECKS[e.requires](log, line)):
                return e, i
    return None


_SPAN = re.compile(r"`([^`]+)`|'([^']{8,})'|\"([^\"]{8,})\"")


def _kernel_part(log: ParsedLog, line: str, entry: CatalogEntry | None = None) -> str:
    """The kernel's message inside a person's sentence about it: the first span
    in backticks or quotes the catalog knows, as the same ``entry`` when one is
    given (``line`` when there is none)."""
    if "`" not in line and "'" not in line and '"' not in line:
        return line
    for m, _ in zip(_SPAN.finditer(line), range(8)):  # (a person's sentence quotes a few)
        span = m.group(m.lastindex).strip()
        found = _match_lines(log, [span]) if span != line else None
        if found and (entry is None or found[0] is entry):
            return span
    return line


def settle_error(log: ParsedLog) -> ParsedLog:
    """The log with the error line the diagnosis explains as its error.

    * Of the error lines, the first the catalog knows is the error when it is
      not the first: the lines before it were a program's or a tool's own text
      (a Rust logger's ``Starting module ...``, the script bpftrace printed),
      which the parser cannot tell from an unknown kernel line.  They are
      dropped from the detail (the excerpt keeps the log as it was).
    * A line that is a person's sentence quoting the message ("fails with error :
      'calling kernel function ... is not allowed'") gives the message.
    * A log that ends with no error (its tail cut) and holds no statistics, with
      text before its first instruction that the catalog knows: that text is the
      error, quoted by the person before pasting what was left of the log
      ("Fails with `invalid bpf_context access off=12 size=4`", then the log's head).
    """
    if log.error is not None:
        found = _match_lines(log, [log.error, *log.error_detail])
        if found is None:
            return log
        lines = [log.error, *log.error_detail]
        first = lines[found[1]]
        said = _kernel_part(log, first, found[0])
        if found[1] or said is not first:
            return replace(log, error=said, error_detail=tuple(lines[found[1] + 1:]))
        return log
    if log.prelude and log.stats is None:
        found = _match_lines(log, list(log.prelude))
        if found:
            quoted = _kernel_part(log, log.prelude[found[1]])
            note = ("the error is the one quoted before the log: the log is cut before it, so "
                    "the instruction it names is not in it")
            return replace(log, verdict=Verdict.REJECTED, error=quoted, error_detail=(), failing_insn=None,
                           registers={}, source=None, recent_insns=(),
                           notes=(*(n for n in log.notes if n != NO_ERROR_NOTE), note))
    return log


def is_verifier_log(log: ParsedLog) -> bool:
    """Whether the input held anything of a verifier log: lines of the log's own
    shapes, a loader's errno, or at least an error line the catalog knows."""
    return log.verifier_lines > 0 or log.errno is not None or match(log) is not None


# -- evidence ------------------------------------------------------------------------

def _is_call(insn: Insn) -> bool:
    return insn.opcode == 0x85 and not insn.text.startswith("call pc")


def registers_read(insn: Insn) -> list[str]:
    """Registers an instruction reads, from its kernel-syntax text (R0..R10)."""
    text = insn.text
    if insn.opcode == 0x95 or text == "exit":
        return ["R0"]
    if _is_call(insn):
        return [f"R{i}" for i in range(1, 6)]
    m = _ASSIGN.match(text)
    if m:
        text = m.group(2)  # "rX = ...": the destination is written, not read
    seen = []
    for digits in _REG.findall(text):
        name = f"R{num(digits)}"
        if name not in seen and num(digits) <= 10:
            seen.append(name)
    return seen


def relevant_registers(log: ParsedLog) -> dict[str, str]:
    """The state of registers the failing instruction reads or the error names."""
    names: list[str] = []
    if log.failing_insn is not None:
        reads = registers_read(log.failing_insn)
        if _is_call(log.failing_insn):
            # helpers take 0-5 arguments: show the argument registers that hold values
            reads = [r for r in reads if r in log.registers]
        names += reads
    for line in ([log.error] if log.error else []) + list(log.error_detail[:2]):
        names += [f"R{n}" for n in _ERR_REG.findall(line)]
    # R10 is always live: when the state holds it, we saw the whole state and
    # an absent register is one the verifier considers not initialised.
    missing = "not initialised" if "R10" in log.registers else "unknown (no state in the log)"
    out: dict[str, str] = {}
    for name in sorted(set(names), key=lambda n: num(n[1:])):
        out[name] = log.registers.get(name, missing)
    return out


def failing_index(log: ParsedLog) -> int | None:
    """The failing instruction's index: printed, or named in the error message."""
    if log.failing_insn is not None:
        return log.failing_insn.index
    m = _MENTIONED.search(log.error or "")
    return num(m.group(1)) if m else None


def _source(log: ParsedLog, line_for_insn: LineForInsn | None) -> SourceLine | None:
    idx = failing_index(log)
    if line_for_insn is not None and idx is not None:
        found = line_for_insn(idx)
        if found:
            return SourceLine(found[0], num(found[1]), (found[2] or "").strip())
    return log.source


def _evidence(log: ParsedLog, source: SourceLine | None, regs: dict[str, str],
              info: ErrnoInfo | None) -> dict[str, object]:
    ev: dict[str, object] = {}
    if log.program:
        ev["program"] = log.program
    if log.error:
        ev["message"] = log.error
    if log.error_detail:
        ev["detail"] = list(log.error_detail)
    if log.failing_insn is not None:
        ev["insn_index"] = log.failing_insn.index
        ev["insn"] = str(log.failing_insn)
    mentioned = _MENTIONED.search(log.error or "")
    if mentioned:
        ev["insn_index" if log.failing_insn is None else "mentioned_insn"] = num(mentioned.group(1))
    if log.subprogram:
        ev["subprogram"] = f"func#{log.subprogram}"
    if source is not None:
        ev["source"] = str(source)
    if regs:
        ev["registers"] = regs
    if log.path:
        ev["path"] = [f"{b.src} -> {b.dst}" for b in log.path[-16:]]
    alloc = _ALLOC.search(log.error or "")
    if alloc and num(alloc.group(1)) in log.call_insns:
        ev["acquired_by"] = f"{alloc.group(1)}: {log.call_insns[num(alloc.group(1))]}"
    if log.errno is not None:
        ev["errno"] = f"{errno_name(log.errno)} ({log.errno})"
    if log.stats is not None:
        ev["processed_insns"] = log.stats.processed_insns
    if log.notes:
        ev["notes"] = list(log.notes)
    return ev


# -- the finding -----------------------------------------------------------------------

def explain_log(log: ParsedLog, line_for_insn: LineForInsn | None = None,
                context: ProgramContext | None = None) -> Explanation:
    """Explain one parsed log: catalog match, evidence, and for a rejection the
    ``Diagnostic`` (class, the line to change, why, help in the program's names)."""
    log = settle_error(log)
    source = _source(log, line_for_insn)
    regs = relevant_registers(log) if log.verdict is Verdict.REJECTED else {}
    info = explain_errno(log.errno) if log.errno is not None else None
    evidence = _evidence(log, source, regs, info)
    if log.verdict is Verdict.ACCEPTED:
        n = log.stats.processed_insns if log.stats else 0
        finding = Finding("verifier-accepted", Severity.OK,
                          f"the verifier accepted the program ({n} instructions processed)",
                          area="verifier", evidence=evidence)
        return Explanation(log, finding, None, None, {}, info)
    if log.verdict is Verdict.UNKNOWN:
        finding = Finding("verifier-log-incomplete", Severity.WARN,
                          "no verdict in this log: " + ("; ".join(log.notes) or "nothing found"),
                          area="verifier", evidence=evidence,
                          fix="capture the whole log: a larger log buffer (libbpf: "
                              "kernel_log_size), or bpftool -d prog load OBJ PIN")
        return Explanation(log, finding, None, source, regs, info)
    from bpfdoctor.verifier.families import diagnose

    entry = match(log)
    diag = diagnose(log, entry, line_for_insn, context)
    evidence["class"] = diag.klass.value
    if diag.primary is not None:
        evidence["primary"] = diag.primary.where()
    return Explanation(log, _rejection(log, entry, evidence, info, diag), entry, source, regs,
                       info, diag)


def _rejection(log: ParsedLog, entry: CatalogEntry | None, evidence: dict[str, object],
               info: ErrnoInfo | None, diag: Diagnostic) -> Finding:
    if entry is not None:
        fix = "\n".join(diag.help[:2]) + (f"\n{diag.suggestion}" if diag.suggestion else "")
        return Finding(entry.id, Severity.FAIL, f"{entry.title} ({diag.klass.label}): {log.error}",
                       area="verifier", evidence=evidence, fix=fix,
                       reference=entry.reference,
                       detail=f"{diag.why or entry.explanation}\nUsual cause: {entry.cause}")
    if log.error is None and info is not None:
        causes = info.causes("BPF_PROG_LOAD")
        return Finding(f"load-failed-{info.name.lower()}", Severity.FAIL,
                       f"the load failed with {info.name} and the log holds no verifier error",
                       area="verifier", evidence=evidence, fix=causes[0] if causes else None,
                       detail="Likely causes:\n- " + "\n- ".join(causes))
    return Finding("verifier-unrecognized-error", Severity.FAIL,
                   f"the verifier rejected the program: {log.error or 'no error line found'}",
                   area="verifier", evidence=evidence,
                   fix="not in bpfdoctor's catalog: read the failing instruction and the state "
                       "of the registers it reads, shown above",
                   reference="kernel/bpf/verifier.c")
