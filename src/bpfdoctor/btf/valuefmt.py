"""Map keys and values pretty-printed by their BTF type, as bpftool does.

The rules follow tools/bpf/bpftool/btf_dumper.c (``btf_dumper_type`` and the
helpers it calls), so that ``bpfdoctor map dump`` shows what ``bpftool map
dump`` shows:

- integers by size and signedness (``%llu``/``%d``/``%hhd`` ...); 128-bit
  integers, bitfields and integers of odd widths as hex (``0x%llx``), bare
  in plain text and quoted in JSON;
- ``char`` arrays holding a NUL-terminated printable string as a string;
  other arrays element by element;
- enums by enumerator name, or the signed number when none matches;
- ``_Bool`` as true/false; pointers as ``%p`` in text (bare, as bpftool 7.1
  prints them) and a number in JSON;
- structs and unions as objects, member by member (a bitfield member read
  by its kind_flag size and offset); typedefs and modifiers looked through;
  a DATASEC (global data maps) as ``{"<section>": [{var: value}, ...]}``.

The result is a small tree: ``Obj`` (ordered name/value pairs: BTF allows
two members named ""), lists, ints, bools, strings, and ``Raw`` tokens that
the plain-text writer prints verbatim (bare hex, ``"(nil)"``).  Pure: no
kernel access; ``render.jsonw`` writes the tree the way bpftool's
json_writer does.
"""

from __future__ import annotations

from bpfdoctor.btf.kinds import IntEncoding, Kind
from bpfdoctor.btf.query import resolve_size, skip_mods
from bpfdoctor.errors import BpfDoctorError
from bpfdoctor.record import record


class Raw(str):
    """A token printed as is (bpftool ``jsonw_printf`` of unquoted text)."""


@record
class Obj:
    """An object of the tree: (name, value) pairs in order (not a dict: BTF allows
    two members named "")."""

    items: tuple[tuple[str, object], ...]


class _Stop(Exception):
    """btf_dumper returned an error: the dump of this value ends here."""

    def __init__(self, partial) -> None:
        self.partial = partial


_MOD_KINDS = (Kind.TYPEDEF, Kind.VOLATILE, Kind.CONST, Kind.RESTRICT, Kind.TYPE_TAG, Kind.VAR)


def format_value(btf, type_id: int, data: bytes, *, plain: bool, byteorder: str = "little"):
    """The tree for ``data`` read as BTF type ``type_id``.  Never raises for
    odd data: a kind bpftool cannot dump ends the value with the marker
    bpftool prints (``(unsupported-kind)``), as bpftool stops there too."""
    f = _Formatter(btf, plain, byteorder, steps=STEPS_BASE + STEPS_PER_BYTE * len(data))
    try:
        return f.do_type(type_id, 0, data, 0)
    except _Stop as s:
        return s.partial


# Bounds on one value's tree.  The kernel resolves types at most
# MAX_RESOLVE_DEPTH (32) deep (kernel/bpf/btf.c), so a deeper nesting is a
# cycle or a malformed BTF: it ends the value, as an error ends bpftool's.
# A real value has at most one element per bit (bitfields) and a few empty
# members; a type much larger than the bytes (an array of 262,144 elements
# over 64 bytes, structs of empty structs nested) would make the tree grow
# with the BTF's claims instead of the data.
MAX_DEPTH = 64
STEPS_BASE = 1024
STEPS_PER_BYTE = 16


