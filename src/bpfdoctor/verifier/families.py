"""Message families: class and analyser per catalog entry, and the diagnosis (pure).

A family is a catalog entry (``entry.CatalogEntry``: the messages, old and
new wordings, the explanation and fix) plus the class of the rejection and
the analyser that finds the line to change (``ANALYSERS`` below; source-file
refinements in ``refine``).
Entries without a row here are source bugs analysed at the failing line.
"""

from __future__ import annotations

from bpfdoctor.verifier.context import ProgramContext
from bpfdoctor.verifier.diagnostic import Diagnostic, ErrorClass, Span
from bpfdoctor.verifier.entry import CatalogEntry
from bpfdoctor.verifier.errno import gloss
from bpfdoctor.verifier.model import ParsedLog
from bpfdoctor.verifier.kernel_fixes import specific_fix
from bpfdoctor.verifier.refine import refine
from bpfdoctor.verifier import catalog_kernel, signs
from bpfdoctor.verifier import rootcause as R
from bpfdoctor.verifier import rootcause_access as RA
from bpfdoctor.verifier.rootcause import Analysis, Locate, Path

ANALYSERS = {
    "null": R.null_deref, "scalar": R.scalar_deref, "leak": R.leaked_reference,
    "return": R.return_range, "noreturn": R.missing_return, "loop": R.complexity,
    "helper": R.helper_call, "core": R.core_field, "ctxmod": R.ctx_modified,
    "frames": R.stack_frames,
    "index": RA.bounded_access, "packet": RA.packet_access, "stack": RA.uninit_stack,
}

S, L, V, E, F = (ErrorClass.SOURCE_BUG, ErrorClass.LOWERING_ARTIFACT, ErrorClass.VERIFIER_LIMIT,
                 ErrorClass.ENVIRONMENT, ErrorClass.FALSE_POSITIVE)

# family id -> (class, analyser name or None)
FAMILIES: dict[str, tuple[ErrorClass, str | None]] = {
    "map-value-null-check-missing": (S, "null"),
    "nullable-pointer-deref": (S, "null"),
    "scalar-deref": (S, "scalar"),
    "packet-bounds-check-missing": (S, "packet"),
    "caller-saved-register-after-call": (L, None),
    "uninitialized-register": (S, None),
    "uninitialized-stack-read": (S, "stack"),
    "stack-buffer-too-small": (S, None),
    "stack-out-of-bounds": (S, "index"),
    "map-value-negative-index": (S, "index"),
    "map-value-unbounded-access": (S, "index"),
    "map-value-out-of-bounds": (S, "index"),
    "pointer-arithmetic-unbounded": (S, "index"),
    "pointer-arithmetic-32bit": (L, "scalar"),
    "modified-ctx-deref": (L, "ctxmod"),
    "misaligned-stack-access": (L, None),  # C on the stack is aligned: a code generator's layout
    "invalid-ctx-access": (S, None),
    "write-to-read-only-map": (S, None),
    "helper-argument-type-mismatch": (S, "helper"),
    "unreleased-reference": (S, "leak"),
    "infinite-loop": (S, None),
    "program-too-complex": (V, "loop"),
    "combined-stack-too-large": (V, "frames"),
    "call-stack-too-deep": (V, None),
    "helper-not-allowed-for-program-type": (S, "helper"),
    "core-relocation-failed": (E, "core"),
    "map-not-created": (E, None),
    "helper-unknown": (E, "helper"),
    "gpl-only-helper": (S, "helper"),
    "last-insn-not-exit": (S, None),
    "unreachable-insn": (S, None),
    "jump-out-of-range": (S, None),
    "division-by-zero": (S, None),
    "frame-pointer-write": (S, None),
    "return-value-out-of-range": (S, "return"),
    "pointer-leak": (S, None),
    "invalid-map-fd": (E, None),
    # catalog_more
    "tail-call-map-type": (S, "helper"),
    "map-helper-incompatible": (S, "helper"),
    "call-while-holding-lock": (S, "helper"),
    "spin-lock-unbalanced": (S, "leak"),
    "misaligned-access": (S, None),
    "zero-sized-access": (S, "helper"),
    "size-unbounded": (S, "helper"),
    "global-func-args": (S, "helper"),
    "kfunc-null-arg": (S, "null"),
    "kfunc-rcu-arg": (S, "helper"),
    "kfunc-unknown": (E, "helper"),
    "dynptr-misuse": (S, "helper"),
    "iterator-misuse": (S, "leak"),
    "irq-flag-misuse": (S, "leak"),
    "rcu-lock-unbalanced": (S, "leak"),
    "exception-callback": (S, None),
    "kptr-misuse": (S, None),
    "sleepable-context": (E, "helper"),
    "too-many-insns": (V, None),
    "complexity-reported-as-size": (V, None),
    "stack-var-offset": (S, "index"),
    "nullable-pointer-arith": (S, "null"),
    "pointer-arith-prohibited": (S, None),
    "pointer-sanitizer": (E, None),
    "release-unacquired": (S, "helper"),
    "stack-spill-corrupt": (S, None),
    "sock-field-access": (S, None),
    "btf-struct-access": (S, None),
    "buffer-access": (S, "index"),
    "unsupported-instruction": (E, None),
    "tail-call-mixing": (E, None),
    "btf-required": (S, None),
    "attach-target": (E, None),
    "attach-failed": (E, None),
    "btf-func-info": (E, None),
    "privileged-feature": (E, None),
    "ld-abs-misuse": (S, None),
    "atomic-misuse": (S, None),
    "too-many-subprogs": (V, None),
    "timer-misuse": (S, None),
    # catalog_kernel: the rest of Linux 6.12's messages
    "verifier-internal-error": (E, None),
    "kernel-btf-malformed": (E, None),
    "kfunc-environment": (E, "helper"),
    "kfunc-arg-misuse": (S, "helper"),
    "pointer-arith-unsafe": (S, "index"),
    "memory-access-denied": (S, "index"),
    "stack-spill-misuse": (S, None),
    "lock-region-misuse": (S, "helper"),
    "helper-context": (S, "helper"),
    "btf-func-mismatch": (S, None),
    "btf-info-invalid": (E, None),
    "map-prog-incompatible": (E, None),
    "attach-config": (E, None),
    "insn-encoding": (E, None),
    "stack-size-limit": (V, None),
    "return-value-unknown": (S, "return"),
    "insn-shared-pointer-types": (L, None),
}


