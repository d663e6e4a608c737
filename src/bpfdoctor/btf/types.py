"""Records for one BTF type and its trailing items (frozen, slotted).

These are built on demand by ``Btf.type(id)``; the raw dumper and the hot
query paths read the packed words directly and never build them.
"""

from __future__ import annotations

from bpfdoctor.record import record

from bpfdoctor.btf.kinds import FuncLinkage, IntEncoding, Kind, VarLinkage


@record
class Member:
    """A struct/union member.  ``bit_offset`` from the start of the parent."""

    name: str
    type: int
    bit_offset: int
    bitfield_size: int = 0


@record
class Param:
    """A FUNC_PROTO parameter; a trailing ``type == 0`` with no name is ``...``."""

    name: str
    type: int


@record
class EnumValue:
    """An ENUM/ENUM64 enumerator; ``value`` is signed when the enum's kflag says so."""

    name: str
    value: int


@record
class VarSecinfo:
    """A DATASEC entry: the VAR (or FUNC for extern ksyms) and its place."""

    type: int
    offset: int
    size: int


@record
class ArrayInfo:
    """The extra struct of BTF_KIND_ARRAY: element type, index type, element count."""

    type: int
    index_type: int
    nelems: int


@record
class IntInfo:
    """The extra word of BTF_KIND_INT: encoding bits, bit offset, bit count."""

    encoding: IntEncoding
    bit_offset: int
    bits: int


@record
class BtfType:
    """One BTF type.  Fields that do not apply to ``kind`` are None / empty.

    ``size`` is set for sized kinds (INT, STRUCT, UNION, ENUM, ENUM64, DATASEC,
    FLOAT); ``type`` for kinds that point at another type (PTR, TYPEDEF, the
    modifiers, FUNC, FUNC_PROTO's return type, VAR, DECL_TAG, TYPE_TAG).
    """

    id: int
    kind: Kind
    name: str
    kflag: bool
    vlen: int
    size: int | None = None
    type: int | None = None
    int_info: IntInfo | None = None
    array: ArrayInfo | None = None
    members: tuple[Member, ...] = ()
    params: tuple[Param, ...] = ()
    values: tuple[EnumValue, ...] = ()
    vars: tuple[VarSecinfo, ...] = ()
    func_linkage: FuncLinkage | None = None
    var_linkage: VarLinkage | None = None
    component_idx: int | None = None

    @property
    def is_composite(self) -> bool:
        return self.kind in (Kind.STRUCT, Kind.UNION)

    @property
    def is_enum(self) -> bool:
        return self.kind in (Kind.ENUM, Kind.ENUM64)

    @property
    def is_variadic(self) -> bool:
        """A FUNC_PROTO ending in ``...`` (a last param with no name and type 0)."""
        return bool(self.params) and self.params[-1].type == 0 and not self.params[-1].name
