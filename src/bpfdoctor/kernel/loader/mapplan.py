"""Which maps an object needs and how to create them (pure: no kernel calls).

Sources, as libbpf.c reads them: the legacy ``maps`` section
(``bpf_object__init_user_maps`` of libbpf < 1.0, ``struct bpf_map_def``),
BTF ``.maps`` (``bpf_object__init_user_btf_maps``), global data sections
(``bpf_object__init_global_data_maps``: ``.data*``, ``.rodata*``, ``.bss``)
and the ``.kconfig`` map (``bpf_object__init_kconfig_map``); initial slots
of map-in-map and prog-array maps from ``.rel.maps``
(``bpf_object__collect_map_relos``).
"""

from __future__ import annotations

import os
from bpfdoctor.record import record

from bpfdoctor.btf.kinds import Kind
from bpfdoctor.btf.query import skip_mods
from bpfdoctor.elf.reader import STT_SECTION
from bpfdoctor.errors import InputError
from bpfdoctor.kernel.enums import MapType
from bpfdoctor.kernel.loader.consts import BPF_F_MMAPABLE, BPF_F_RDONLY_PROG

OBJ_NAME_LEN = 16
# libbpf.c bpf_object__create_map: map types whose key/value BTF the kernel refuses.
_NO_BTF_TYPES = {MapType.PERF_EVENT_ARRAY, MapType.CGROUP_ARRAY, MapType.STACK_TRACE,
                 MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS, MapType.DEVMAP, MapType.DEVMAP_HASH,
                 MapType.CPUMAP, MapType.XSKMAP, MapType.SOCKMAP, MapType.SOCKHASH, MapType.QUEUE,
                 MapType.STACK}


@record
class MapPlan:
    """One map to create.  ``name`` is the object's name for it (the symbol, or
    the section of a data map); ``kernel_name`` the one the kernel is given."""

    name: str
    kernel_name: str
    kind: str  # legacy, btf, data, rodata, bss, kconfig
    map_type: int
    key_size: int
    value_size: int
    max_entries: int
    flags: int = 0
    btf_key_type_id: int = 0
    btf_value_type_id: int = 0
    numa_node: int | None = None
    map_extra: int = 0
    inner: "MapPlan | None" = None
    inner_map_idx: int | None = None
    initial: bytes | None = None
    freeze: bool = False
    slots: tuple[tuple[int, str], ...] = ()  # (index, map or program name) from .rel.maps
    offset: int | None = None  # legacy: offset of the definition in "maps"

    @property
    def is_internal(self) -> bool:
        return self.kind in ("data", "rodata", "bss", "kconfig")

    def without_btf(self) -> "MapPlan":
        from bpfdoctor.record import replace

        return replace(self, btf_key_type_id=0, btf_value_type_id=0)


def object_name(path: str | None) -> str:
    """libbpf.c bpf_object_new: the file's base name up to its first dot."""
    base = os.path.basename(path or "obj")
    return base.split(".", 1)[0] or base


def internal_map_name(obj_name: str, real_name: str) -> str:
    """libbpf.c internal_map_name: 'multi_pr.rodata', '.rodata.custom' as is."""
    sfx_len = min(max(7, len(real_name)), OBJ_NAME_LEN - 1)
    pfx_len = 0 if "." in real_name[1:] else min(OBJ_NAME_LEN - sfx_len - 1, len(obj_name))
    name = obj_name[:pfx_len] + real_name[:sfx_len]
    return "".join(c if c.isalnum() or c in "_." else "_" for c in name)


# -- legacy "maps" ---------------------------------------------------------------

def legacy_plans(obj) -> list[MapPlan]:
    out = []
    for m in obj.maps:
        if m.source != "legacy":
            continue
        flags = m.flags
        numa = m.numa_node if flags & 0x4 else None  # BPF_F_NUMA_NODE
        out.append(MapPlan(m.name, m.name, "legacy", m.type, m.key_size, m.value_size, m.max_entries,
                           flags & ~0x4 if numa is not None else flags, numa_node=numa,
                           inner_map_idx=m.inner_map_idx if m.type in (12, 13) else None,
                           offset=m.offset))
    return out


