"""What each program of an object needs from a kernel, read from the object
alone: its program and attach type, attach point, helpers, kfuncs and
ksyms, CO-RE relocations, map types, instruction-set level and features.

A program needs its own code and every subprogram it calls (libbpf.c
``bpf_object__reloc_code`` appends the called ``.text`` functions), and every
map of the object (libbpf creates them all before loading any program).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bpfdoctor.elf.map_rules import MapShape
from bpfdoctor.elf.object import BpfObject, MAP_TYPE_NAMES

INSN = 8


@dataclass(slots=True)
class Site:
    """One instruction that needs something: (section, slot)."""

    section: str
    slot: int


@dataclass(slots=True)
class ProgramNeeds:
    """What one program needs: its type and attach point from the section, and
    every helper call, kfunc call and CO-RE relocation in its code and in the
    subprograms it calls, each with its site; ``isa`` is the instruction-set
    level its code needs (v1 to v4)."""

    name: str
    section: str
    prog_type: str | None
    attach_type: str | None
    attach_target: str | None
    sleepable: bool
    functions: list = field(default_factory=list)          # ProgramSpec, the program first
    helpers: list[tuple[Site, int]] = field(default_factory=list)
    kfuncs: list[tuple[Site, str]] = field(default_factory=list)
    core: list[tuple[Site, object]] = field(default_factory=list)  # (site, btf.ext CoreRelo)
    isa: str = "v1"
    features: set[str] = field(default_factory=set)
    # Per section: list of (slot, code, dst, src, off, imm, imm64) for reach.py.
    code: dict[str, list[tuple]] = field(default_factory=dict)


@dataclass(slots=True)
class ObjectNeeds:
    """What a whole object needs: its programs, and the maps, BTF kinds, externs
    (ksyms, kconfig values, kfunc prototypes) and global data they share."""

    path: str
    programs: list[ProgramNeeds]
    maps: list[tuple[str, int | None]]          # (map name, map type number)
    btf_kinds: set[str]
    ksym_vars: list[tuple[str, bool, int]]      # (name, weak, local BTF VAR id or 0)
    kconfig: list[tuple[str, bool]]             # (CONFIG_* name, weak)
    kfunc_protos: dict[str, int]                # kfunc name -> local FUNC id
    weak_externs: set[str]
    global_data: bool
    little_endian: bool = True
    map_sizes: dict[str, int | None] = field(default_factory=dict)
    # The attributes BPF_MAP_CREATE gets, as the object defines them;
    # max_entries comes from map_sizes (libbpf adjusts it, see check.py).
    map_shapes: dict[str, MapShape] = field(default_factory=dict)


def collect(obj: BpfObject, prog_type: str | None = None) -> ObjectNeeds:
    """``prog_type`` (e.g. "xdp") stands for sections libbpf does not know, like ``load --type``."""
    funcs = obj.functions
    by_start = {(f.section, f.first_insn): f for f in funcs}
    core = obj.btf_ext.core_relos if obj.btf_ext is not None else {}
    externs = {e.name: e for e in obj.externs}
    progs = []
    for p in obj.programs:
        st = p.sectype
        need = ProgramNeeds(p.name, p.section, p.prog_type or (prog_type.upper() if prog_type else None),
                            p.attach_type,
                            st.attach_target if st else None, bool(st and st.sleepable))
        _walk(obj, p, need, by_start, core, externs)
        progs.append(need)
    return ObjectNeeds(
        path=obj.path, programs=progs,
        maps=[(m.name, m.type) for m in obj.maps],
        map_sizes={m.name: m.max_entries for m in obj.maps},
        map_shapes={m.name: _shape(m) for m in obj.maps if m.type is not None},
        btf_kinds=_btf_kinds(obj),
        ksym_vars=_ksym_vars(obj, externs),
        kconfig=[(n, externs[n].weak) for n in _datasec_names(obj, ".kconfig") if n in externs],
        kfunc_protos=_kfunc_protos(obj, externs),
        weak_externs={n for n, e in externs.items() if e.weak},
        global_data=bool(obj.data_sections),
        little_endian=obj.little_endian,
    )


def _walk(obj, prog, need: ProgramNeeds, by_start, core, externs) -> None:
    todo, done = [prog], set()
    while todo:
        f = todo.pop()
        if (f.section, f.first_insn) in done:
            continue
        done.add((f.section, f.first_insn))
        need.functions.append(f)
        relocs = {r.insn: r for r in obj.relocations(f)}
        code = need.code.setdefault(f.section, [])
        last = f.first_insn + f.insn_count
        for insn in obj.instructions(f):
            slot = insn.index
            code.append((slot, insn.code, insn.dst, insn.src, insn.off, insn.imm,
                         insn.imm64 if insn.is_wide else None))
            _classify(insn, need)
            site = Site(f.section, slot)
            r = relocs.get(slot)
            if insn.code == 0x85:
                if insn.src == 0 and r is None:
                    need.helpers.append((site, insn.imm))
                elif r is not None and r.kind == "extern" and r.symbol in externs:
                    need.kfuncs.append((site, r.symbol))
                elif insn.src == 1:
                    need.features.add("bpf_calls")
                    target = _call_target(f, slot, insn.imm, r)
                    callee = _function_at(obj, ".text" if r is not None else f.section, target, by_start)
                    if callee is not None:
                        todo.append(callee)
                    if callee is not None and callee.is_global and callee.section == ".text":
                        need.features.add("global_functions")
            elif r is not None and r.kind == "func_addr":
                target = (r.symbol_value + insn.imm) // INSN
                callee = _function_at(obj, ".text", target, by_start)
                if callee is not None:
                    todo.append(callee)
            if insn.cls in (5, 6) and insn.code & 0xF0 not in (0x80, 0x90) and (
                    (insn.off < 0 and not (insn.cls == 6 and insn.code & 0xF0 == 0)) or
                    (insn.cls == 6 and insn.code & 0xF0 == 0 and insn.imm < 0)):
                need.features.add("bounded_loops")
        for rel in core.get(f.section, ()):
            if f.first_insn <= rel.insn < last:
                need.core.append((Site(f.section, rel.insn), rel))


def _call_target(f, slot: int, imm: int, r) -> int:
    if r is not None:
        return r.symbol_value // INSN + imm + 1
    return slot + imm + 1


def _function_at(obj, section: str, target: int, by_start):
    f = by_start.get((section, target))
    if f is not None:
        return f
    for g in obj.functions:  # a call into the middle of a function
        if g.section == section and g.first_insn <= target < g.first_insn + g.insn_count:
            return g
    return None


def _classify(insn, need: ProgramNeeds) -> None:
    """Raise ``need.isa`` to the level this instruction needs (llvm BPF -mcpu)."""
    cls, op, code = insn.cls, insn.code & 0xF0, insn.code
    level = "v1"
    if cls in (4, 7):
        if op in (0x30, 0x90) and insn.off == 1:      # sdiv / smod
            level = "v4"
        elif op == 0xB0 and insn.off in (8, 16, 32):  # movsx
            level = "v4"
        elif op == 0xD0 and cls == 7:                 # bswap (unconditional byte swap)
            level = "v4"
    elif cls == 1 and code & 0xE0 == 0x80:            # ldsx
        level = "v4"
    elif cls == 6:
        level = "v4" if op == 0x00 else "v3"          # gotol / jmp32
    elif cls == 5 and op in (0xA0, 0xB0, 0xC0, 0xD0):
        level = "v2"
    elif cls == 3 and code & 0xE0 == 0xC0 and insn.imm in (0x100, 0x110):
        need.features.add("load_acquire")             # load-acquire / store-release
    elif cls == 3 and code & 0xE0 == 0xC0 and insn.imm not in (0x00, 0x40, 0x50, 0xA0):
        need.features.add("atomic_fetch")             # fetch / xchg / cmpxchg
    if cls == 5 and op == 0xE0:
        need.features.add("may_goto")                 # BPF_JCOND: may_goto
    if cls == 7 and op == 0xB0 and code & 8 and insn.off == 1:
        need.features.add("arena")                    # addr_space_cast
    if level > need.isa:
        need.isa = level


def _datasec_names(obj, name: str) -> list[str]:
    btf = obj.btf
    if btf is None:
        return []
    from bpfdoctor.btf.kinds import Kind

    out = []
    for tid in btf.find_ids(name, Kind.DATASEC):
        out += [btf.name(v.type) for v in btf.type(tid).vars]
    return out


def _ksym_vars(obj, externs) -> list[tuple[str, bool, int]]:
    """``__ksym`` variables from the ``.ksyms`` DATASEC (libbpf.c
    bpf_object__collect_externs): typed ones carry their VAR id, typeless
    ones (``const void``) 0."""
    btf = obj.btf
    if btf is None:
        return []
    from bpfdoctor.btf.kinds import Kind
    from bpfdoctor.btf.query import skip_mods

    bind = {s.name: s.bind for s in obj.elf.symbols if s.name}
    out = []
    for tid in btf.find_ids(".ksyms", Kind.DATASEC):
        for v in btf.type(tid).vars:
            if btf.kind(v.type) != Kind.VAR:
                continue
            name = btf.name(v.type)
            typeless = skip_mods(btf, btf.type(v.type).type) == 0
            out.append((name, bind.get(name) == 2, 0 if typeless else v.type))
    return out


def _kfunc_protos(obj, externs) -> dict[str, int]:
    btf = obj.btf
    if btf is None:
        return {}
    from bpfdoctor.btf.kinds import Kind

    out = {}
    for name, e in externs.items():
        if e.kind == "function":
            ids = btf.find_ids(name, Kind.FUNC)
            if ids:
                out[name] = ids[0]
    return out


def _btf_kinds(obj) -> set[str]:
    btf = obj.btf
    if btf is None:
        return set()
    kinds = set()
    words, starts = btf.words, btf.starts
    for s in starts:
        kinds.add((words[s + 1] >> 24) & 0x1F)
    from bpfdoctor.btf.kinds import Kind

    return {Kind(k).name for k in kinds}


def _shape(m) -> MapShape:
    """``MapSpec`` -> the attributes libbpf passes (value_size is already 4 for
    ``__array(values, ...)``; BTF key/value ids only matter as present or not)."""
    return MapShape(m.name, m.type, m.key_size or 0, m.value_size or 0, m.max_entries or 0, m.flags or 0,
                    m.map_extra or 0, int(bool(m.key_type)), int(bool(m.value_type)))


def map_type_enum_name(t: int | None) -> str:
    name = MAP_TYPE_NAMES[t] if t is not None and 0 <= t < len(MAP_TYPE_NAMES) else f"{t}"
    return "BPF_MAP_TYPE_" + name.upper()
