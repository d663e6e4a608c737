"""Records the loader reports: one per program, one per map (frozen values)."""

from __future__ import annotations

from bpfdoctor.record import field, record

# The verifier's closing lines, matched as the regular expressions
#   processed (\d+) insns \(limit (\d+)\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+)
#   verification time (\d+) usec
#   stack depth ([\d+]+)
# would match them (first match anywhere in the log), without compiling
# three expressions on every load.  _DIGITS is a run of decimal digits,
# _STACK one of digits and '+'.
_DIGITS, _STACK = 0, 1
_PROCESSED = ("processed ", _DIGITS, " insns (limit ", _DIGITS, ") max_states_per_insn ", _DIGITS,
              " total_states ", _DIGITS, " peak_states ", _DIGITS)
_TIME = ("verification time ", _DIGITS, " usec")
_STACK_DEPTH = ("stack depth ", _STACK)


def search(log: str, pattern: tuple) -> list[str] | None:
    """The groups of the first match of ``pattern`` in ``log``, or None."""
    first = pattern[0]
    pos = log.find(first)
    while pos >= 0:
        groups = _match_at(log, pos + len(first), pattern)
        if groups is not None:
            return groups
        pos = log.find(first, pos + 1)
    return None


def _match_at(log: str, i: int, pattern: tuple) -> list[str] | None:
    groups = []
    n = len(log)
    for piece in pattern[1:]:
        if piece == _DIGITS or piece == _STACK:
            j = i
            while j < n and (log[j].isdecimal() or (piece == _STACK and log[j] == "+")):
                j += 1
            if j == i:
                return None
            groups.append(log[i:j])
            i = j
        elif log.startswith(piece, i):
            i += len(piece)
        else:
            return None
    return groups


@record
class VerifierStats:
    """The verifier's closing statistics (kernel/bpf/verifier.c print_verification_stats)."""

    processed_insns: int | None = None
    insn_limit: int | None = None
    max_states_per_insn: int | None = None
    total_states: int | None = None
    peak_states: int | None = None
    time_usec: int | None = None
    stack_depth: tuple[int, ...] = ()

    @classmethod
    def from_log(cls, log: str) -> "VerifierStats":
        m = search(log, _PROCESSED)
        t = search(log, _TIME)
        s = search(log, _STACK_DEPTH)
        nums = [int(g) for g in m] if m else [None] * 5
        return cls(*nums, int(t[0]) if t else None,
                   tuple(int(x) for x in s[0].split("+") if x) if s else ())

    def to_dict(self) -> dict:
        return {"processed_insns": self.processed_insns, "insn_limit": self.insn_limit,
                "max_states_per_insn": self.max_states_per_insn, "total_states": self.total_states,
                "peak_states": self.peak_states, "time_usec": self.time_usec,
                "stack_depth": list(self.stack_depth)}


@record
class ProgramResult:
    """What happened to one program.  ``status``: loaded, rejected (the kernel
    said no: errno and log), or error (the loader could not prepare it)."""

    name: str
    section: str
    prog_type: str
    attach_type: str | None
    status: str
    insn_count: int = 0
    subprograms: tuple[str, ...] = ()
    id: int | None = None
    tag: str | None = None
    xlated_len: int | None = None
    jited_len: int | None = None
    verified_insns: int | None = None
    stats: VerifierStats | None = None
    errno: int | None = None
    errno_name: str | None = None
    message: str | None = None
    log: str = ""
    core: tuple = ()
    notes: tuple[str, ...] = ()
    pinned: str | None = None
    line_for_insn: object = field(default=None, compare=False, repr=False)
    # the level-2 re-verification of a rejected program, parsed (verifier.ParsedLog)
    verbose: object = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "loaded"

    def to_dict(self) -> dict:
        return {
            "name": self.name, "section": self.section, "type": self.prog_type,
            "attach_type": self.attach_type, "status": self.status, "insns": self.insn_count,
            "subprograms": list(self.subprograms), "id": self.id, "tag": self.tag,
            "xlated_bytes": self.xlated_len, "jited_bytes": self.jited_len,
            "verified_insns": self.verified_insns,
            "stats": self.stats.to_dict() if self.stats else None,
            "errno": self.errno, "errno_name": self.errno_name, "message": self.message,
            "core_relocations": [{"insn": c.insn, "kind": c.kind, "spec": c.spec,
                                  "local": c.local_value, "value": c.value, "poisoned": c.poisoned}
                                 for c in self.core],
            "notes": list(self.notes), "pinned": self.pinned,
        }


@record
class MapResult:
    """One map the loader created, as the kernel reports it (``kind`` and the
    names from its MapPlan); ``pinned`` is its path on bpffs once pinned."""

    name: str
    kernel_name: str
    kind: str
    map_type: int
    id: int
    key_size: int
    value_size: int
    max_entries: int
    flags: int
    pinned: str | None = None

    def to_dict(self) -> dict:
        from bpfdoctor.elf.object import map_type_name

        return {"name": self.name, "kernel_name": self.kernel_name, "kind": self.kind,
                "type": map_type_name(self.map_type), "id": self.id, "key_size": self.key_size,
                "value_size": self.value_size, "max_entries": self.max_entries, "flags": self.flags,
                "pinned": self.pinned}
