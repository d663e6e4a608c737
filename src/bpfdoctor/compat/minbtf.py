"""The minimal BTF an object's CO-RE relocations need from one target, as
``bpftool gen min_core_btf`` makes it (tools/bpf/bpftool/gen.c, "btfgen").

For every relocation the first matching target candidate's spec marks types
and members: field relocations mark the root, each member on the access
path and its type (not following pointers); type relocations mark the type
following pointers; ``type_matches`` marks whole types the way the match
compares them; enum relocations mark the enum.  The output keeps marked
types in target id order, structs and unions with only their marked members,
and every reference to an unmarked type becomes void.  Strings are added in
the order libbpf's ``btf__add_*`` adds them, so the bytes equal bpftool's.
"""

from __future__ import annotations

from bpfdoctor.btf.core import find_candidates
from bpfdoctor.btf.core_resolve import spec_match
from bpfdoctor.btf.core_spec import CoreReloKind, parse_spec
from bpfdoctor.btf.kinds import Kind
from bpfdoctor.btf.query import skip_mods
from bpfdoctor.btf.reader import Btf
from bpfdoctor.btf.types import (ArrayInfo, BtfType, EnumValue, Member, Param, VarSecinfo)
from bpfdoctor.btf.writer import BtfWriter
from bpfdoctor.errors import InputError


class _Marks:
    def __init__(self, btf: Btf) -> None:
        self.btf = btf
        self.types: set[int] = set()
        self.members: set[tuple[int, int]] = set()
        # (type, follow_pointers / behind_ptr) -> the shallowest depth walked
        # from: gen.c walks a type again each time it is reached, so a chain
        # of function prototypes whose parameters share a type cost 2**depth
        # steps.  A walk from a depth at least as deep marks nothing new.
        self._walked: dict[tuple[int, bool], int] = {}
        self._matched: dict[tuple[int, bool], int] = {}

    def mark_type(self, tid: int, follow_pointers: bool, depth: int = 0) -> None:
        """gen.c btfgen_mark_type."""
        if tid == 0 or depth > 64 or self._walked.get((tid, follow_pointers), 65) <= depth:
            return
        self._walked[(tid, follow_pointers)] = depth
        self.types.add(tid)
        t = self.btf.type(tid)
        k = t.kind
        if k == Kind.PTR:
            if follow_pointers:
                self.mark_type(t.type, follow_pointers, depth + 1)
        elif k in (Kind.CONST, Kind.RESTRICT, Kind.VOLATILE, Kind.TYPEDEF, Kind.TYPE_TAG):
            self.mark_type(t.type, follow_pointers, depth + 1)
        elif k == Kind.ARRAY:
            self.mark_type(t.array.type, follow_pointers, depth + 1)
            self.mark_type(t.array.index_type, follow_pointers, depth + 1)
        elif k == Kind.FUNC_PROTO:
            self.mark_type(t.type, follow_pointers, depth + 1)
            for p in t.params:
                self.mark_type(p.type, follow_pointers, depth + 1)
        elif k not in (Kind.UNKN, Kind.INT, Kind.FLOAT, Kind.ENUM, Kind.ENUM64, Kind.STRUCT, Kind.UNION):
            raise InputError(self.btf.path, f"min BTF: unsupported kind {k.name} ([{tid}])")

    def mark_match(self, tid: int, behind_ptr: bool, depth: int = 0) -> None:
        """gen.c btfgen_mark_type_match (type_matches relocations)."""
        if tid == 0 or depth > 64 or self._matched.get((tid, behind_ptr), 65) <= depth:
            return
        self._matched[(tid, behind_ptr)] = depth
        self.types.add(tid)
        t = self.btf.type(tid)
        k = t.kind
        if k in (Kind.STRUCT, Kind.UNION):
            if behind_ptr:
                return
            for i, m in enumerate(t.members):
                self.members.add((tid, i))
                self.mark_match(m.type, False, depth + 1)
        elif k in (Kind.CONST, Kind.FWD, Kind.RESTRICT, Kind.TYPEDEF, Kind.VOLATILE):
            if k != Kind.FWD:
                self.mark_match(t.type, behind_ptr, depth + 1)
        elif k == Kind.PTR:
            self.mark_match(t.type, True, depth + 1)
        elif k == Kind.ARRAY:
            self.mark_match(t.array.type, False, depth + 1)
            self.mark_match(t.array.index_type, False, depth + 1)
        elif k == Kind.FUNC_PROTO:
            self.mark_match(t.type, False, depth + 1)
            for p in t.params:
                self.mark_match(p.type, False, depth + 1)
        elif k not in (Kind.UNKN, Kind.INT, Kind.FLOAT, Kind.ENUM, Kind.ENUM64):
            raise InputError(self.btf.path, f"min BTF: unsupported kind {k.name} ([{tid}])")

    def field(self, spec) -> None:
        """gen.c btfgen_record_field_relo: root, then each member on the raw path."""
        btf = self.btf
        tid = spec.root_type_id
        self.mark_type(tid, False)
        for idx in spec.raw[1:]:
            tid = skip_mods(btf, tid)
            t = btf.type(tid)
            if t.kind in (Kind.STRUCT, Kind.UNION):
                if idx >= len(t.members):
                    # libbpf's match leaves an index behind when a name it found
                    # inside an anonymous member has an incompatible type; gen.c
                    # then reads past the members
                    path = ":".join(map(str, spec.raw))
                    raise InputError(btf.path, f"min BTF: the access path {path} of [{spec.root_type_id}] "
                                               f"names member {idx} of [{tid}], which has {len(t.members)}")
                self.members.add((tid, idx))
                tid = t.members[idx].type
                self.mark_type(tid, False)
            elif t.kind == Kind.ARRAY:
                tid = t.array.type
            else:
                raise InputError(btf.path, f"min BTF: unsupported kind {t.kind.name} on an access path")


