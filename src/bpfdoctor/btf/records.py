"""Build a ``BtfType`` record from the packed words of one type."""

from __future__ import annotations

from bpfdoctor.btf.kinds import FuncLinkage, IntEncoding, Kind, SIZED_KINDS, VarLinkage
from bpfdoctor.btf.types import (ArrayInfo, BtfType, EnumValue, IntInfo, Member, Param,
                                 VarSecinfo)


def _s32(v: int) -> int:
    return v - (1 << 32) if v & 0x80000000 else v


def _s64(v: int) -> int:
    return v - (1 << 64) if v & (1 << 63) else v


def build_record(btf, words, w: int, type_id: int) -> BtfType:
    name_off, info, st = words[w], words[w + 1], words[w + 2]
    kind = Kind((info >> 24) & 0x1F)
    vlen = info & 0xFFFF
    kflag = bool(info >> 31)
    s = btf.str_at
    fields: dict = {}
    if kind in SIZED_KINDS:
        fields["size"] = st
    elif kind != Kind.ARRAY and kind != Kind.FWD:
        fields["type"] = st
    x = w + 3
    if kind == Kind.INT:
        v = words[x]
        fields["int_info"] = IntInfo(IntEncoding((v >> 24) & 0x0F), (v >> 16) & 0xFF, v & 0xFF)
    elif kind == Kind.ARRAY:
        fields["array"] = ArrayInfo(words[x], words[x + 1], words[x + 2])
    elif kind in (Kind.STRUCT, Kind.UNION):
        fields["members"] = tuple(_members(words, x, vlen, kflag, s))
    elif kind == Kind.ENUM:
        conv = _s32 if kflag else int
        fields["values"] = tuple(EnumValue(s(words[x + 2 * i]), conv(words[x + 2 * i + 1]))
                                 for i in range(vlen))
    elif kind == Kind.ENUM64:
        conv = _s64 if kflag else int
        fields["values"] = tuple(
            EnumValue(s(words[x + 3 * i]), conv(words[x + 3 * i + 1] | (words[x + 3 * i + 2] << 32)))
            for i in range(vlen))
    elif kind == Kind.FUNC_PROTO:
        fields["params"] = tuple(Param(s(words[x + 2 * i]), words[x + 2 * i + 1]) for i in range(vlen))
    elif kind == Kind.FUNC:
        fields["func_linkage"] = FuncLinkage(vlen)
    elif kind == Kind.VAR:
        fields["var_linkage"] = VarLinkage(words[x])
    elif kind == Kind.DATASEC:
        fields["vars"] = tuple(VarSecinfo(words[x + 3 * i], words[x + 3 * i + 1], words[x + 3 * i + 2])
                               for i in range(vlen))
    elif kind == Kind.DECL_TAG:
        fields["component_idx"] = _s32(words[x])
    return BtfType(type_id, kind, s(name_off), kflag, vlen, **fields)


def _members(words, x: int, vlen: int, kflag: bool, s):
    for i in range(vlen):
        name_off, typ, off = words[x + 3 * i], words[x + 3 * i + 1], words[x + 3 * i + 2]
        if kflag:
            # BTF_MEMBER_BIT_OFFSET / BTF_MEMBER_BITFIELD_SIZE (uapi btf.h).
            yield Member(s(name_off), typ, off & 0xFFFFFF, off >> 24)
        else:
            yield Member(s(name_off), typ, off, 0)
