"""The diagnostic record for a verifier rejection (pure values).

Shaped like a compiler diagnostic (rustc, clang): a family id, a class
that says which layer must change, a primary span (the line to change) and
labelled secondary spans, and ``help`` lines written from the program's own
names.  The JSON form is ``Diagnostic.to_dict`` (schema in
docs/readme/explain.md); ``render/diagnostic.py`` draws the text forms.
"""

from __future__ import annotations

from enum import Enum

from bpfdoctor.record import field, record


class ErrorClass(str, Enum):
    """Which layer is at fault: it decides what the user changes."""

    SOURCE_BUG = "source-bug"                  # the C is wrong: change the code
    LOWERING_ARTIFACT = "lowering-artifact"    # the C is safe, the bytecode hides the proof
    VERIFIER_LIMIT = "verifier-limit"          # a budget: insns, states, jumps, stack, calls
    ENVIRONMENT = "environment"                # kernel, config, privilege, BTF
    FALSE_POSITIVE = "verifier-false-positive" # a safe pattern the verifier rejects

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def layer(self) -> str:
        return _LAYERS[self]


_LABELS = {
    ErrorClass.SOURCE_BUG: "source bug",
    ErrorClass.LOWERING_ARTIFACT: "compiler lowering artifact",
    ErrorClass.VERIFIER_LIMIT: "verifier limit",
    ErrorClass.ENVIRONMENT: "environment or configuration",
    ErrorClass.FALSE_POSITIVE: "verifier false positive",
}
_LAYERS = {
    ErrorClass.SOURCE_BUG: "change the program's code",
    ErrorClass.LOWERING_ARTIFACT: "your C is fine: the compiler emitted code the verifier cannot "
                                  "follow; restate the check (barrier_var()/volatile idiom) or "
                                  "change compiler flags",
    ErrorClass.VERIFIER_LIMIT: "a verifier budget (instructions, states, jumps, stack, call "
                               "depth), not a bug: split the program, shrink loops or stack "
                               "buffers, or use a bounded helper loop (bpf_loop)",
    ErrorClass.ENVIRONMENT: "the program may be right: this kernel, its configuration or the "
                            "caller's privileges refuse it; change kernel, config or privileges",
    ErrorClass.FALSE_POSITIVE: "the verifier is known to reject this safe pattern: use the "
                               "known workaround",
}


@record
class Span:
    """A place in the program: instruction index and, from BTF line_info
    (or the log's ``; text @ file:line`` comments), its source location.

    ``role``: ``rejected`` (where the verifier stopped), ``primary``
    (the line to change, when it is another one), ``value-from``,
    ``bounds-lost``, ``acquired``, ``released``, ``checked-copy``,
    ``check``, ``branch``, ``loop``.
    """

    role: str
    label: str
    insn: int | None = None
    insn_text: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None
    text: str = ""

    def where(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")
        return f"insn {self.insn}" if self.insn is not None else "?"

    def to_dict(self) -> dict[str, object]:
        return {"role": self.role, "label": self.label, "insn": self.insn,
                "insn_text": self.insn_text or None, "file": self.file, "line": self.line,
                "column": self.column, "text": self.text or None}


@record
class Diagnostic:
    """One rejection, explained."""

    family: str
    klass: ErrorClass
    title: str
    message: str
    primary: Span | None
    secondary: tuple[Span, ...] = ()
    why: str = ""
    help: tuple[str, ...] = ()
    suggestion: str | None = None
    errno: str | None = None
    notes: tuple[str, ...] = ()
    reference: str | None = None
    evidence: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "family": self.family, "class": self.klass.value, "class_label": self.klass.label,
            "layer": self.klass.layer, "title": self.title, "message": self.message,
            "primary": None if self.primary is None else self.primary.to_dict(),
            "secondary": [s.to_dict() for s in self.secondary],
            "why": self.why, "help": list(self.help), "suggestion": self.suggestion,
            "errno": self.errno, "notes": list(self.notes), "reference": self.reference,
        }


def diagnostic_from_dict(d: dict) -> Diagnostic:
    """The inverse of ``Diagnostic.to_dict`` (reports carry dicts to the renderer)."""
    def span(x: dict | None) -> Span | None:
        if x is None:
            return None
        return Span(x["role"], x["label"], x.get("insn"), x.get("insn_text") or "", x.get("file"),
                    x.get("line"), x.get("column"), x.get("text") or "")

    return Diagnostic(d["family"], ErrorClass(d["class"]), d["title"], d["message"],
                      span(d.get("primary")), tuple(span(s) for s in d.get("secondary", [])),
                      d.get("why", ""), tuple(d.get("help", [])), d.get("suggestion"),
                      d.get("errno"), tuple(d.get("notes", [])), d.get("reference"))
