"""``llvm-objdump -dr``: relocations under the instructions they patch.

Added to a ``-d`` listing (``bpfdoctor.elf.objdump.disassemble``) after the
fact, so the disassembler stays as it is.  Copies llvm-objdump-19
(llvm/tools/llvm-objdump/llvm-objdump.cpp ``disassembleObject``): after
each instruction, the CO-RE relocation recorded in .BTF.ext for that exact
instruction (``printBTFRelocation``, described by
llvm/lib/DebugInfo/BTF/BTFParser.cpp ``BTFParser::symbolize``), then every
ELF relocation whose offset lies before the instruction's end.
"""

from __future__ import annotations

import re

from bpfdoctor.btf.kinds import Kind
from bpfdoctor.elf.reader import SHN_LORESERVE, STT_SECTION, ElfFile

# ELF R_BPF_* relocation types (llvm/include/llvm/BinaryFormat/ELFRelocs/BPF.def)
RELOC_NAMES = {0: "R_BPF_NONE", 1: "R_BPF_64_64", 2: "R_BPF_64_ABS64", 3: "R_BPF_64_ABS32",
               4: "R_BPF_64_NODYLD32", 10: "R_BPF_64_32"}
_INSN_AT = re.compile(r"^ *(\d+):\t")

# BTFParser.cpp relocKindName, by enum bpf_core_relo_kind value
_CORE_KIND = {0: "byte_off", 1: "byte_sz", 2: "field_exists", 3: "signed", 4: "lshift_u64",
              5: "rshift_u64", 6: "local_type_id", 7: "target_type_id", 8: "type_exists",
              9: "type_size", 10: "enumval_exists", 11: "enumval_value", 12: "type_matches"}
_FIELD_KINDS, _TYPE_KINDS, _ENUM_KINDS = {0, 1, 2, 3, 4, 5}, {6, 7, 8, 9, 12}, {10, 11}
_MODS = {Kind.CONST: "const", Kind.VOLATILE: "volatile", Kind.RESTRICT: "restrict"}
# BTFParser::symbolize follows at most 32 modifiers; its skipModsAndTypedefs has no
# bound (a cycle hangs llvm-objdump), ours the same 32 (the kernel's MAX_RESOLVE_DEPTH).
MAX_CHAIN = 32
_TAGS = {Kind.TYPEDEF: "typedef", Kind.STRUCT: "struct", Kind.UNION: "union", Kind.ENUM: "enum",
         Kind.ENUM64: "enum"}


def reloc_target(elf: ElfFile, sym_index: int) -> str:
    """The symbol a relocation names, or for a section symbol the section
    (llvm-objdump: "*ABS*" for symbol 0, nothing for a section symbol whose
    index names no section: 0 or reserved)."""
    syms = elf.symbols
    if sym_index == 0:
        return "*ABS*"
    if not 0 < sym_index < len(syms):
        return ""
    s = syms[sym_index]
    if s.type == STT_SECTION:
        if 0 < s.shndx < len(elf.sections):
            return elf.sections[s.shndx].name
        if s.shndx == 0 or s.shndx >= SHN_LORESERVE:
            return ""
    return s.name


def reloc_line(elf: ElfFile, r) -> str:
    addend = ""
    if r.addend:
        addend = f"+{r.addend:#x}" if r.addend > 0 else f"-{-r.addend:#x}"
    kind = RELOC_NAMES.get(r.type, "Unknown")  # llvm-objdump-19 gives no number
    return f"\t\t{r.offset:016x}:  {kind}\t{reloc_target(elf, r.sym)}{addend}\n"


def _anon(name: str, idx: int) -> str:
    return name if name else f"<anon {idx}>"


def _skip(btf, tid: int) -> int | None:
    """skipModsAndTypedefs: stops before an unknown id, as LLVM's does; None
    past MAX_CHAIN steps (a cycle: LLVM's own loop never ends there)."""
    for _ in range(MAX_CHAIN + 1):
        if btf.kind(tid) not in (Kind.CONST, Kind.VOLATILE, Kind.RESTRICT, Kind.TYPE_TAG, Kind.TYPEDEF):
            return tid
        nxt = btf.type(tid).type
        if not 0 <= nxt < btf.type_count:
            return tid
        tid = nxt
    return None


_U64 = 1 << 64


def _parse_spec(access: str) -> list[int] | str:
    """The access string's numbers, or the message for a bad one, as
    BTFParser::symbolize reads it: ASCII decimal digits (``consumeUnsignedInteger``:
    no sign, no blanks, over 64 bits "is not a number"), each kept as a
    uint32 (``RawSpec`` is ``SmallVector<uint32_t>``), joined by ':' (a
    trailing one is allowed; any other byte is named as the delimiter)."""
    out: list[int] = []
    i, n = 0, len(access)
    while i < n:
        j = i
        while j < n and "0" <= access[j] <= "9":
            j += 1
        digits = access[i:j].lstrip("0")
        if j == i or len(digits) > 20 or (digits and int(digits) >= _U64):
            return "spec string is not a number"
        out.append(int(digits or "0") & 0xFFFFFFFF)
        if j == n:
            break
        if access[j] != ":":
            # '%c' of one byte: a multi-byte character shows its first byte
            first = access[j].encode("utf-8", "surrogateescape")[:1]
            return f"unexpected spec string delimiter: '{first.decode('utf-8', 'surrogateescape')}'"
        i = j + 1
    return out