# -- BTF ".maps" -------------------------------------------------------------------

# Map types without max_entries: libbpf fills in the CPU count for a perf
# event array (bpf_object__create_map); local storage has none (the kernel's
# bpf_local_storage_map_alloc_check and cgroup_storage_map_alloc want 0).
# CGRP_STORAGE (32, Linux 6.2) is newer than the UAPI header enums.py is
# generated from.
MAP_TYPE_CGRP_STORAGE = 32
_NO_MAX_ENTRIES = {MapType.PERF_EVENT_ARRAY, MapType.SK_STORAGE, MapType.INODE_STORAGE,
                   MapType.TASK_STORAGE, MapType.CGROUP_STORAGE, MapType.PERCPU_CGROUP_STORAGE,
                   MAP_TYPE_CGRP_STORAGE}


def _check_def(path, d) -> None:
    if d.problems:
        raise InputError(path, d.problems[0])
    for fld in ("type", "max_entries"):
        if getattr(d, fld) is None and not (fld == "max_entries" and d.type in _NO_MAX_ENTRIES):
            raise InputError(path, f"map {d.name!r}: missing {fld}")


def _plan_from_def(obj, d, name: str, slots=()) -> MapPlan:
    _check_def(obj.path, d)
    for index, target in slots:
        if index >= (d.max_entries or 0):  # the kernel refuses the update (E2BIG), libbpf the load
            raise InputError(obj.path, f"map {name!r}: .values sets slot {index} ({target}), past its "
                             f"{d.max_entries or 0} entries")
    mtype = MapType(d.type)
    value_size = d.value_size if d.value_size is not None else (4 if d.values_type_id else 0)
    key_id = d.key_type_id or 0
    value_id = d.value_type_id or 0
    if mtype in _NO_BTF_TYPES:
        key_id = value_id = 0
    inner = _plan_from_def(obj, d.inner, f"{name}.inner") if d.inner is not None else None
    numa = d.numa_node if d.numa_node is not None and (d.map_flags or 0) & 0x4 else None
    return MapPlan(name, name, "btf", int(mtype), d.key_size or 0, value_size, d.max_entries or 0,
                   (d.map_flags or 0) & ~0x4 if numa is not None else d.map_flags or 0,
                   key_id, value_id, numa, d.map_extra or 0, inner, slots=tuple(slots))


def btf_plans(obj) -> list[MapPlan]:
    if obj.elf.section(".maps") is None or obj.btf is None:
        return []
    from bpfdoctor.btf.maps import btf_maps

    slots = _map_slots(obj)
    return [_plan_from_def(obj, d, d.name, slots.get(d.name, ())) for d in btf_maps(obj.btf)]


def _values_offset(btf, var_type: int) -> int | None:
    t = btf.type(skip_mods(btf, var_type))
    for m in t.members:
        if m.name == "values":
            return m.bit_offset // 8
    return None


def _owner_finder(maps_here):
    """``owner_at(offset)``: the first map (``maps_here`` is sorted by value)
    whose definition holds ``offset``, by bisection: a scan of every map for
    each relocation was quadratic in the maps.  ``reach[i]`` is the furthest
    end of maps ``0..i``, so the first map reaching past ``offset`` is found
    in it, and it holds ``offset`` if it also starts at or before it."""
    from bisect import bisect_right

    starts, reach, top = [], [], 0
    for s in maps_here:
        top = max(top, s.value + max(s.size, 1))
        starts.append(s.value)
        reach.append(top)

    def owner_at(offset: int):
        i = bisect_right(reach, offset)
        return maps_here[i] if i < bisect_right(starts, offset) else None

    return owner_at


