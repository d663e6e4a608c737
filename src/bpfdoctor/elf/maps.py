"""Map definitions of an object: the legacy ``maps`` section and BTF ``.maps``."""

from __future__ import annotations

import struct

from bpfdoctor.elf.reader import STT_SECTION
from bpfdoctor.errors import ParseError

# struct bpf_map_def as libbpf < 1.0 and samples/bpf/bpf_load.c read it: five
# u32 fields, optionally followed by inner_map_idx and numa_node.
_LEGACY_FIELDS = ("type", "key_size", "value_size", "max_entries", "map_flags", "inner_map_idx",
                  "numa_node")


def legacy_maps(obj) -> list:
    from bpfdoctor.elf.object import MapSpec

    elf = obj.elf
    sec = elf.section("maps")
    if sec is None:
        return []
    syms = sorted((s for s in elf.symbols_in(sec.index) if s.type != STT_SECTION and s.name),
                  key=lambda s: s.value)
    if not syms:
        return []
    # Each definition is as long as its symbol (iproute2's bpf_elf_map and
    # bpf_map_def can share one section).  Symbols without a size fall back
    # to libbpf < 1.0's rule (bpf_object__init_user_maps): the section size
    # divided by the number of maps.
    if any(not s.size for s in syms):
        if sec.size % len(syms):
            raise ParseError(obj.path, f"legacy maps section size {sec.size} is not a multiple of its "
                             f"{len(syms)} map definitions", section="maps")
        sizes = {s.name: sec.size // len(syms) for s in syms}
    else:
        sizes = {s.name: s.size for s in syms}
    small = next((s for s in syms if sizes[s.name] < 20), None)
    if small is not None:
        raise ParseError(obj.path, f"legacy map definition {small.name} is {sizes[small.name]} bytes, "
                         "smaller than struct bpf_map_def (20)", section="maps")
    data = elf.section_data(sec)
    e = "<" if elf.little_endian else ">"
    out = []
    for s in syms:
        def_size = sizes[s.name]
        if s.value + def_size > len(data):
            raise ParseError(obj.path, f"map {s.name} at {s.value:#x} runs past the section", section="maps")
        nfields = min(def_size // 4, len(_LEGACY_FIELDS))
        vals = dict(zip(_LEGACY_FIELDS, struct.unpack_from(f"{e}{nfields}I", data, s.value)))
        out.append(MapSpec(
            name=s.name, type=vals["type"], key_size=vals["key_size"], value_size=vals["value_size"],
            max_entries=vals["max_entries"], flags=vals["map_flags"], source="legacy", section="maps",
            offset=s.value, inner_map_idx=vals.get("inner_map_idx"), numa_node=vals.get("numa_node")))
    return out


def btf_map_specs(obj) -> list:
    """BTF-defined maps (``.maps``), sizes resolved from BTF; [] without BTF."""
    if obj.elf.section(".maps") is None or obj.btf is None:
        return []
    from bpfdoctor.btf.maps import btf_maps

    # clang leaves the .maps DATASEC offsets at 0 (libbpf fills them in from
    # the symbols, btf_fixup_datasec): the ELF symbol has the real one.
    sec = obj.elf.section(".maps")
    offsets = {s.name: s.value for s in obj.elf.symbols_in(sec.index) if s.type != STT_SECTION}
    return [_spec_from_def(obj.btf, d, offset=offsets.get(d.name)) for d in btf_maps(obj.btf)]


def _spec_from_def(btf, d, section: str = ".maps", offset: int | None = None):
    from bpfdoctor.btf.query import type_name
    from bpfdoctor.elf.object import MapSpec

    value_size = d.value_size
    if value_size is None and d.values_type_id is not None:
        # __array(values, ...): libbpf (parse_btf_map_def) fixes value_size at
        # 4, the size of a map or program fd.
        value_size = 4
    return MapSpec(
        name=d.name, type=d.type, key_size=d.key_size, value_size=value_size,
        max_entries=d.max_entries, flags=d.map_flags or 0, source="btf", section=section,
        offset=offset if offset is not None else (d.offset or 0), pinning=d.pinning or 0, numa_node=d.numa_node, map_extra=d.map_extra,
        key_type=type_name(btf, d.key_type_id) if d.key_type_id else None,
        value_type=type_name(btf, d.value_type_id) if d.value_type_id else None,
        inner=_spec_from_def(btf, d.inner, section) if d.inner else None,
        problems=tuple(d.problems))
