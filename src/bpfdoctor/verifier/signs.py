"""Signs in the log that move a rejection to another layer (pure).

A family's class (``families.FAMILIES``) is what its message usually means.
Some messages, or the instruction they are about, say more: C source cannot
name register r11, a 1-byte load of a 4-byte context field is the compiler
narrowing a whole-field read, "back-edge" is the wording of a verifier that
takes no loop at all.  Each sign here was the cause in public issue threads
where the family's usual class pointed the user at the wrong layer (see the
explain section of the README).

``classify`` returns the class with a note saying what in the log shows it
(the diagnostic's "why" when the family's analyser found none of its own)
and the help that goes with it; ``None`` when no sign applies.
"""

from __future__ import annotations

import re

from bpfdoctor.record import record
from bpfdoctor.verifier.diagnostic import ErrorClass
from bpfdoctor.verifier.model import ParsedLog


@record
class Sign:
    """A layer the log points at: the class, what shows it, and the fix for that layer."""

    klass: ErrorClass
    note: str
    help: str


_NO_REG = re.compile(r"R(1[1-5]) is invalid$")
_BACK_EDGE = re.compile(r"back-edge from insn (\d+) to (\d+)")
_NOT_YET = re.compile(r"Arg#(\d+) type (\w+) in (\S+)\(\) is not supported yet")
_CTX = re.compile(r"invalid bpf_context access off=(-?\d+) size=([12])\b")
_COMPAT_READ = re.compile(r"unknown func (bpf_probe_read(?:_str)?)#(?:4|45)\b")
# families about memory, stack and bounds: what a bpftrace script cannot get wrong by itself
_MEMORY = frozenset((
    "misaligned-stack-access", "misaligned-access", "uninitialized-stack-read", "uninitialized-register",
    "stack-out-of-bounds", "stack-buffer-too-small", "stack-var-offset", "stack-spill-misuse",
    "stack-spill-corrupt", "map-value-negative-index", "map-value-unbounded-access",
    "map-value-out-of-bounds", "map-value-null-check-missing", "nullable-pointer-deref",
    "nullable-pointer-arith", "scalar-deref", "pointer-arithmetic-unbounded", "pointer-arith-unsafe",
    "pointer-arith-prohibited", "pointer-arithmetic-32bit", "packet-bounds-check-missing",
    "invalid-ctx-access", "modified-ctx-deref", "memory-access-denied", "size-unbounded",
    "zero-sized-access", "buffer-access", "caller-saved-register-after-call"))
_NARROW_LOAD = re.compile(r"^r\d+ = \*\(u(8|16) \*\)\(r\d+ [+-]\d+\)")
# kernel/bpf/verifier.c resolve_pseudo_ldimm64: "unknown opcode %02x" when the byte is not
# in this kernel's table of instructions (bpf_opcode_in_insntable)
_UNKNOWN_OPCODE = re.compile(r"unknown opcode ([0-9a-f]{2})\b")


def defined_opcode(code: int) -> bool:
    """Whether the instruction set defines opcode byte ``code`` in any version
    (v1-v4, RFC 9669, and may_goto, callx, 8/16-bit atomics): a byte outside it is
    no instruction at all, not a newer one an older kernel lacks."""
    cls, op = code & 0x07, code & 0xF0
    if cls in (0x04, 0x07):  # ALU, ALU64: ADD..ARSH with K or X, NEG with K, END
        if op == 0xD0:
            return code in (0xD4, 0xDC, 0xD7)  # to_le, to_be; bswap (ALU64, K)
        if op == 0x80:
            return not code & 0x08
        return op <= 0xC0
    if cls in (0x05, 0x06):  # JMP, JMP32
        if op == 0x00:
            return not code & 0x08  # ja; gotol (JMP32)
        if op in (0x80, 0x90, 0xE0):  # call/callx, exit, may_goto: JMP only
            return cls == 0x05 and code in (0x85, 0x8D, 0x95, 0xE5)
        return op <= 0xD0
    if cls == 0x00:  # LD: ld_imm64, and the ABS/IND loads cBPF left
        return code in (0x18, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50)
    mode, size = code & 0xE0, code & 0x18
    if cls == 0x01:  # LDX: MEM, MEMSX (no 8-byte sign extension)
        return mode == 0x60 or (mode == 0x80 and size != 0x18)
    if cls == 0x02:  # ST: MEM
        return mode == 0x60
    return mode in (0x60, 0xC0)  # STX: MEM, ATOMIC


