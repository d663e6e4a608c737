"""The verified path to the failing instruction, step by step (pure).

The verifier explores the program depth first: it walks one path, pushes the
other side of every undecided branch, and later resumes there with a
``from X to Y:`` line (kernel/bpf/verifier.c: do_check, pop_stack).  The
path that ends in the error is therefore the current walk: the steps since
the last resumption, behind the steps of the earlier walk up to the jump at
X.  ``PathRecorder`` keeps exactly that list: on ``from X to Y`` it cuts the
list back to the last visit of X, so the memory it holds is bounded by the
path, not by the log (and capped, oldest steps dropped, for the 1M-insn
logs of programs that hit the complexity limit).

Each step keeps the instruction as printed and the state text the verifier
printed after it (``; R1_w=...``, level 2; at level 1 only resumption
states) so the analysis can rebuild the registers of every frame at any
step without storing a copy per step.
"""

from __future__ import annotations

from collections import namedtuple

from bpfdoctor.verifier.model import SourceLine
from bpfdoctor.verifier.state import tokens

# ~360 bytes a step: the path kept in memory stays under ~20 MB whatever the log
MAX_STEPS = 50_000


class Step(namedtuple("Step", "kind index frame opcode text state full src source",
                       defaults=(-1, "", "", False, -1, None))):
    """One event on the path (a tuple: one is made per instruction of the log).

    ``kind``: ``insn`` (an instruction, ``state`` its annotation),
    ``state`` (a state line: ``full`` for a complete state after a
    resumption, else only the registers that changed), ``branch`` (the walk
    resumed at ``index`` from the jump at ``src``).  ``index``, ``frame``,
    ``opcode``, ``src`` are ints, ``text`` and ``state`` strings, ``source``
    a ``SourceLine`` or None.
    """

    __slots__ = ()

    def values(self) -> tuple[int, list[tuple[str, str]]]:
        """(frame the state names, [(register or slot, value)])."""
        named, toks = tokens(self.state)
        return (self.frame if named is None and self.kind != "insn" else (named or 0)), toks


class PathRecorder:
    """Collects the current path while the parser reads the log."""

    def __init__(self, limit: int = MAX_STEPS) -> None:
        self.steps: list[Step] = []
        self.limit = limit
        self.dropped = 0
        self._last_at: dict[int, int] = {}   # insn index -> its latest position
        self._pending: tuple[int, int, int, str, SourceLine | None] | None = None

    def insn(self, index: int, opcode: int, text: str, frame: int,
             source: SourceLine | None) -> None:
        self.flush()
        self._pending = (index, opcode, frame, text, source)

    def annotate(self, state: str) -> None:
        """The state text printed after the pending instruction."""
        if self._pending is not None:
            index, opcode, frame, text, source = self._pending
            self._pending = None
            self._push(Step("insn", index, frame, opcode, text, state, source=source))

    def flush(self) -> None:
        if self._pending is not None:
            self.annotate("")

    def state(self, text: str, frame: int, full: bool) -> None:
        self.flush()
        index = self.steps[-1].index if self.steps else 0
        self._push(Step("state", index, frame, state=text, full=full))

    def branch(self, src: int, dst: int, state: str, frame: int) -> None:
        self.flush()
        pos = self._last_at.get(src)
        if pos is not None and pos < len(self.steps) and self.steps[pos].index == src:
            del self.steps[pos + 1:]
        self._push(Step("branch", dst, frame, state=state, full=bool(state) and state != "safe",
                        src=src))

    def restart(self) -> None:
        """A new verification starts (a global function validated on its own)."""
        self.flush()
        self.steps.clear()
        self._last_at.clear()

    def _push(self, step: Step) -> None:
        if step.kind == "insn":
            self._last_at[step.index] = len(self.steps)
        self.steps.append(step)
        if len(self.steps) > self.limit:
            drop = len(self.steps) - self.limit // 2
            del self.steps[:drop]
            self.dropped += drop
            self._last_at = {k: v - drop for k, v in self._last_at.items() if v >= drop}

    def result(self) -> tuple[Step, ...]:
        self.flush()
        return tuple(self.steps)
