"""The ``--json`` form of the raw dump: the same records and field names as
``bpftool -j btf dump file F`` (``dump_btf_type`` in tools/bpf/bpftool/btf.c),
so scripts written against bpftool keep working.
"""

from __future__ import annotations

from bpfdoctor.btf.kinds import Kind
from bpfdoctor.btf.reader import Btf
from bpfdoctor.btf.types import BtfType

_INT_ENC = {0: "(none)", 1: "SIGNED", 2: "CHAR", 4: "BOOL"}
_LINKAGE = {0: "static", 1: "global", 2: "extern"}


def _name(off_name: str) -> str:
    return off_name or "(anon)"


def type_to_json(btf: Btf, t: BtfType) -> dict:
    """One type as bpftool's JSON object."""
    kind_name = t.kind.name if t.kind <= 19 else "UNKNOWN"
    d: dict = {"id": t.id, "kind": kind_name, "name": _name(t.name)}
    k = t.kind
    if k == Kind.INT:
        ii = t.int_info
        d.update(size=t.size, bits_offset=ii.bit_offset, nr_bits=ii.bits,
                 encoding=_INT_ENC.get(int(ii.encoding), "UNKN"))
    elif k in (Kind.PTR, Kind.CONST, Kind.VOLATILE, Kind.RESTRICT, Kind.TYPEDEF, Kind.TYPE_TAG):
        d["type_id"] = t.type
    elif k == Kind.ARRAY:
        d.update(type_id=t.array.type, index_type_id=t.array.index_type, nr_elems=t.array.nelems)
    elif k in (Kind.STRUCT, Kind.UNION):
        d.update(size=t.size, vlen=t.vlen, members=[_member(m) for m in t.members])
    elif k in (Kind.ENUM, Kind.ENUM64):
        d.update(encoding="SIGNED" if t.kflag else "UNSIGNED", size=t.size, vlen=t.vlen,
                 values=[{"name": _name(v.name), "val": v.value} for v in t.values])
    elif k == Kind.FWD:
        d["fwd_kind"] = "union" if t.kflag else "struct"
    elif k == Kind.FUNC:
        d.update(type_id=t.type, linkage=_LINKAGE.get(int(t.func_linkage), "(unknown)"))
    elif k == Kind.FUNC_PROTO:
        d.update(ret_type_id=t.type, vlen=t.vlen,
                 params=[{"name": _name(p.name), "type_id": p.type} for p in t.params])
    elif k == Kind.VAR:
        d.update(type_id=t.type, linkage=_LINKAGE.get(int(t.var_linkage), "(unknown)"))
    elif k == Kind.DATASEC:
        d.update(size=t.size, vlen=t.vlen,
                 vars=[{"type_id": v.type, "offset": v.offset, "size": v.size} for v in t.vars])
    elif k == Kind.FLOAT:
        d["size"] = t.size
    elif k == Kind.DECL_TAG:
        d.update(type_id=t.type, component_idx=t.component_idx)
    return d


def _member(m) -> dict:
    d = {"name": _name(m.name), "type_id": m.type, "bits_offset": m.bit_offset}
    if m.bitfield_size:
        d["bitfield_size"] = m.bitfield_size
    return d


def dump_json(btf: Btf) -> dict:
    """``{"types": [...]}`` for this BTF's own types (not the base's)."""
    return {"types": [type_to_json(btf, t) for t in btf.types()]}
