"""BTF-defined maps: the ``.maps`` DATASEC decoded the way libbpf does it
(tools/lib/bpf/libbpf.c ``parse_btf_map_def`` and ``get_map_field_int``).

The bpf_helpers.h macros encode everything in member types:
``__uint(name, N)`` is ``int (*name)[N]`` (N = the array's element count),
``__type(name, T)`` is ``T *name``, ``__array(values, struct inner)`` is a
zero-length array of pointers to the inner map's definition.
"""

from __future__ import annotations

from bpfdoctor.record import record

from bpfdoctor.btf.kinds import Kind
from bpfdoctor.btf.query import resolve_size, skip_mods
from bpfdoctor.btf.reader import Btf

_INT_FIELDS = ("type", "max_entries", "map_flags", "numa_node", "key_size", "value_size",
               "pinning", "map_extra")


@record
class MapDef:
    """One BTF-defined map.  Fields the definition leaves out are None.

    ``key_size``/``value_size`` come from ``__uint(key_size, N)`` or from the
    size of the ``__type(key, T)`` type.  ``inner`` is the inner map of a
    map-in-map (``__array(values, ...)``); ``values_type_id`` is the element
    type of that array (the inner definition, or a FUNC_PROTO for prog arrays).
    """

    name: str
    type: int | None = None
    key_type_id: int | None = None
    key_size: int | None = None
    value_type_id: int | None = None
    value_size: int | None = None
    max_entries: int | None = None
    map_flags: int | None = None
    pinning: int | None = None
    numa_node: int | None = None
    map_extra: int | None = None
    inner: MapDef | None = None
    values_type_id: int | None = None
    var_type_id: int | None = None
    offset: int | None = None
    size: int | None = None
    problems: tuple[str, ...] = ()


def btf_maps(btf: Btf, section: str = ".maps") -> list[MapDef]:
    """Every map in the ``section`` DATASEC, in declaration order ([] if none)."""
    ids = btf.find_ids(section, Kind.DATASEC)
    if not ids:
        return []
    out = []
    for vi in btf.type(ids[0]).vars:
        var = btf.type(vi.type)
        if var.kind != Kind.VAR:
            out.append(MapDef(var.name or "(anon)", offset=vi.offset, size=vi.size,
                              problems=(f"{section} entry [{vi.type}] is a {var.kind.name}, not a VAR",)))
            continue
        out.append(parse_map_def(btf, var.name, var.type, offset=vi.offset, size=vi.size))
    return out


def _int_field(btf: Btf, member_type: int) -> int | None:
    """N of ``int (*name)[N]`` (libbpf get_map_field_int), None if not that shape."""
    t = btf.type(skip_mods(btf, member_type))
    if t.kind != Kind.PTR:
        return None
    arr = btf.type(skip_mods(btf, t.type)) if t.type else None
    if arr is None or arr.kind != Kind.ARRAY:
        return None
    return arr.array.nelems


def parse_map_def(btf: Btf, name: str, def_type_id: int, *, offset: int | None = None,
                  size: int | None = None, _depth: int = 0) -> MapDef:
    """Decode one map definition struct (``def_type_id`` may be a typedef)."""
    problems: list[str] = []
    fields: dict = {"var_type_id": def_type_id, "offset": offset, "size": size}
    t = btf.type(skip_mods(btf, def_type_id)) if def_type_id else None
    if t is None or t.kind != Kind.STRUCT:
        return MapDef(name, problems=(f"map {name!r}: definition is not a struct",), **fields)
    for m in t.members:
        if m.name in _INT_FIELDS:
            val = _int_field(btf, m.type)
            if val is None:
                problems.append(f"map {name!r}: {m.name} is not __uint()-shaped (int (*)[N])")
            fields[m.name] = val
        elif m.name in ("key", "value"):
            _typed_field(btf, name, m, fields, problems)
        elif m.name == "values":
            _values_field(btf, name, m, fields, problems, _depth)
        else:
            # libbpf refuses unknown fields in .maps (strict parsing).
            problems.append(f"map {name!r}: unknown field {m.name!r}")
    return MapDef(name, problems=tuple(problems), **fields)


def _typed_field(btf: Btf, name: str, m, fields: dict, problems: list[str]) -> None:
    ptr = btf.type(skip_mods(btf, m.type))
    if ptr.kind != Kind.PTR:
        problems.append(f"map {name!r}: {m.name} is not __type()-shaped (T *)")
        return
    size = resolve_size(btf, ptr.type) if ptr.type else None
    declared = fields.get(f"{m.name}_size")
    if declared is not None and size is not None and declared != size:
        problems.append(f"map {name!r}: {m.name}_size {declared} disagrees with __type({m.name}) size {size}")
    fields[f"{m.name}_type_id"] = ptr.type
    fields[f"{m.name}_size"] = size


def _values_field(btf: Btf, name: str, m, fields: dict, problems: list[str], depth: int) -> None:
    arr = btf.type(skip_mods(btf, m.type))
    if arr.kind != Kind.ARRAY:
        problems.append(f"map {name!r}: values is not __array()-shaped")
        return
    ptr = btf.type(skip_mods(btf, arr.array.type))
    if ptr.kind != Kind.PTR:
        problems.append(f"map {name!r}: values must be an array of pointers")
        return
    target = skip_mods(btf, ptr.type)
    fields["values_type_id"] = target
    kind = btf.kind(target) if target else Kind.UNKN
    if kind == Kind.STRUCT:
        if depth:
            problems.append(f"map {name!r}: an inner map cannot itself hold maps")
            return
        fields["inner"] = parse_map_def(btf, f"{name}.inner", target, _depth=depth + 1)
    elif kind != Kind.FUNC_PROTO:
        problems.append(f"map {name!r}: values must point to a map definition or a function prototype")
