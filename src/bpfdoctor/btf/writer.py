"""Write BTF: the encoder that turns ``BtfType`` records back into the bytes
libbpf and the kernel read.

The layout is the one libbpf's ``btf__raw_data`` and pahole produce: a 24-byte
header, the type section at offset 0, the string section right after it
(include/uapi/linux/btf.h ``struct btf_header``; tools/lib/bpf/btf.c
``btf_get_raw_data``).  Every field of every record is a 32-bit word, so a
type is a list of words and the section is their concatenation.

``BtfWriter`` builds BTF one type at a time (ids are handed out in order from
1, like ``btf__add_*``); ``write_btf(btf)`` re-encodes a parsed BTF from its
records, reusing the original string table so the result is byte-identical
when the input followed the standard layout.  Pure code.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Iterable

from bpfdoctor.btf.kinds import Kind, SIZED_KINDS
from bpfdoctor.btf.reader import BTF_MAGIC, Btf
from bpfdoctor.btf.types import (ArrayInfo, BtfType, EnumValue, IntInfo, Member, Param,
                                 VarSecinfo)
from bpfdoctor.errors import UsageError

_U32 = 0xFFFFFFFF


class StringTable:
    """The string section: offsets handed out once per distinct string.

    Seeded with an existing section, it keeps every original offset (the
    first one when a string occurs twice), so re-encoding keeps names where
    they were.
    """

    def __init__(self, seed: bytes | None = None) -> None:
        self._buf = bytearray(seed if seed else b"\0")
        if not self._buf or self._buf[0] != 0:
            raise UsageError("a BTF string section must start with an empty string")
        if self._buf[-1] != 0:
            raise UsageError("a BTF string section must end with a NUL byte")
        self._off: dict[str, int] = {}
        start = 0
        for chunk in bytes(self._buf).split(b"\0")[:-1]:
            self._off.setdefault(chunk.decode("utf-8", "surrogateescape"), start)
            start += len(chunk) + 1

    def add(self, s: str) -> int:
        off = self._off.get(s)
        if off is None:
            raw = s.encode("utf-8", "surrogateescape")
            if b"\0" in raw:
                raise UsageError(f"BTF names cannot contain NUL: {s!r}")
            off = len(self._buf)
            self._buf += raw + b"\0"
            self._off[s] = off
        return off

    def data(self) -> bytes:
        return bytes(self._buf)


def encode_type(t: BtfType, strs: StringTable) -> list[int]:
    """The words of one type (header then kind-specific records)."""
    kind = Kind(t.kind)
    vlen = _vlen(t)
    info = (int(t.kflag) << 31) | ((int(kind) & 0x1F) << 24) | (vlen & 0xFFFF)
    if kind in SIZED_KINDS:
        third = t.size or 0
    elif kind in (Kind.ARRAY, Kind.FWD):
        third = 0
    else:
        third = t.type or 0
    words = [strs.add(t.name), info, third & _U32]
    if kind == Kind.INT:
        ii = t.int_info
        words.append((int(ii.encoding) & 0x0F) << 24 | (ii.bit_offset & 0xFF) << 16 | (ii.bits & 0xFF))
    elif kind == Kind.ARRAY:
        words += [t.array.type, t.array.index_type, t.array.nelems]
    elif kind in (Kind.STRUCT, Kind.UNION):
        for m in t.members:
            off = (m.bitfield_size << 24 | m.bit_offset) if t.kflag else m.bit_offset
            words += [strs.add(m.name), m.type, off & _U32]
    elif kind == Kind.ENUM:
        for v in t.values:
            words += [strs.add(v.name), v.value & _U32]
    elif kind == Kind.ENUM64:
        for v in t.values:
            u = v.value & ((1 << 64) - 1)
            words += [strs.add(v.name), u & _U32, u >> 32]
    elif kind == Kind.FUNC_PROTO:
        for p in t.params:
            words += [strs.add(p.name), p.type]
    elif kind == Kind.VAR:
        words.append(int(t.var_linkage or 0))
    elif kind == Kind.DATASEC:
        for v in t.vars:
            words += [v.type, v.offset, v.size]
    elif kind == Kind.DECL_TAG:
        words.append((t.component_idx if t.component_idx is not None else -1) & _U32)
    return words


def _vlen(t: BtfType) -> int:
    kind = t.kind
    if kind in (Kind.STRUCT, Kind.UNION):
        return len(t.members)
    if kind in (Kind.ENUM, Kind.ENUM64):
        return len(t.values)
    if kind == Kind.FUNC_PROTO:
        return len(t.params)
    if kind == Kind.DATASEC:
        return len(t.vars)
    if kind == Kind.FUNC:
        return int(t.func_linkage if t.func_linkage is not None else t.vlen)
    return t.vlen  # kinds without items keep whatever the input had (normally 0)


def pack(words: Iterable[int], strings: bytes, byte_order: str = "<") -> bytes:
    """Header + type section + string section."""
    arr = array("I", words)
    if (byte_order == "<") != (sys.byteorder == "little"):
        arr.byteswap()
    types = arr.tobytes()
    hdr = struct.pack(byte_order + "HBBIIIII", BTF_MAGIC, 1, 0, 24, 0, len(types), len(types), len(strings))
    return hdr + types + strings


class BtfWriter:
    """Build BTF type by type; ``add*`` return the new type's id."""

    def __init__(self, *, byte_order: str = "<", strings: bytes | None = None) -> None:
        if byte_order not in "<>" or len(byte_order) != 1:
            raise UsageError(f"byte order must be '<' or '>', not {byte_order!r}")
        self.byte_order = byte_order
        self.strings = StringTable(strings)
        self._words: list[int] = []
        self.count = 0

    def add(self, t: BtfType) -> int:
        """Append ``t`` (its ``id`` is ignored; references are taken as given)."""
        self._words += encode_type(t, self.strings)
        self.count += 1
        return self.count

    # Convenience constructors, in libbpf's btf__add_* spirit.
    def int(self, name: str, size: int, *, signed: bool = False, bits: int | None = None,
            encoding: int | None = None) -> int:
        enc = encoding if encoding is not None else (1 if signed else 0)
        return self.add(BtfType(0, Kind.INT, name, False, 0, size=size,
                                int_info=IntInfo(enc, 0, bits if bits is not None else size * 8)))

    def ptr(self, target: int) -> int:
        return self.add(BtfType(0, Kind.PTR, "", False, 0, type=target))

    def array(self, elem: int, index: int, nelems: int) -> int:
        return self.add(BtfType(0, Kind.ARRAY, "", False, 0, array=ArrayInfo(elem, index, nelems)))

    def struct(self, name: str, size: int, members: list[tuple[str, int, int] | tuple[str, int, int, int]],
               *, union: bool = False) -> int:
        mems = tuple(Member(m[0], m[1], m[2], m[3] if len(m) > 3 else 0) for m in members)
        kflag = any(m.bitfield_size for m in mems)
        return self.add(BtfType(0, Kind.UNION if union else Kind.STRUCT, name, kflag, len(mems),
                                size=size, members=mems))

    def enum(self, name: str, values: list[tuple[str, int]], *, size: int = 4, signed: bool = False) -> int:
        vals = tuple(EnumValue(n, v) for n, v in values)
        kind = Kind.ENUM if size <= 4 else Kind.ENUM64
        return self.add(BtfType(0, kind, name, signed, len(vals), size=size, values=vals))

    def typedef(self, name: str, target: int) -> int:
        return self.add(BtfType(0, Kind.TYPEDEF, name, False, 0, type=target))

    def func_proto(self, ret: int, params: list[tuple[str, int]]) -> int:
        ps = tuple(Param(n, t) for n, t in params)
        return self.add(BtfType(0, Kind.FUNC_PROTO, "", False, len(ps), type=ret, params=ps))

    def func(self, name: str, proto: int, linkage: int = 1) -> int:
        return self.add(BtfType(0, Kind.FUNC, name, False, linkage, type=proto, func_linkage=linkage))

    def fwd(self, name: str, *, union: bool = False) -> int:
        return self.add(BtfType(0, Kind.FWD, name, union, 0))

    def var(self, name: str, target: int, linkage: int = 1) -> int:
        return self.add(BtfType(0, Kind.VAR, name, False, 0, type=target, var_linkage=linkage))

    def datasec(self, name: str, size: int, vars_: list[tuple[int, int, int]]) -> int:
        vs = tuple(VarSecinfo(*v) for v in vars_)
        return self.add(BtfType(0, Kind.DATASEC, name, False, len(vs), size=size, vars=vs))

    def encode(self) -> bytes:
        return pack(self._words, self.strings.data(), self.byte_order)


def write_btf(btf: Btf, *, byte_order: str | None = None, replace: dict[int, BtfType] | None = None) -> bytes:
    """Re-encode ``btf`` (not split BTF) from its records, keeping its strings.

    ``replace`` maps type ids to new records (ids and references stay as
    they are); with it, untouched types are copied word for word, which is
    what makes a one-field variant of a 100,000-type vmlinux cheap.
    """
    if btf.base is not None:
        raise UsageError("writing split BTF is not supported; write the base and the split part apart")
    w = BtfWriter(byte_order=byte_order or btf.byte_order, strings=btf.strings)
    if replace is None:
        for t in btf.types():
            w.add(t)
        return w.encode()
    words, starts = btf.words, btf.starts
    ends = list(starts[1:]) + [len(words)]
    for i, (a, b) in enumerate(zip(starts, ends)):
        new = replace.get(btf.start_id + i)
        if new is None:
            w._words += words[a:b].tolist()
            w.count += 1
        else:
            w.add(new)
    return w.encode()
