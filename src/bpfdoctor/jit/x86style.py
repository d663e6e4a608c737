"""Respell capstone's x86-64 text the way binutils (libopcodes) prints it.

bpf_jit_disasm and ``objdump -D -b binary -mi386:x86-64`` both print
libopcodes text; people diff against it, so bpfdoctor speaks the same
dialect.  Capstone's text differs in regular ways, fixed here:

AT&T
  * size suffixes: capstone adds one to every mnemonic (``movq``, ``pushq``,
    ``retq``); libopcodes prints it only when no register operand gives the
    size (``movq $0x0,-0x8(%rbp)``) and never for call/jmp/ret/push/pop/leave.
  * numbers: capstone prints small values in decimal (``$2``, ``8(%rdi)``),
    large ``movabs`` immediates in decimal and negative immediates with a
    sign; libopcodes prints hex, and immediates as the unsigned value of the
    operand size (``$0xfffffffffffffffc``).
  * ``, `` between operands is ``,``; an index with scale 1 keeps ``,1``.
  * a zero displacement that is encoded (disp8 0, which the BPF JIT emits
    for ``*(u64 *)(r1 + 0)``) prints as ``0x0(%rdi)``; capstone drops it.
Intel
  * ``qword ptr`` is ``QWORD PTR``; no spaces inside ``[...]``; scale 1 is
    ``*1``; hex numbers; encoded zero displacement is ``+0x0``.

Both
  * the one-operand shift/rotate by 1 (opcodes D0/D1) prints without the
    count in AT&T (``shl %edi``) and with a decimal ``1`` in Intel
    (``shl edi,1``); capstone prints ``$1``/``1`` as for ``C1 /4 ib``.

  * a REX prefix 0x40 that changes nothing (no %spl/%bpl/%sil/%dil
    operand) is shown as ``rex`` before the mnemonic; capstone hides it.
    Other unused REX bits (libopcodes' ``rex.W`` etc.) are not shown.

Mnemonics are padded like libopcodes: ``%-6s `` then the operands.
"""

from __future__ import annotations

import re

_SUFFIXED_BASES = frozenset(
    "mov add sub and or xor cmp test adc sbb neg not inc dec imul mul div idiv shl shr sar sal rol ror "
    "rcl rcr xchg xadd cmpxchg lea bswap bt bts btr btc shlx shrx sarx rorx andn bzhi tzcnt lzcnt popcnt "
    "movbe movabs shld shrd".split()
)
_ALWAYS_BARE = frozenset("call jmp ret push pop leave".split())
_SIZE_BITS = {"b": 8, "w": 16, "l": 32, "q": 64}

_ATT_IMM = re.compile(r"\$(-?)(0x[0-9a-f]+|\d+)")
_ATT_DISP = re.compile(r"(?<![\w$])(-?)(0x[0-9a-f]+|\d+)(?=\()")
_ATT_NOSCALE = re.compile(r"\((%\w+)?, ?(%\w+)\)")
_ATT_BARE_MEM = re.compile(r"(^|[ ,*:])\(")

_INTEL_PTR = re.compile(r"\b(byte|word|dword|qword|tbyte|xmmword|ymmword|zmmword) ptr\b")
_INTEL_MEM = re.compile(r"(?:\b([c-gs]s):)?\[([^\]]*)\]")
_INTEL_NUM = re.compile(r"(?<![\w])(-?)(0x[0-9a-f]+|\d+)(?![\w])")

_REG64 = re.compile(r"^r(ax|bx|cx|dx|si|di|sp|bp|ip|\d+)$")
_REG32 = re.compile(r"^(e(ax|bx|cx|dx|si|di|sp|bp)|r\d+d)$")
_REG16 = re.compile(r"^((ax|bx|cx|dx|si|di|sp|bp)|r\d+w)$")
_REG8 = re.compile(r"^([abcd][lh]|sil|dil|spl|bpl|r\d+b)$")


_SHIFTS = ("shl", "shr", "sar", "sal", "rol", "ror", "rcl", "rcr")
_LEGACY_PREFIXES = frozenset((0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65))