def record(marks: _Marks, local: Btf, relos) -> None:
    """Mark what each relocation's first matching candidate needs."""
    cache: dict[tuple[str, int], list[int]] = {}
    for rel in relos:
        kind = CoreReloKind(rel.kind)
        if kind == CoreReloKind.TYPE_ID_LOCAL:
            continue
        spec = parse_spec(local, rel.type_id, rel.access, kind)
        key = (local.name(rel.type_id), int(local.kind(rel.type_id)))
        if key not in cache:
            cache[key] = find_candidates(local, rel.type_id, marks.btf)
        for cand in cache[key]:
            tspec = spec_match(spec, marks.btf, cand)
            if tspec is None:
                continue
            if kind.is_field_based:
                marks.field(tspec)
            elif kind == CoreReloKind.TYPE_MATCHES:
                marks.mark_match(tspec.root_type_id, False)
            elif kind.is_type_based:
                marks.mark_type(tspec.root_type_id, True)
            else:
                marks.mark_type(tspec.root_type_id, False)
            break


def build(marks: _Marks) -> bytes:
    """gen.c btfgen_get_btf: marked types in id order, references remapped."""
    src = marks.btf
    order = sorted(marks.types)
    ids = {old: new for new, old in enumerate(order, 1)}

    def remap(t: int | None) -> int:
        return ids.get(t, 0) if t else 0

    w = BtfWriter(byte_order=src.byte_order)
    for old in order:
        t = src.type(old)
        if t.kind in (Kind.STRUCT, Kind.UNION):
            mems = tuple(Member(m.name, remap(m.type), m.bit_offset, m.bitfield_size)
                         for i, m in enumerate(t.members) if (old, i) in marks.members)
            # btf__add_field sets kflag once a member is a bitfield.
            kflag = any(m.bitfield_size for m in mems)
            w.add(BtfType(0, t.kind, t.name, kflag, len(mems), size=t.size, members=mems))
            continue
        w.add(_remapped(t, remap))
    return w.encode()


def _remapped(t: BtfType, remap) -> BtfType:
    k = t.kind
    if k == Kind.ARRAY:
        a = t.array
        return BtfType(0, k, t.name, t.kflag, t.vlen, array=ArrayInfo(remap(a.type), remap(a.index_type), a.nelems))
    if k == Kind.FUNC_PROTO:
        return BtfType(0, k, t.name, t.kflag, t.vlen, type=remap(t.type),
                       params=tuple(Param(p.name, remap(p.type)) for p in t.params))
    if k == Kind.DATASEC:
        return BtfType(0, k, t.name, t.kflag, t.vlen, size=t.size,
                       vars=tuple(VarSecinfo(remap(v.type), v.offset, v.size) for v in t.vars))
    if t.type is not None:
        return BtfType(0, k, t.name, t.kflag, t.vlen, size=t.size, type=remap(t.type),
                       int_info=t.int_info, values=t.values, func_linkage=t.func_linkage,
                       var_linkage=t.var_linkage, component_idx=t.component_idx)
    return t


def minimal_btf(obj, target: Btf) -> bytes:
    """The subset of ``target`` that ``obj``'s CO-RE relocations use."""
    if obj.btf is None:
        raise InputError(obj.path, "no .BTF: the object has no CO-RE relocations")
    ext = obj.btf_ext
    relos = [r for recs in (ext.core_relos.values() if ext is not None else ()) for r in recs]
    marks = _Marks(target)
    record(marks, obj.btf, relos)
    return build(marks)