def core_description(btf, relo) -> str:
    """BTFParser::symbolize: '<byte_off> [13] struct task_struct::pid (0:0)'."""
    kind = int(relo.kind)
    head = f"<{_CORE_KIND.get(kind, f'reloc kind #{kind}')}>"
    fail = lambda msg: f"{head} [{relo.type_id}] '{relo.access}' <{msg}>"  # noqa: E731
    spec = _parse_spec(relo.access)
    if isinstance(spec, str):
        return fail(spec)
    cur = relo.type_id
    if not 0 <= cur < btf.type_count:
        return fail(f"unknown type id: {cur}")
    out = [f"{head} [{cur}]"]
    chain = 0
    while cur and btf.kind(cur) in (*_MODS, Kind.TYPE_TAG):
        if chain >= MAX_CHAIN:
            return fail("modifiers chain is too long")
        chain += 1
        k = btf.kind(cur)
        out.append(f' type_tag("{btf.name(cur)}")' if k == Kind.TYPE_TAG else f" {_MODS[k]}")
        cur = btf.type(cur).type
        if not 0 <= cur < btf.type_count:
            return fail(f"unknown type id: {cur} in modifiers chain")
    if cur == 0:
        out.append(" void")
    else:
        k = btf.kind(cur)
        if k == Kind.FWD:
            out.append(" fwd union" if btf.type(cur).kflag else " fwd struct")
        elif k in _TAGS:
            out.append(f" {_TAGS[k]}")
        out.append(f" {_anon(btf.name(cur), cur)}")
    if kind in _TYPE_KINDS:
        return "".join(out) if spec == [0] else fail("unexpected type-based relocation spec: should be '0'")
    out.append("::")
    if kind in _ENUM_KINDS:
        t_id = _skip(btf, cur)
        if t_id is None:
            return fail("modifiers chain is too long")
        if len(spec) != 1:
            return fail("unexpected enumval relocation spec size")
        t = btf.type(t_id) if t_id else None
        if t is None or not t.is_enum:
            return fail(f"unexpected type kind for enum relocation: {int(btf.kind(t_id))}")
        if spec[0] >= len(t.values):
            return fail(f"bad value index: {spec[0]}")
        v = t.values[spec[0]]
        bits = 64 if t.kind == Kind.ENUM64 else 32
        raw = v.value & ((1 << bits) - 1)
        if bits == 32 and raw >> 31:
            raw |= 0xFFFFFFFF00000000  # int32_t sign-extended to 64 bits
        val = raw - (1 << 64) if t.kflag and raw >> 63 else raw
        return "".join(out) + f"{_anon(v.name, spec[0])} = {val}"
    if kind not in _FIELD_KINDS:
        # formatv("{0}") of the kind read as int32_t there ("#%u" above)
        return fail(f"unknown relocation kind: {kind - (1 << 32) if kind >> 31 else kind}")
    if not spec:
        return fail("field spec too short")
    if spec[0]:
        out.append(f"[{spec[0]}]")
    t_id = cur
    for i, idx in enumerate(spec[1:], 1):
        t_id = _skip(btf, t_id)
        if t_id is None:
            return fail("modifiers chain is too long")
        k = btf.kind(t_id)
        if k in (Kind.STRUCT, Kind.UNION):
            t = btf.type(t_id)
            if idx >= len(t.members):
                return fail(f"member index {idx} for spec sub-string {i} is out of range")
            m = t.members[idx]
            if i != 1 or spec[0]:
                out.append(".")
            out.append(_anon(m.name, idx))
            t_id = m.type
            if not 0 <= t_id < btf.type_count:
                return fail(f"unknown member type id {t_id} for spec sub-string {i}")
        elif k == Kind.ARRAY:
            out.append(f"[{idx}]")
            t_id = btf.type(t_id).array.type
            if not 0 <= t_id < btf.type_count:
                return fail(f"unknown element type id {t_id} for spec sub-string {i}")
        else:
            return fail(f"unexpected type kind {int(k)} for spec sub-string {i}")
    return "".join(out) + f" ({relo.access})"


def _core_by_section(elf: ElfFile) -> tuple[object, dict[str, dict[int, object]]]:
    from bpfdoctor.elf.object import BpfObject

    obj = BpfObject(elf)
    try:
        ext = obj.btf_ext
    except Exception:  # noqa: BLE001 - llvm-objdump prints no CO-RE lines for bad BTF either
        return None, {}
    if ext is None:
        return None, {}
    return obj.btf, {sec: {r.insn: r for r in recs} for sec, recs in ext.core_relos.items()}


def add_relocations(elf: ElfFile, listing: str) -> str:
    """The ``-d`` ``listing`` of ``elf`` with ``-r``'s lines added."""
    from bpfdoctor.elf.objdump import listing_lines

    btf, core = _core_by_section(elf)
    out: list[str] = []
    sec = None
    rels: list = []
    k = 0
    data = b""
    relos: dict[int, object] = {}
    for line in listing_lines(listing):
        out.append(line)
        if line.startswith("Disassembly of section "):
            name = line[len("Disassembly of section "):-2]
            sec = elf.section(name)
            rels = sorted(elf.relocations_for(sec), key=lambda r: r.offset) if sec is not None else []
            data = elf.section_data(sec) if sec is not None else b""
            relos = core.get(name, {})
            k = 0
            continue
        m = _INSN_AT.match(line)
        if m is None or sec is None:
            continue
        at = int(m.group(1)) * 8 - sec.addr
        if at < 0:  # a section address above the listed one: no bytes of it here
            continue
        relo = relos.get(at // 8)
        if relo is not None:
            out.append(f"\t\t{at:016x}:  CO-RE {core_description(btf, relo)}\n")
        wide = at + 16 <= len(data) and data[at] == 0x18 and not line.rstrip().endswith("<unknown>")
        end = at + (16 if wide else 8)
        while k < len(rels) and rels[k].offset < end:
            out.append(reloc_line(elf, rels[k]))
            k += 1
    return "".join(out)