def maybe_shift_one(mnemonic: str, op_str: str, syntax: str) -> bool:
    """A shift/rotate by 1, which may be the short D0/D1 form."""
    if not mnemonic.startswith(_SHIFTS):
        return False
    return op_str.startswith("$1, ") if syntax == "att" else op_str.endswith(", 1")


def implicit_one(raw: bytes) -> bool:
    """True for the D0/D1 "shift by one" opcodes (after prefixes and REX)."""
    for b in raw:
        if b in _LEGACY_PREFIXES or 0x40 <= b <= 0x4F:
            continue
        return b in (0xD0, 0xD1)
    return False


# First bytes after which an instruction may carry a bare REX (0x40).
MAYBE_REX40 = frozenset(_LEGACY_PREFIXES | {0x40})
_REX40_USERS = re.compile(r"\b%?(spl|bpl|sil|dil)\b")


def unused_rex40(raw: bytes, op_str: str) -> bool:
    """True when ``raw`` has a 0x40 REX prefix that selects nothing."""
    for b in raw:
        if b in _LEGACY_PREFIXES:
            continue
        return b == 0x40 and _REX40_USERS.search(op_str) is None
    return False


_PREFIX_NAMES = {0x66: "data16", 0x67: "addr32", 0xF0: "lock", 0xF2: "repnz", 0xF3: "repz", 0x2E: "cs",
                 0x36: "ss", 0x3E: "ds", 0x26: "es", 0x64: "fs", 0x65: "gs"}


def _rex_name(b: int) -> str:
    bits = "".join(c for c, m in (("W", 8), ("R", 4), ("X", 2), ("B", 1)) if b & m)
    return "rex." + bits if bits else "rex"


def truncated_prefixes(image: bytes, pos: int) -> list[tuple[int, str]]:
    """(offset, name) of the prefix bytes at ``pos`` as libopcodes names them
    when the instruction they start is cut off (``rex.W``, ``data16``...)."""
    out = []
    while pos < len(image):
        b = image[pos]
        if b in _PREFIX_NAMES:
            out.append((pos, _PREFIX_NAMES[b]))
        elif 0x40 <= b <= 0x4F:
            out.append((pos, _rex_name(b)))
        else:
            break
        pos += 1
    return out


def needs_encoding(op_str: str, syntax: str) -> bool:
    """True when a memory operand shows no displacement: only the encoding
    tells whether a zero displacement is there (libopcodes prints it)."""
    if syntax == "att":
        return "(" in op_str and _ATT_BARE_MEM.search(op_str) is not None
    # A displacement is a token of its own that starts with a digit; scale
    # factors ("rcx*8") and register names ("r12") start with a letter.
    return any(not any(t.lstrip("+-")[:1].isdigit() for t in m.group(2).split())
               for m in _INTEL_MEM.finditer(op_str))


def _hex(value: int) -> str:
    return f"0x{value:x}"


def _unsigned(sign: str, digits: str, bits: int) -> str:
    value = int(digits, 0)
    if sign:
        value = (-value) & ((1 << bits) - 1)
    return _hex(value)


def att(mnemonic: str, op_str: str, zero_disp: bool = False, one: bool = False) -> tuple[str, str]:
    """(mnemonic, operands) in libopcodes AT&T spelling.

    ``zero_disp``: the encoding has a zero displacement; ``one``: the
    instruction is the D0/D1 shift-by-one form.
    """
    prefix, _, mnem = mnemonic.rpartition(" ")
    if one:
        op_str = op_str[len("$1, "):]
    bits = _operand_bits_att(mnem, op_str)
    ops = _ATT_IMM.sub(lambda m: "$" + _unsigned(m.group(1), m.group(2), bits), op_str)
    ops = _ATT_DISP.sub(lambda m: m.group(1) + _hex(int(m.group(2), 0)), ops)
    ops = ops.replace(", ", ",")
    ops = _ATT_NOSCALE.sub(lambda m: f"({m.group(1) or ''},{m.group(2)},1)", ops)
    if zero_disp:
        ops = _ATT_BARE_MEM.sub(lambda m: m.group(1) + "0x0(", ops, count=1)
    mnem = _strip_suffix(mnem, ops)
    return (f"{prefix} {mnem}" if prefix else mnem), ops