class _Formatter:
    def __init__(self, btf, plain: bool, byteorder: str, steps: int = 1 << 62) -> None:
        self.btf, self.plain, self.order = btf, plain, byteorder
        self.steps, self.depth = steps, 0

    def _int(self, data: bytes, off: int, size: int, signed: bool = False) -> int:
        return int.from_bytes(data[off:off + size].ljust(size, b"\0"), self.order, signed=signed)

    def do_type(self, type_id: int, bit_offset: int, data: bytes, off: int):
        self.steps -= 1
        if self.steps < 0:
            raise _Stop(Raw("(value-too-large)"))
        if self.depth >= MAX_DEPTH:
            raise _Stop(Raw("(nested-too-deep)"))
        self.depth += 1
        try:
            return self._do_type(type_id, bit_offset, data, off)
        finally:
            self.depth -= 1

    def _do_type(self, type_id: int, bit_offset: int, data: bytes, off: int):
        t = self.btf.type(type_id) if type_id else None
        kind = t.kind if t is not None else Kind.UNKN
        if kind == Kind.INT:
            return self.int_(t, bit_offset, data, off)
        if kind in (Kind.STRUCT, Kind.UNION):
            return self.struct(t, data, off)
        if kind == Kind.ARRAY:
            return self.array(t, data, off)
        if kind == Kind.ENUM:
            return self.enum(t, data, off)
        if kind == Kind.ENUM64:
            return self.enum64(t, data, off)
        if kind == Kind.PTR:
            value = self._int(data, off, 8)
            # bpftool 7.1 prints "%p" bare (newer bpftool quotes it: "\"%p\"")
            return Raw("(nil)" if not value else f"{value:#x}") if self.plain else value
        if kind == Kind.UNKN:
            return Raw("(unknown)")
        if kind == Kind.FWD:
            raise _Stop(Raw("(fwd-kind-invalid)"))
        if kind in (Kind.TYPEDEF, Kind.VOLATILE, Kind.CONST, Kind.RESTRICT):
            return self.do_type(self.resolve(type_id), bit_offset, data, off)
        if kind == Kind.VAR:
            return Obj(((t.name, self.do_type(t.type, bit_offset, data, off)),))
        if kind == Kind.DATASEC:
            return self.datasec(t, data, off)
        raise _Stop(Raw("(unsupported-kind)"))

    def resolve(self, type_id: int) -> int:
        """libbpf ``btf__resolve_type``: through typedefs, modifiers and vars."""
        for _ in range(64):
            if type_id == 0:  # a typedef or modifier of void: libbpf stops there too
                return 0
            t = self.btf.type(type_id)
            if t.kind not in _MOD_KINDS:
                return type_id
            type_id = t.type
        raise BpfDoctorError(f"BTF type {type_id}: modifier chain too long")

    # -- scalars --------------------------------------------------------------------
    def int_(self, t, bit_offset: int, data: bytes, off: int):
        ii = t.int_info
        bits = ii.bits
        if bit_offset or ii.bit_offset or bits % 8:
            return self.int_bits(ii, bit_offset, data, off)
        if bits == 128:
            return self.hex128(self._int(data, off, 16))
        enc = ii.encoding
        if enc == IntEncoding.NONE or enc == IntEncoding.SIGNED:
            if bits not in (8, 16, 32, 64):
                return self.int_bits(ii, bit_offset, data, off)
            return self._int(data, off, bits // 8, signed=enc == IntEncoding.SIGNED)
        if enc == IntEncoding.CHAR:
            c = data[off] if off < len(data) else 0
            if 0x20 <= c < 0x7F:
                return Raw(f'"{chr(c)}"') if self.plain else chr(c)
            return Raw(f"0x{c:x}") if self.plain else chr(c)
        if enc == IntEncoding.BOOL:
            return bool(data[off] if off < len(data) else 0)
        raise _Stop(Raw(""))

    def int_bits(self, ii, bit_offset: int, data: bytes, off: int):
        total = bit_offset + ii.bit_offset
        return self.bitfield(ii.bits, total % 8, data, off + total // 8)

    def bitfield(self, nbits: int, bit_offset: int, data: bytes, off: int):
        """btf_dumper_bitfield: ``nbits`` bits from ``bit_offset`` of the bytes at ``off``."""
        nbytes = (bit_offset + nbits + 7) // 8
        chunk = data[off:off + nbytes].ljust(nbytes, b"\0")
        if self.order == "little":
            value = int.from_bytes(chunk, "little") >> bit_offset
        else:
            value = int.from_bytes(chunk, "big") >> (nbytes * 8 - bit_offset - nbits)
        return self.hex128(value & ((1 << nbits) - 1))

    def hex128(self, value: int):
        text = f"{value:#x}"
        return Raw(text) if self.plain else text

    def enum(self, t, data: bytes, off: int):
        if t.size not in (1, 2, 4, 8):
            raise _Stop(Raw(""))
        value = self._int(data, off, t.size, signed=True)
        for e in t.values:
            # bpftool compares with the enumerator's __s32 ``val``
            ev = e.value & 0xFFFFFFFF
            if (ev ^ 0x80000000) - 0x80000000 == value:
                return e.name
        return value

    def enum64(self, t, data: bytes, off: int):
        value = self._int(data, off, 8)
        for e in t.values:
            if e.value & (2**64 - 1) == value:
                return e.name
        return value - 2**64 if value >= 2**63 else value  # jsonw_int(__s64)

    # -- aggregates ------------------------------------------------------------------
    def array(self, t, data: bytes, off: int):
        a = t.array
        s = self.str_array(a, data, off)
        if s is not None:
            return s
        elem = resolve_size(self.btf, a.type)
        out: list = []
        for i in range(a.nelems):
            try:
                out.append(self.do_type(a.type, 0, data, off + i * elem))
            except _Stop as st:
                out.append(st.partial)
                raise _Stop(out) from None
        return out

    def str_array(self, a, data: bytes, off: int) -> str | None:
        """btf_dumper.c ``is_str_array``: a char[] holding a printable C string."""
        if not a.nelems:
            return None
        # Modifiers looked through, not typedefs (bpftool's is_str_array does
        # not); skip_mods stops a cycle, where bpftool's loop never ends.
        tid = skip_mods(self.btf, a.type, typedefs=False)
        et = self.btf.type(tid) if tid else None
        if et is None or et.kind != Kind.INT or et.size != 1:
            return None
        if et.int_info.encoding != IntEncoding.CHAR and et.name != "char":
            return None
        raw = data[off:off + a.nelems]
        for i, c in enumerate(raw):
            if c == 0:
                return raw[:i].decode("ascii")
            if c <= 0x1F or c >= 0x7F:
                return None
        return None

    def struct(self, t, data: bytes, off: int):
        items: list[tuple[str, object]] = []
        for m in t.members:
            where = off + m.bit_offset // 8
            try:
                if m.bitfield_size:
                    v = self.bitfield(m.bitfield_size, m.bit_offset % 8, data, where)
                else:
                    v = self.do_type(m.type, m.bit_offset % 8, data, where)
            except _Stop as st:
                items.append((m.name, st.partial))
                raise _Stop(Obj(tuple(items))) from None
            items.append((m.name, v))
        return Obj(tuple(items))

    def datasec(self, t, data: bytes, off: int):
        out: list = []
        for vs in t.vars:
            try:
                out.append(self.do_type(vs.type, 0, data, off + vs.offset))
            except _Stop as st:
                out.append(st.partial)
                raise _Stop(Obj(((t.name, out),))) from None
        return Obj(((t.name, out),))


def to_python(value):
    """The tree as plain JSON values (``Raw`` kept as text; for our --json)."""
    if isinstance(value, Obj):
        return {k: to_python(v) for k, v in value.items}
    if isinstance(value, list):
        return [to_python(v) for v in value]
    if isinstance(value, Raw):
        return str(value)
    return value