def classify(log: ParsedLog, family: str | None, klass: ErrorClass) -> Sign | None:
    error = log.error or ""
    if log.probe:
        return Sign(ErrorClass.ENVIRONMENT,
                    f"the rejected program is the loader's own probe for {log.probe} "
                    "(cilium/ebpf's 'detect support for'), not one of yours: the probe was written "
                    "for other kernels and this kernel's verifier refuses it, so the feature test "
                    "fails instead of answering",
                    "update the loader (a newer cilium/ebpf, or the application built on it); a "
                    "probe that fails in the verifier means the loader, not the program, needs "
                    "the fix")
    if not error and log.errno == 7 and log.verdict.value == "rejected":
        return Sign(ErrorClass.VERIFIER_LIMIT,
                    "E2BIG with no error line left in the log: BPF_PROG_LOAD fails so when the "
                    "program has more instructions than the kernel takes (4,096 unprivileged, "
                    "1,000,000 since 5.2) or when the verifier's complexity budget runs out (the "
                    "'BPF program is too large' line, which the loader did not keep)",
                    "capture the log's last lines (a larger log buffer; iproute2: the 'verb' "
                    "option) to see which limit; split the program (tail calls, global "
                    "functions) or shrink its loops")
    m = _NO_REG.search(error)
    if m:
        return Sign(ErrorClass.LOWERING_ARTIFACT,
                    f"the instruction uses r{m[1]}, a register BPF does not have (r0-r10): C "
                    "cannot name a register, so the code generator wrote it (LLVM 12 emitted r11 "
                    "in some programs) or the bytecode was written or patched by hand",
                    "build with another compiler version (or report the miscompilation to LLVM "
                    "with the object); the source needs no change")
    m = _BACK_EDGE.search(error)
    if m:  # (a DFS back edge: its target may have the higher index)
        return Sign(ErrorClass.VERIFIER_LIMIT,
                    f"'back-edge from insn {m[1]} to {m[2]}': this verifier refuses every backward "
                    "jump, bounded or not (kernels before 5.3, and loads without CAP_BPF or "
                    "CAP_SYS_ADMIN on later ones); the loop was left in the bytecode (not unrolled)",
                    "on such kernels unroll the loop (a constant trip count with #pragma unroll, "
                    "and check the object has no backward jump: bpfdoctor disasm); otherwise load "
                    "with CAP_BPF on Linux 5.3 or later")
    m = _NOT_YET.search(error)
    if m:
        return Sign(ErrorClass.VERIFIER_LIMIT,
                    f"'not supported yet': {m[3]}() is a global function, verified once on its "
                    f"own, and this verifier cannot check argument {m[1]} of type {m[2]} there "
                    "(before Linux 5.12 a global function's pointer arguments could only be the "
                    "context; later ones also take pointers to sized types)",
                    f"make {m[3]}() static (or __always_inline) so it is verified at each call "
                    "with the caller's types, or pass a pointer to a sized struct on a newer kernel")
    if family == "invalid-ctx-access":
        m = _CTX.search(error)
        insn = log.failing_insn
        if m and insn is not None and _NARROW_LOAD.match(insn.text):
            return Sign(ErrorClass.LOWERING_ARTIFACT,
                        f"a {m[2]}-byte load of the context at offset {m[1]}: context fields are 4 "
                        "or 8 bytes, so the source read a whole field and the compiler narrowed "
                        "the load to the bytes it uses; kernels before 4.13 refuse every narrow "
                        "context load, later ones refuse it on fields that allow no narrow access",
                        "read the whole field into a variable first (a volatile read, or an asm "
                        "barrier on the value, stops the narrowing), then take the bytes from it")
    m = _UNKNOWN_OPCODE.search(error) if family == "unsupported-instruction" else None
    if m and not defined_opcode(int(m[1], 16)):
        return Sign(ErrorClass.LOWERING_ARTIFACT,
                    f"opcode 0x{m[1]} is no BPF instruction in any version of the instruction "
                    "set, so this is not a newer instruction this kernel lacks: the bytes are not "
                    "what a compiler emits for an instruction. A loader that left a relocation or "
                    "a data section unprocessed (bcc and read-only data: `char *p = \"...\"`), a "
                    "damaged object, or a code generator's bug wrote them",
                    "look at the instruction (bpfdoctor disasm on the object; `<unknown>` marks "
                    "it): keep strings and constants on the stack (`char p[] = \"...\"`) for "
                    "loaders without global data, rebuild the object, or try another compiler")
    m = _COMPAT_READ.search(error)
    if m:
        return Sign(ErrorClass.ENVIRONMENT,
                    f"{m[1]} is known to this kernel but not offered here: it exists only on "
                    "architectures whose kernel and user addresses cannot overlap "
                    "(CONFIG_ARCH_HAS_NON_OVERLAPPING_ADDRESS_SPACE) and only outside kernel "
                    "lockdown (kernel/trace/bpf_trace.c); the program is fine elsewhere",
                    f"use {m[1].replace('bpf_probe_read', 'bpf_probe_read_kernel')} or "
                    f"{m[1].replace('bpf_probe_read', 'bpf_probe_read_user')} (Linux 5.5+), "
                    "which every architecture has; bcc and libbpf's BPF_CORE_READ pick them "
                    "when the kernel has them")
    if log.generator == "bpftrace" and klass is ErrorClass.SOURCE_BUG and family in _MEMORY:
        return Sign(ErrorClass.LOWERING_ARTIFACT,
                    "bpftrace wrote this bytecode: a script cannot make unchecked memory "
                    "accesses or place values on the stack, so a rejection of this kind is "
                    "usually bpftrace's code generation",
                    "try another bpftrace version, or report it to bpftrace with the script and "
                    "`bpftrace --version`")
    return None