def _operand_bits_att(mnem: str, op_str: str) -> int:
    if mnem[-1:] in _SIZE_BITS and mnem[:-1] in _SUFFIXED_BASES | _ALWAYS_BARE:
        return _SIZE_BITS[mnem[-1]]
    regs = [r for r in re.findall(r"%(\w+)", _outside_parens(op_str))]
    return _reg_bits(regs[-1]) if regs else 64


def _outside_parens(text: str) -> str:
    return re.sub(r"\([^)]*\)", "", text)


def _strip_suffix(mnem: str, ops: str) -> str:
    base, suffix = mnem[:-1], mnem[-1:]
    if suffix not in _SIZE_BITS:
        return mnem
    if base in _ALWAYS_BARE:
        return base
    if base in _SUFFIXED_BASES or base.startswith("cmov"):
        outside = _outside_parens(ops)
        if "%" in outside and "%xmm" not in outside and "%mm" not in outside:
            return base
    return mnem


def intel(mnemonic: str, op_str: str, zero_disp: bool = False, one: bool = False) -> tuple[str, str]:
    """(mnemonic, operands) in libopcodes Intel spelling (see ``att``)."""
    operands = _split_intel(op_str)
    if one:
        operands = operands[:-1]
    bits = _operand_bits_intel(operands)
    out = []
    for op in operands:
        if "[" in op:
            op = _INTEL_PTR.sub(lambda m: m.group(1).upper() + " PTR", op)
            op = _INTEL_MEM.sub(lambda m: _intel_operand(m.group(1), m.group(2), zero_disp), op)
        else:
            op = _INTEL_NUM.sub(lambda m: _unsigned(m.group(1), m.group(2), bits), op)
        out.append(op)
    if one:
        out.append("1")
    return mnemonic, ",".join(out)


def _split_intel(op_str: str) -> list[str]:
    return [p.strip() for p in op_str.split(", ")] if op_str else []


def _intel_operand(segment: str | None, inner: str, zero_disp: bool) -> str:
    text = _intel_mem(inner, zero_disp)
    if not text[:1].isalpha():
        # An absolute address (no base, no index) prints as "ds:0x28".
        return f"{segment or 'ds'}:{text}"
    return f"{segment}:[{text}]" if segment else f"[{text}]"


def rip_target(operands: str, next_offset: int) -> str | None:
    """libopcodes' "        # 0x17" comment for a RIP-relative operand."""
    m = _RIP_ATT.search(operands) or _RIP_INTEL.search(operands)
    if m is None:
        return None
    disp = int(m.group(2), 16) * (-1 if m.group(1) == "-" else 1)
    return f"0x{(next_offset + disp) & 0xFFFFFFFFFFFFFFFF:x}"


_RIP_ATT = re.compile(r"(-?)0x([0-9a-f]+)\(%rip\)")
_RIP_INTEL = re.compile(r"\[rip([+-])0x([0-9a-f]+)\]")


def _intel_mem(inner: str, zero_disp: bool) -> str:
    parts = inner.replace(" + ", " +").replace(" - ", " -").split(" ")
    regs, disp = [], ""
    for p in parts:
        sign = p[0] if p[:1] in "+-" else "+"
        body = p.lstrip("+-")
        if body[:1].isdigit():
            disp = ("-" if sign == "-" else "+") + _hex(int(body, 0))
        else:
            if ":" not in body and regs and "*" not in body:
                body += "*1"
            regs.append(body)
    text = "+".join(regs)
    if disp:
        text = (text + disp) if regs else disp.lstrip("+")
    elif zero_disp:
        text += "+0x0"
    return text


def _operand_bits_intel(operands: list[str]) -> int:
    if not operands:
        return 64
    first = operands[0]
    m = _INTEL_PTR.search(first)
    if m:
        return {"byte": 8, "word": 16, "dword": 32, "qword": 64}.get(m.group(1), 64)
    return _reg_bits(first)


def _reg_bits(reg: str) -> int:
    if _REG64.match(reg):
        return 64
    if _REG32.match(reg):
        return 32
    if _REG16.match(reg):
        return 16
    if _REG8.match(reg):
        return 8
    return 64
