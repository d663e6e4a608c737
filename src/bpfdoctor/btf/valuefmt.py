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
    steps = STEPS_BASE + STEPS_PER_BYTE * len(data)
    plan = _plan(btf, type_id, plain, byteorder)
    if plan is not None and plan[1] <= steps:
        return plan[0](data, 0)
    f = _Formatter(btf, plain, byteorder, steps=steps)
    try:
        return f.do_type(type_id, 0, data, 0)
    except _Stop as s:
        return s.partial


# -- plans: the same trees, compiled once per type ------------------------------------
#
# A map dump formats thousands of values of one type.  The walk above looks up
# each type, its kind and its members again for every value; a plan does that
# once per type and keeps a closure per node, which makes the same tree.  Only
# types whose walk cannot stop early get one: no kind the walk stops at (FWD,
# TYPE_TAG, DATASEC, odd INT encodings or enum sizes), no size or modifier
# chain that raises, nesting under MAX_DEPTH; and a plan is used only when its
# node count (the walk's do_type calls, an upper bound) fits the value's step
# budget.  Everything else takes the walk, which stays the reference.

# Compiling a plan costs about two walks of the same value, so a type's first
# values take the walk: a plan pays off only for the many values of a dump.
PLAN_AFTER = 2


def _plan(btf, type_id: int, plain: bool, order: str):
    """The plan for formatting ``type_id`` in this mode, once it has been asked
    for PLAN_AFTER times (the walk's uses counted in its cache slot); or None."""
    cache = btf.__dict__.setdefault("_value_plans", {})
    key = (type_id, plain, order)
    got = cache.get(key, 0)
    if got.__class__ is int:
        if got < PLAN_AFTER:
            cache[key] = got + 1
            return None
        got = cache[key] = compile_plan(btf, type_id, plain, order)
    return got


def compile_plan(btf, type_id: int, plain: bool, order: str = "little"):
    """(fn(data, off) -> the walk's tree, do_type calls, nesting) for ``type_id``,
    or None when the walk must do it (see above)."""
    try:
        return _Planner(btf, plain, order).node(type_id, 0, 0)
    except (BpfDoctorError, ValueError, KeyError, IndexError, RecursionError):
        return None


def _unpack(size: int, signed: bool, order: str):
    """``_Formatter._int`` for a fixed size, as a closure over its constants."""
    from_bytes = int.from_bytes
    zero = b"\0" * size

    def read(data: bytes, off: int) -> int:
        chunk = data[off:off + size]
        if len(chunk) != size:
            chunk = chunk + zero[len(chunk):]
        return from_bytes(chunk, order, signed=signed)
    return read


