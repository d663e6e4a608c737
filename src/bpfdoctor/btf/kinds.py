"""BTF numeric vocabulary: kinds, int encodings, linkages.

Values follow the kernel's ``include/uapi/linux/btf.h``.  Every enum keeps a
raw number it does not know (a newer kernel may add kinds or flags): it becomes
a pseudo-member named after the number instead of raising.
"""

from __future__ import annotations

from enum import IntFlag

from bpfdoctor.rawenum import KeepUnknown


class Kind(KeepUnknown):
    """``BTF_KIND_*``.  The names are the ones bpftool prints."""

    UNKN = 0
    INT = 1
    PTR = 2
    ARRAY = 3
    STRUCT = 4
    UNION = 5
    ENUM = 6
    FWD = 7
    TYPEDEF = 8
    VOLATILE = 9
    CONST = 10
    RESTRICT = 11
    FUNC = 12
    FUNC_PROTO = 13
    VAR = 14
    DATASEC = 15
    FLOAT = 16
    DECL_TAG = 17
    TYPE_TAG = 18
    ENUM64 = 19


KIND_MAX = 19


class IntEncoding(IntFlag):
    """``BTF_INT_*`` encoding bits of a BTF_KIND_INT (bits 24..27 of its extra word)."""

    NONE = 0
    SIGNED = 1
    CHAR = 2
    BOOL = 4


class FuncLinkage(KeepUnknown):
    """``enum btf_func_linkage`` (stored in the vlen of a BTF_KIND_FUNC)."""

    STATIC = 0
    GLOBAL = 1
    EXTERN = 2


class VarLinkage(KeepUnknown):
    """``enum btf_var_linkage`` (``struct btf_var.linkage``)."""

    STATIC = 0
    GLOBAL_ALLOCATED = 1
    GLOBAL_EXTERN = 2


# Layout of each kind's trailing data, in 32-bit words: (fixed, per vlen item).
# From the kernel's include/uapi/linux/btf.h (struct btf_array, btf_member,
# btf_enum, btf_param, btf_var, btf_var_secinfo, btf_decl_tag, btf_enum64).
# Every field of every record is 32 bits wide, so the whole type section is
# read as one array of u32.
EXTRA_WORDS: dict[int, tuple[int, int]] = {
    Kind.INT: (1, 0),
    Kind.PTR: (0, 0),
    Kind.ARRAY: (3, 0),
    Kind.STRUCT: (0, 3),
    Kind.UNION: (0, 3),
    Kind.ENUM: (0, 2),
    Kind.FWD: (0, 0),
    Kind.TYPEDEF: (0, 0),
    Kind.VOLATILE: (0, 0),
    Kind.CONST: (0, 0),
    Kind.RESTRICT: (0, 0),
    Kind.FUNC: (0, 0),
    Kind.FUNC_PROTO: (0, 2),
    Kind.VAR: (1, 0),
    Kind.DATASEC: (0, 3),
    Kind.FLOAT: (0, 0),
    Kind.DECL_TAG: (1, 0),
    Kind.TYPE_TAG: (0, 0),
    Kind.ENUM64: (0, 3),
}

# Kinds whose second header word is a size (the others hold a type id).
SIZED_KINDS = frozenset({Kind.INT, Kind.STRUCT, Kind.UNION, Kind.ENUM, Kind.ENUM64,
                         Kind.DATASEC, Kind.FLOAT})
# Kinds whose header word is a type id (possibly 0 = void).
REF_KINDS = frozenset({Kind.PTR, Kind.TYPEDEF, Kind.VOLATILE, Kind.CONST, Kind.RESTRICT,
                       Kind.FUNC, Kind.FUNC_PROTO, Kind.VAR, Kind.DECL_TAG, Kind.TYPE_TAG})
# Modifiers that CO-RE and type resolution skip (libbpf btf.c btf__resolve_type
# skips typedefs too; skip_mods_and_typedefs in relo_core.c).
MODIFIER_KINDS = frozenset({Kind.VOLATILE, Kind.CONST, Kind.RESTRICT, Kind.TYPE_TAG})
# Kinds that legitimately use vlen for a count of trailing records or linkage.
VLEN_KINDS = frozenset({Kind.STRUCT, Kind.UNION, Kind.ENUM, Kind.ENUM64, Kind.FUNC,
                        Kind.FUNC_PROTO, Kind.DATASEC})
# Kinds whose kind_flag has a meaning (bitfield members, fwd union, enum
# signedness, decl_tag/type_tag attribute form since kernel 6.13).
KFLAG_KINDS = frozenset({Kind.STRUCT, Kind.UNION, Kind.FWD, Kind.ENUM, Kind.ENUM64,
                         Kind.DECL_TAG, Kind.TYPE_TAG})