def _map_slots(obj) -> dict[str, list[tuple[int, str]]]:
    """``.values = {&a, &b}`` of map-in-map and prog-array maps, from .rel.maps."""
    elf = obj.elf
    sec = elf.section(".maps")
    rels = elf.relocations_for(sec)
    if not rels:
        return {}
    syms = elf.symbols
    maps_here = sorted((s for s in syms if s.shndx == sec.index and s.type != STT_SECTION and s.name),
                       key=lambda s: s.value)
    vars_by_name = {}
    for ids in (obj.btf.find_ids(".maps", Kind.DATASEC),):
        for vi in obj.btf.type(ids[0]).vars if ids else ():
            vars_by_name[obj.btf.name(vi.type)] = obj.btf.type(vi.type).type
    owner_at = _owner_finder(maps_here)
    out: dict[str, list[tuple[int, str]]] = {}
    for r in rels:
        owner = owner_at(r.offset)
        target = syms[r.sym] if r.sym < len(syms) else None
        if owner is None or target is None or not target.name:
            raise InputError(obj.path, f".rel.maps: relocation at {r.offset:#x} is not inside a map "
                             "definition or has no symbol")
        voff = _values_offset(obj.btf, vars_by_name.get(owner.name, 0)) if owner.name in vars_by_name else None
        rel_off = r.offset - owner.value - (voff or 0)
        if voff is None or rel_off < 0 or rel_off % 8:
            raise InputError(obj.path, f"map {owner.name!r}: .rel.maps entry at {r.offset:#x} is not "
                             "in its .values array")
        out.setdefault(owner.name, []).append((rel_off // 8, target.name))
    return out


# -- global data and .kconfig -------------------------------------------------------

def _is_data_section(sec) -> str | None:
    """libbpf.c bpf_object__elf_collect: which sections become internal maps."""
    n = sec.name
    if sec.type == 8 and (n == ".bss" or n.startswith(".bss.")):  # SHT_NOBITS
        return "bss"
    if sec.type != 1 or not sec.flags & 0x2:  # SHT_PROGBITS, SHF_ALLOC
        return None
    if (n == ".data" or n.startswith(".data.")) and sec.flags & 0x1:
        return "data"
    if n == ".rodata" or n.startswith(".rodata."):
        return "rodata"
    return None


def data_plans(obj, raw_btf=None) -> list[MapPlan]:
    oname = object_name(obj.path)
    out = []
    for sec in obj.elf.sections:
        kind = _is_data_section(sec)
        if kind is None or not sec.size:
            continue
        vid = raw_btf.find(sec.name, Kind.DATASEC) if raw_btf is not None else 0
        flags = BPF_F_RDONLY_PROG if kind == "rodata" else 0
        if vid and _has_global_var(raw_btf, vid):
            flags |= BPF_F_MMAPABLE  # libbpf.c map_is_mmapable
        init = None if kind == "bss" else obj.elf.section_data(sec)
        out.append(MapPlan(sec.name, internal_map_name(oname, sec.name), kind, MapType.ARRAY, 4, sec.size,
                           1, flags, 0, vid, initial=init, freeze=kind == "rodata"))
    return out


def _has_global_var(raw, datasec_id: int) -> bool:
    w = raw.at(datasec_id) + 3
    for i in range(raw.vlen(datasec_id)):
        vt = raw.words[w + 3 * i]
        if raw.kind(vt) == Kind.VAR and raw.words[raw.at(vt) + 3] != 0:
            return True
    return False


def kconfig_plan(obj, data: bytes, raw_btf=None) -> MapPlan | None:
    if not data:
        return None
    vid = raw_btf.find(".kconfig", Kind.DATASEC) if raw_btf is not None else 0
    flags = BPF_F_RDONLY_PROG | (BPF_F_MMAPABLE if vid and _has_global_var(raw_btf, vid) else 0)
    return MapPlan(".kconfig", internal_map_name(object_name(obj.path), ".kconfig"), "kconfig",
                   MapType.ARRAY, 4, len(data), 1, flags, 0, vid, initial=data, freeze=True)


def plan_maps(obj, raw_btf, kconfig_data: bytes) -> list[MapPlan]:
    """Every map in libbpf's order: user maps (legacy, then .maps), data, .kconfig."""
    plans = legacy_plans(obj) + btf_plans(obj) + data_plans(obj, raw_btf)
    kc = kconfig_plan(obj, kconfig_data, raw_btf)
    return plans + ([kc] if kc else [])