class _Planner:
    """(fn(data, off) -> tree, do_type calls, nesting) for a type, or None."""

    def __init__(self, btf, plain: bool, order: str) -> None:
        self.btf, self.plain, self.order = btf, plain, order
        self.fmt = _Formatter(btf, plain, order)  # for the rare pieces it already has
        # (type, bit offset) -> its plan, or (None, the least depth it failed at).
        # A type used by many members is compiled once: without this a fuzzed
        # 12 KB BTF (structs of 100 members of structs of 100...) took 17 GB.
        self.memo: dict[tuple[int, int], tuple] = {}

    def node(self, type_id: int, bit_offset: int, depth: int):
        key = (type_id, bit_offset)
        got = self.memo.get(key)
        if got is not None:
            if got[0] is not None:  # a plan of height got[2]: its deepest node must be under the bound
                return got if depth + got[2] - 1 < MAX_DEPTH else None
            if depth >= got[1]:
                return None
        plan = self._node(type_id, bit_offset, depth)
        self.memo[key] = plan if plan is not None else (None, depth)
        return plan

    def _node(self, type_id: int, bit_offset: int, depth: int):
        if depth >= MAX_DEPTH:
            return None
        if type_id == 0:
            unknown = Raw("(unknown)")
            return (lambda data, off: unknown), 1, 1
        t = self.btf.type(type_id)
        kind = t.kind
        if kind == Kind.INT:
            fn = self.int_(t, bit_offset)
            return (fn, 1, 1) if fn is not None else None
        if kind in (Kind.STRUCT, Kind.UNION):
            return self.struct(t, depth)
        if kind == Kind.ARRAY:
            return self.array(t, depth)
        if kind in (Kind.ENUM, Kind.ENUM64):
            fn = self.enum(t)
            return (fn, 1, 1) if fn is not None else None
        if kind == Kind.PTR:
            read = _unpack(8, False, self.order)
            if self.plain:
                nil = Raw("(nil)")
                return (lambda data, off: Raw(f"{v:#x}") if (v := read(data, off)) else nil), 1, 1
            return read, 1, 1
        if kind in (Kind.TYPEDEF, Kind.VOLATILE, Kind.CONST, Kind.RESTRICT):
            inner = self.node(self.fmt.resolve(type_id), bit_offset, depth + 1)
            return None if inner is None else (inner[0], inner[1] + 1, inner[2] + 1)
        if kind == Kind.VAR:
            inner = self.node(t.type, bit_offset, depth + 1)
            if inner is None:
                return None
            name, fn = t.name, inner[0]
            return (lambda data, off: Obj(((name, fn(data, off)),))), inner[1] + 1, inner[2] + 1
        return None  # FWD, TYPE_TAG, DATASEC, FUNC...: the walk stops or is rare

    def int_(self, t, bit_offset: int):
        ii = t.int_info
        bits = ii.bits
        hexed = (lambda v: Raw(f"{v:#x}")) if self.plain else (lambda v: f"{v:#x}")
        fmt = self.fmt
        if bit_offset or ii.bit_offset or bits % 8:
            total = bit_offset + ii.bit_offset
            shift, skip = total % 8, total // 8
            return lambda data, off: fmt.bitfield(bits, shift, data, off + skip)
        if bits == 128:
            read = _unpack(16, False, self.order)
            return lambda data, off: hexed(read(data, off))
        enc = ii.encoding
        if enc == IntEncoding.NONE or enc == IntEncoding.SIGNED:
            if bits not in (8, 16, 32, 64):
                return lambda data, off: fmt.bitfield(bits, 0, data, off)
            return _unpack(bits // 8, enc == IntEncoding.SIGNED, self.order)
        if enc == IntEncoding.CHAR:
            plain = self.plain

            def char(data: bytes, off: int):
                c = data[off] if off < len(data) else 0
                if 0x20 <= c < 0x7F:
                    return Raw(f'"{chr(c)}"') if plain else chr(c)
                return Raw(f"0x{c:x}") if plain else chr(c)
            return char
        if enc == IntEncoding.BOOL:
            return lambda data, off: bool(data[off] if off < len(data) else 0)
        return None

    def enum(self, t):
        if t.kind == Kind.ENUM:
            if t.size not in (1, 2, 4, 8):
                return None
            names: dict[int, str] = {}
            for e in t.values:  # the first enumerator with the value wins, as in the walk
                ev = e.value & 0xFFFFFFFF
                names.setdefault((ev ^ 0x80000000) - 0x80000000, e.name)
            read = _unpack(t.size, True, self.order)
            return lambda data, off: names.get(v := read(data, off), v)
        names64: dict[int, str] = {}
        for e in t.values:
            names64.setdefault(e.value & (2**64 - 1), e.name)
        read = _unpack(8, False, self.order)

        def enum64(data: bytes, off: int):
            v = read(data, off)
            name = names64.get(v)
            if name is not None:
                return name
            return v - 2**64 if v >= 2**63 else v
        return enum64

    def struct(self, t, depth: int):
        parts = []
        nodes, deepest = 1, 0
        fmt = self.fmt
        for m in t.members:
            delta = m.bit_offset // 8
            if m.bitfield_size:
                size, shift = m.bitfield_size, m.bit_offset % 8
                parts.append((m.name, (lambda data, off, size=size, shift=shift:
                                       fmt.bitfield(size, shift, data, off)), delta))
                continue
            inner = self.node(m.type, m.bit_offset % 8, depth + 1)
            if inner is None:
                return None
            parts.append((m.name, inner[0], delta))
            nodes += inner[1]
            deepest = max(deepest, inner[2])
        parts = tuple(parts)
        return (lambda data, off: Obj(tuple([(name, fn(data, off + delta))
                                             for name, fn, delta in parts]))), nodes, deepest + 1

    def array(self, t, depth: int):
        a = t.array
        fmt = self.fmt
        # is_str_array's static half: the element is a char (modifiers, not typedefs, skipped)
        tid = skip_mods(self.btf, a.type, typedefs=False) if a.nelems else 0
        et = self.btf.type(tid) if tid else None
        chars = (et is not None and et.kind == Kind.INT and et.size == 1
                 and (et.int_info.encoding == IntEncoding.CHAR or et.name == "char"))
        n = a.nelems
        elem = resolve_size(self.btf, a.type)  # (the walk asks for it even with no elements)
        if n == 0:
            return (lambda data, off: []), 1, 1
        inner = self.node(a.type, 0, depth + 1)
        if inner is None:
            return None
        fn = inner[0]
        # (a range, not a list: an element of size 0 may repeat 2**32 times in
        # BTF that claims it; such a plan is never used, as it exceeds every budget)
        offsets = range(0, n * elem, elem) if elem else range(n)
        step = 1 if elem else 0

        def array(data: bytes, off: int):
            if chars:
                s = fmt.str_array(a, data, off)
                if s is not None:
                    return s
            return [fn(data, off + d * step) for d in offsets]
        return array, 1 + n * inner[1], inner[2] + 1


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
