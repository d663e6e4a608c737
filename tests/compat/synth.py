"""Synthetic target kernels: a real BTF with one thing changed, written with
the BTF writer (ids and every other type unchanged)."""

from __future__ import annotations

import dataclasses

from bpfdoctor.btf import parse_btf
from bpfdoctor.btf.kinds import Kind
from bpfdoctor.btf.writer import write_btf
from bpfdoctor.compat.targets import Target


def _struct(btf, name: str):
    ids = btf.find_ids(name, Kind.STRUCT) or btf.find_ids(name, Kind.UNION)
    assert ids, f"no struct {name}"
    return btf.type(ids[0])


def drop_member(btf, struct: str, member: str) -> dict:
    t = _struct(btf, struct)
    mems = tuple(m for m in t.members if m.name != member)
    assert len(mems) == len(t.members) - 1, f"{struct} has no member {member}"
    return {t.id: dataclasses.replace(t, members=mems, vlen=len(mems))}


def rename_member(btf, struct: str, member: str, new: str) -> dict:
    t = _struct(btf, struct)
    mems = tuple(dataclasses.replace(m, name=new) if m.name == member else m for m in t.members)
    return {t.id: dataclasses.replace(t, members=mems)}


def retype_member(btf, struct: str, member: str, new_type: int) -> dict:
    t = _struct(btf, struct)
    mems = tuple(dataclasses.replace(m, type=new_type) if m.name == member else m for m in t.members)
    return {t.id: dataclasses.replace(t, members=mems)}


def drop_enum_value(btf, enum: str, value: str) -> dict:
    for tid in btf.find_ids(enum):
        t = btf.type(tid)
        if t.is_enum:
            vals = tuple(v for v in t.values if v.name != value)
            assert len(vals) == len(t.values) - 1, f"enum {enum} has no {value}"
            return {tid: dataclasses.replace(t, values=vals, vlen=len(vals))}
    raise AssertionError(f"no enum {enum}")


def rename_type(btf, name: str, kind: int, new: str) -> dict:
    ids = btf.find_ids(name, kind)
    assert ids, f"no {Kind(kind).name} {name}"
    return {tid: dataclasses.replace(btf.type(tid), name=new) for tid in ids}


def variant(btf, replace: dict, name: str, release: str = "6.18") -> Target:
    data = write_btf(btf, replace=replace)
    return Target(name, parse_btf(data, path=name), release, None, None, source=name)


def variant_bytes(btf, replace: dict) -> bytes:
    return write_btf(btf, replace=replace)
