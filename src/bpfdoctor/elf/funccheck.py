"""Functions libbpf refuses to take as programs.

libbpf.c bpf_object__add_programs / bpf_object__init_prog read every FUNC
symbol of an executable section by its own ``st_size`` and refuse the whole
object ("corrupted program") when a function is empty, not a whole number
of 8-byte instructions, or does not start on an instruction.  Our object
model is more forgiving (it derives a missing size from the next symbol, as
llvm-objdump does), so ``load`` and ``elf info`` ask this module instead.
"""

from __future__ import annotations

from bpfdoctor.elf.reader import STT_FUNC

INSN_SIZE = 8


def corrupted_functions(elf) -> list[tuple[object, object]]:
    """(section, symbol) of each FUNC symbol libbpf would refuse, in file order.

    libbpf skips an executable section that is not PROGBITS; our object model
    reads programs from it, so its functions are held to the same rule."""
    out = []
    for sec in elf.sections:
        if not sec.is_exec or not sec.size:
            continue
        for sym in elf.symbols_in(sec.index):
            if sym.type == STT_FUNC and (sym.size == 0 or sym.size % INSN_SIZE or sym.value % INSN_SIZE):
                out.append((sec, sym))
    return out