KERNEL_FAMILIES = frozenset(e.id for e in catalog_kernel.FIRST + catalog_kernel.ENTRIES)


def family_of(entry: CatalogEntry | None) -> tuple[ErrorClass, str | None]:
    if entry is None:
        return S, None
    return FAMILIES.get(entry.id, (S, None))


def diagnose(log: ParsedLog, entry: CatalogEntry | None, locate: Locate | None = None,
             ctx: ProgramContext | None = None) -> Diagnostic:
    """The diagnostic for a rejected log (``entry`` is its catalog match, or None)."""
    ctx = ctx or ProgramContext(name=log.program)
    klass, analyser = family_of(entry)
    path = Path(log, locate, ctx)
    a = Analysis()
    if analyser is not None and log.trace:
        try:
            ANALYSERS[analyser](path, a)
        except (ValueError, IndexError, KeyError):  # a log shape we did not foresee
            a = Analysis()
    if log.error and log.error.startswith("R0 !read_ok") and path.fstep is not None \
            and path.fstep.text == "exit":
        ANALYSERS["noreturn"](path, a)
    rejected = _rejected_span(path, log)
    if entry is not None and ctx.sources is not None:
        refine(path, a, entry.id, rejected, ctx.sources)
    primary = a.primary or (Span("primary", "rejected here", rejected.insn, rejected.insn_text,
                                 rejected.file, rejected.line, rejected.column, rejected.text)
                            if rejected is not None else None)
    secondary = [s for s in a.secondary if not _same(s, primary)]
    if rejected is not None and not _same(rejected, primary) and \
            not any(_same(rejected, s) for s in secondary):
        secondary.insert(0, rejected)
    klass = a.klass or klass
    notes = list(a.notes)
    # what the message or its instruction shows beyond the family's usual class
    sign = signs.classify(log, entry.id if entry else None, klass) if a.klass is None else None
    if sign is not None:
        klass = sign.klass
    # the initial "0: R1=ctx() R10=fp0" alone says nothing about the path
    states = sum(1 for s in log.trace if s.state and (s.kind == "insn" or s.index > 0))
    if log.verdict.value == "rejected" and states == 0:
        notes.append("the log holds no register states (level 1 before Linux 6.2, or no "
                     "instructions at all): the line shown is where the verifier stopped; a "
                     "level-2 log (bpfdoctor load, or bpftool -d prog load) shows where values "
                     "come from")
    if log.truncated:
        notes.append("the log is truncated: the analysis sees only its tail")
    helps = ([sign.help] if sign is not None else []) + list(a.help)
    if entry is not None and entry.id in KERNEL_FAMILIES:
        said = specific_fix(log.error or "")  # the fix with the message's own values
        if said:
            helps.insert(0, said)
    if entry is not None and not a.why and sign is None:
        # the catalog's generic fix only when the analysis found no cause of its
        # own and no sign moved the class (it would contradict them: a use after
        # release is not a missing bpf_probe_read_kernel, bytes that are no
        # instruction are not an -mcpu too new for the kernel)
        helps.append(entry.fix)
    return Diagnostic(
        family=entry.id if entry is not None else "verifier-unrecognized-error",
        klass=klass,
        title=entry.title if entry is not None else "rejected by the verifier",
        message=log.error or "",
        primary=primary,
        secondary=tuple(secondary),
        why=a.why or (sign.note if sign is not None else "")
        or (entry.explanation if entry is not None else ""),
        help=tuple(dict.fromkeys(h for h in helps if h)),
        suggestion=a.suggestion,
        errno=gloss(log.errno, log.error or "", entry.id if entry else None)
        if log.errno is not None else None,
        notes=tuple(notes),
        reference=entry.reference if entry is not None else None,
    )


def _rejected_span(path: Path, log: ParsedLog) -> Span | None:
    from bpfdoctor.verifier.explain import failing_index

    idx = failing_index(log)
    if idx is None:
        return None
    return path.span("rejected", "rejected here", idx, path.fstep
                     if path.fstep is not None and path.fstep.index == idx else None)


def _same(a: Span | None, b: Span | None) -> bool:
    if a is None or b is None:
        return False
    if a.line is not None and b.line is not None:
        return (a.file, a.line) == (b.file, b.line)
    return a.insn == b.insn
