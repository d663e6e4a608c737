"""Register and stack-slot states as the verifier prints them.

kernel/bpf/log.c: print_verifier_state prints ``R<n>=<type>(<fields>)`` for
each live register and ``fp-<off>=<slot marks or spilled reg>`` for stack
slots, prefixed by ``frame<n>:`` outside the main frame.  Older kernels add
a liveness suffix to the name (``R1_w``, ``R6_rw``, ``R0_D``) and print
``inv`` for what is now ``scalar``; we keep values verbatim and normalise
names only.
"""

from __future__ import annotations

from bpfdoctor.verifier import lines as L
from bpfdoctor.verifier.numbers import num


def _key(name: str) -> str:
    """``R1_w`` -> ``R1``; ``fp-8_w`` -> ``fp-8``; other names unchanged."""
    base, sep, _ = name.partition("_")
    return base if sep else name


def tokens(text: str) -> tuple[int | None, list[tuple[str, str]]]:
    """Split a state text into (frame or None, [(name, value)])."""
    text = text.strip()
    frame = None
    if text.startswith("frame"):
        m = L.FRAME_PREFIX.match(text)
        if m:
            frame = num(m.group(1))
            text = text[m.end():]
    out = []
    for tok in L.STATE_SPLIT.split(text):
        name, eq, value = tok.partition("=")
        if not eq or not name:
            continue
        if name.startswith("frame"):
            # a second "frameN:" inside one line (several frames printed)
            m = L.FRAME_PREFIX.match(tok)
            if m:
                frame = num(m.group(1))
                name, eq, value = tok[m.end():].partition("=")
        if "_" in name:
            name = _key(name)
        out.append((name, value))
    return frame, out


def parse_state(text: str, frame: int) -> tuple[int, dict[str, str]]:
    """A full state line: the frame it belongs to and its registers."""
    named, toks = tokens(text)
    return (frame if named is None else named), dict(toks)


def apply_annotation(regs: dict[int, dict[str, str]], text: str, frame: int = 0) -> int:
    """Apply an instruction's ``; R1=...`` delta to ``regs``; return the frame in force.

    Since 6.2 the kernel prints after each instruction only the registers
    it changed (kernel/bpf/log.c: print_insn_state), relative to the frame
    it names; no ``frameN:`` prefix means frame 0.
    """
    named, toks = tokens(text)
    if named is None:
        # kernel/bpf/log.c: print_verifier_state prints " frameN:" only for
        # frameno != 0, so a state without it belongs to the main frame.
        named = 0
    target = regs.setdefault(named, {})
    for name, value in toks:
        target[name] = value
    return named
