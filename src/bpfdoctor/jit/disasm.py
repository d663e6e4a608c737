"""Native disassembly of JIT images with capstone, in bpf_jit_disasm's layout.

capstone's library is loaded on first use, never at module import, and
through ``cslib`` (ctypes against the bundled libcapstone, without the
binding's all-architecture tables; the binding when that library does not
pass ``cslib``'s version checks).
x86 text is respelled to match binutils (see ``x86style``); other
architectures keep capstone's spelling, laid out as objdump does
(``mnemonic<TAB>operands``).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator

from bpfdoctor.errors import UsageError
from bpfdoctor.jit import cslib, x86style


# Named tuples rather than frozen dataclasses, as in ``logparse``: importing
# ``dataclasses`` costs about the interpreter's start-up again (issue 12).
class ArchSpec(namedtuple("ArchSpec", ("name", "cs_arch", "cs_mode", "step", "objdump", "aliases"),
                          defaults=((),))):
    """One architecture the kernel has a BPF JIT for.

    ``name`` (str) is ours; ``cs_arch`` (str) and ``cs_mode`` (tuple of str)
    name capstone constants (resolved lazily); ``step`` (int) is how far to
    skip over bytes capstone cannot decode; ``objdump`` (str) is the binutils
    ``-m`` machine name for the same code; ``aliases`` (tuple of str) are
    other names ``resolve_arch`` accepts.
    """

    __slots__ = ()


# The kernel's eBPF JITs (arch/*/net/bpf_jit*.c) that capstone 5 can decode.
# loongarch64 and parisc have JITs but no capstone support.
ARCHES: dict[str, ArchSpec] = {a.name: a for a in (
    ArchSpec("x86_64", "CS_ARCH_X86", ("CS_MODE_64",), 1, "i386:x86-64", ("amd64", "x86-64")),
    ArchSpec("i386", "CS_ARCH_X86", ("CS_MODE_32",), 1, "i386", ("x86", "i686", "i586")),
    ArchSpec("arm64", "CS_ARCH_ARM64", ("CS_MODE_ARM",), 4, "aarch64", ("aarch64",)),
    ArchSpec("arm", "CS_ARCH_ARM", ("CS_MODE_ARM",), 4, "arm", ("armv7l", "armhf", "armel")),
    ArchSpec("riscv64", "CS_ARCH_RISCV", ("CS_MODE_RISCV64", "CS_MODE_RISCVC"), 2, "riscv:rv64", ()),
    ArchSpec("riscv32", "CS_ARCH_RISCV", ("CS_MODE_RISCV32", "CS_MODE_RISCVC"), 2, "riscv:rv32", ()),
    ArchSpec("s390x", "CS_ARCH_SYSZ", ("CS_MODE_BIG_ENDIAN",), 2, "s390:64-bit", ("s390",)),
    ArchSpec("ppc64", "CS_ARCH_PPC", ("CS_MODE_64", "CS_MODE_BIG_ENDIAN"), 4, "powerpc:common64", ()),
    ArchSpec("ppc64le", "CS_ARCH_PPC", ("CS_MODE_64", "CS_MODE_LITTLE_ENDIAN"), 4, "powerpc:common64", ()),
    ArchSpec("ppc", "CS_ARCH_PPC", ("CS_MODE_32", "CS_MODE_BIG_ENDIAN"), 4, "powerpc:common", ("ppc32",)),
    ArchSpec("mips64", "CS_ARCH_MIPS", ("CS_MODE_MIPS64", "CS_MODE_BIG_ENDIAN"), 4, "mips:isa64", ()),
    ArchSpec("mips64el", "CS_ARCH_MIPS", ("CS_MODE_MIPS64", "CS_MODE_LITTLE_ENDIAN"), 4, "mips:isa64", ()),
    ArchSpec("mips", "CS_ARCH_MIPS", ("CS_MODE_MIPS32", "CS_MODE_BIG_ENDIAN"), 4, "mips:isa32", ()),
    ArchSpec("mipsel", "CS_ARCH_MIPS", ("CS_MODE_MIPS32", "CS_MODE_LITTLE_ENDIAN"), 4, "mips:isa32", ()),
    ArchSpec("sparc64", "CS_ARCH_SPARC", ("CS_MODE_V9", "CS_MODE_BIG_ENDIAN"), 4, "sparc:v9", ()),
)}
SYNTAXES = ("att", "intel")
UNSUPPORTED = {"loongarch64": "capstone 5 has no LoongArch support",
               "parisc": "capstone has no PA-RISC support",
               "parisc64": "capstone has no PA-RISC support"}


def resolve_arch(name: str) -> ArchSpec:
    """The ``ArchSpec`` for a name or alias (``aarch64`` -> ``arm64``)."""
    key = name.strip().lower().replace("-", "_") if name else ""
    if key in ARCHES:
        return ARCHES[key]
    for spec in ARCHES.values():
        if key in spec.aliases or name.lower() in spec.aliases:
            return spec
    why = UNSUPPORTED.get(key)
    raise UsageError(f"unknown architecture {name!r}" + (f": {why}" if why else ""),
                     hint="choose one of " + ", ".join(ARCHES))


def arch_for_machine(machine: str, byteorder: str = "little") -> ArchSpec:
    """The architecture for a ``uname -m`` value (``platform.machine()``).

    ``uname -m`` does not say the byte order on ppc64/mips, so the caller
    passes ``sys.byteorder``.
    """
    m = machine.lower()
    if m in ("ppc64", "ppc64le"):
        return ARCHES["ppc64le" if byteorder == "little" else "ppc64"]
    if m in ("mips64", "mips"):
        return ARCHES[m + ("el" if byteorder == "little" else "")]
    if m.startswith("arm") and m not in ("arm64",):
        return ARCHES["arm"]
    return resolve_arch(m)


class NativeInsn(namedtuple("NativeInsn", ("offset", "raw", "mnemonic", "operands"))):
    """One native instruction: ``offset`` (int) in the image, ``raw`` bytes,
    and its text (``mnemonic``, ``operands``: str)."""

    __slots__ = ()

    @property
    def text(self) -> str:
        return self.mnemonic + ("\t" + self.operands if self.operands else "")

    def to_dict(self) -> dict[str, object]:
        return {"offset": self.offset, "bytes": self.raw.hex(), "mnemonic": self.mnemonic,
                "operands": self.operands}


_handles: dict[tuple[str, str, bool], cslib.Engine | cslib.Binding] = {}


def _handle(spec: ArchSpec, syntax: str, detail: bool = False) -> cslib.Engine | cslib.Binding:
    key = (spec.name, syntax, detail)
    md = _handles.get(key)
    if md is None:
        x86 = spec.cs_arch == "CS_ARCH_X86"
        md = _handles[key] = cslib.open_engine(spec.cs_arch, spec.cs_mode, syntax if x86 else None, detail)
    return md


def _check_syntax(spec: ArchSpec, syntax: str) -> None:
    if syntax not in SYNTAXES:
        raise UsageError(f"unknown syntax {syntax!r}; choose att or intel")
    if syntax == "intel" and spec.cs_arch != "CS_ARCH_X86":
        from bpfdoctor.lazylog import get_logger

        get_logger(__name__).debug("--syntax intel only changes x86 output; ignored for %s", spec.name)


def _runs(md: cslib.Engine | cslib.Binding, image: bytes, arch: ArchSpec) -> Iterator[tuple[bool, list[tuple[int, int, str, str]]]]:
    """(filler, run): capstone's (offset, size, mnemonic, op_str) in runs
    (filler False), and libopcodes' fillers where capstone stops (True): bytes that do not decode are ``(bad)``
    (the walk goes on ``arch.step`` bytes later); on x86 an instruction cut
    off by the end of the buffer shows its prefixes one by one, then
    ``.byte`` for the opcode."""
    x86 = arch.cs_arch == "CS_ARCH_X86"
    pos, end = 0, len(image)
    while pos < end:
        run = md.disasm(image, pos)
        if run:
            yield False, run
            pos = run[-1][0] + run[-1][1]
        if pos >= end:
            break
        if x86 and _runs_past_end(md, image, pos):
            fill = [(off, 1, name, "") for off, name in x86style.truncated_prefixes(image, pos)]
            pos += len(fill)
            if pos < end:
                fill.append((pos, 1, ".byte", f"0x{image[pos]:x}"))
                pos += 1
            yield True, fill
            continue
        step = min(arch.step, end - pos)
        yield True, [(pos, step, "(bad)", "")]
        pos += step


_JCC = "jo jno jb jae je jne jbe ja js jns jp jnp jl jge jle jg jmp jrcxz jecxz loop loope loopne".split()
_BRANCHES = {**{m: m for m in _JCC}, "callq": "call", "call": "call", "jmpq": "jmp"}


class _X86Speller:
    """capstone x86 text -> libopcodes spelling, cached.

    Most text depends only on (mnemonic, op_str); text that depends on the
    encoding (zero displacement, shift-by-one) is cached by the bytes too,
    and RIP-relative comments depend on the address.
    """

    def __init__(self, arch: ArchSpec, syntax: str) -> None:
        self.arch, self.syntax = arch, syntax
        self.simple: dict[tuple[str, str], tuple[str, str] | None] = {}
        self.encoded: dict[tuple[bytes, str, str], tuple[str, str]] = {}

    def spell(self, image: bytes, off: int, size: int, mnem: str, ops: str) -> tuple[str, str]:
        if ops[:2] == "0x" and mnem in _BRANCHES:
            # Direct call/jmp/jcc: the target is absolute hex in both spellings,
            # and every target is new text, so keep these out of the caches.
            return _BRANCHES[mnem], ops
        key = (mnem, ops)
        spelled = self.simple.get(key, False)
        if spelled is False:
            syntax = self.syntax
            encoded = x86style.needs_encoding(ops, syntax) or x86style.maybe_shift_one(mnem, ops, syntax)
            spelled = None if encoded else _respell(mnem, ops, syntax, b"", self.arch)
            self.simple[key] = spelled
        raw = None
        if spelled is None:
            raw = bytes(image[off:off + size])
            spelled = self.encoded.get((raw, mnem, ops))
            if spelled is None:
                spelled = _respell(mnem, ops, self.syntax, raw, self.arch)
                self.encoded[(raw, mnem, ops)] = spelled
        if image[off] in x86style.MAYBE_REX40:
            raw = raw or bytes(image[off:off + size])
            if x86style.unused_rex40(raw, ops):
                spelled = ("rex " + spelled[0], spelled[1])
        if "rip" in ops:
            target = x86style.rip_target(spelled[1], off + size)
            if target:
                spelled = (spelled[0], f"{spelled[1]}        # {target}")
        return spelled

    def plain(self, mnem: str, ops: str) -> bool:
        """Whether the text of (mnem, ops) never depends on bytes or address."""
        return self.simple.get((mnem, ops)) is not None and "rip" not in ops


def iter_text(image: bytes, arch: ArchSpec, syntax: str = "att") -> Iterator[tuple[int, int, str, str]]:
    """(offset, size, mnemonic, operands) for every instruction, in order
    (x86 in libopcodes spelling; fillers as described in ``_runs``)."""
    _check_syntax(arch, syntax)
    image = bytes(image)
    md = _handle(arch, syntax)
    speller = _X86Speller(arch, syntax) if arch.cs_arch == "CS_ARCH_X86" else None
    for filler, run in _runs(md, image, arch):
        for off, size, mnem, ops in run:
            if speller is not None and not filler:
                mnem, ops = speller.spell(image, off, size, mnem, ops)
            yield off, size, mnem, ops


_X86_MAX_INSN = 15  # the architectural limit on an x86 instruction's length


def _runs_past_end(md: cslib.Engine | cslib.Binding, image: bytes, pos: int) -> bool:
    """Whether the bytes at ``pos`` start an instruction longer than what is left."""
    if len(image) - pos >= _X86_MAX_INSN:
        # No x86 instruction is longer: a byte that does not decode this far
        # from the end is just bad.  (Copying the tail here instead made an
        # image of undecodable bytes quadratic: 256 KB took 22 s.)
        return False
    tail = bytes(image[pos:])
    for _off, size, _m, _o in md.disasm(tail + bytes(_X86_MAX_INSN), 0, 1):
        return size > len(tail)
    return False


def _respell(mnem: str, ops: str, syntax: str, raw: bytes, arch: ArchSpec) -> tuple[str, str]:
    zero = bool(raw) and x86style.needs_encoding(ops, syntax) and _zero_disp(arch, syntax, raw)
    one = bool(raw) and x86style.maybe_shift_one(mnem, ops, syntax) and x86style.implicit_one(raw)
    if syntax == "att":
        return x86style.att(mnem, ops, zero, one)
    return x86style.intel(mnem, ops, zero, one)


def _zero_disp(arch: ArchSpec, syntax: str, raw: bytes) -> bool:
    """Whether the encoding carries a displacement (that capstone printed as none)."""
    disp = _handle(arch, syntax, detail=True).x86_disp(raw)
    return disp is not None and disp[0] > 0 and disp[1] == 0


def disassemble(image: bytes, arch: str | ArchSpec = "x86_64", syntax: str = "att") -> list[NativeInsn]:
    """Every instruction of ``image`` (offsets from 0, as bpf_jit_disasm)."""
    spec = arch if isinstance(arch, ArchSpec) else resolve_arch(arch)
    return [NativeInsn(off, bytes(image[off:off + size]), mnem, ops)
            for off, size, mnem, ops in iter_text(image, spec, syntax)]


def format_listing(image: bytes, arch: str | ArchSpec = "x86_64", syntax: str = "att", *,
                   opcodes: bool = False) -> str:
    """Instructions in tools/bpf/bpf_jit_disasm.c ``get_asm_insns`` layout.

    ``"%4x:\\t<insn>\\n"``; with ``opcodes`` the bytes follow on their own
    line as ``"\\t%02x %02x \\n"`` (each byte with a trailing space).
    x86 instructions are laid out as libopcodes does (``%-6s ``).
    """
    spec = arch if isinstance(arch, ArchSpec) else resolve_arch(arch)
    if spec.cs_arch == "CS_ARCH_X86":
        return _x86_listing(image, spec, syntax, opcodes)
    out = []
    for off, size, mnem, ops in iter_text(image, spec, syntax):
        line = f"{off:4x}:\t{mnem}\t{ops}" if ops else f"{off:4x}:\t{mnem}"
        out.append(f"{line}\n\t{image[off:off + size].hex(' ')} \n" if opcodes else line + "\n")
    return "".join(out)


def _pad(mnem: str, ops: str) -> str:
    # libopcodes pads mnemonics to 6 columns, but not its ".byte" filler.
    if not ops:
        return mnem
    return f"{mnem:<6} {ops}" if mnem != ".byte" else f"{mnem} {ops}"


def _x86_listing(image: bytes, spec: ArchSpec, syntax: str, opcodes: bool) -> str:
    # The hot loop of ``jit disasm``: one dict lookup per instruction when
    # its text was seen before and does not depend on bytes or address.
    _check_syntax(spec, syntax)
    image = bytes(image)
    md = _handle(spec, syntax)
    speller = _X86Speller(spec, syntax)
    maybe_rex = x86style.MAYBE_REX40
    lines: dict[tuple[str, str], str] = {}
    out = []
    append = out.append
    for filler, run in _runs(md, image, spec):
        for off, size, mnem, ops in run:
            key = (mnem, ops)
            text = lines.get(key)
            if text is None or image[off] in maybe_rex:
                if not filler and ops[:2] == "0x" and mnem in _BRANCHES and image[off] not in maybe_rex:
                    text = f"{_BRANCHES[mnem]:<6} {ops}"
                elif filler:
                    text = _pad(mnem, ops)
                else:
                    text = _pad(*speller.spell(image, off, size, mnem, ops))
                    if speller.plain(mnem, ops) and image[off] not in maybe_rex:
                        lines[key] = text
            if opcodes:
                append(f"{off:4x}:\t{text}\n\t{image[off:off + size].hex(' ')} \n")
            else:
                append(f"{off:4x}:\t{text}\n")
    return "".join(out)


def format_header(proglen: int, passes: int, flen: int, image: str) -> str:
    """The two lines bpf_jit_disasm prints before the instructions.

    ``"%u bytes emitted from JIT compiler (pass:%d, flen:%d)"`` and
    ``"%lx + <x>:"`` (the image address, without leading zeros).  A pointer
    that is not hex (``(null)``, ``(____ptrval____)``) is shown as printed.
    """
    try:
        base = f"{int(image, 16):x}"
    except ValueError:
        base = image
    return f"{proglen} bytes emitted from JIT compiler (pass:{passes}, flen:{flen})\n{base} + <x>:\n"
