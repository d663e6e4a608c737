"""Type queries over a ``Btf``: resolving typedefs and modifiers, sizes,
alignment, members (anonymous members searched through), bit offsets.

Every walk along type references is an iteration bounded by ``MAX_DEPTH``
(libbpf's MAX_RESOLVE_DEPTH in tools/lib/bpf/btf.c), so a reference cycle such
as a typedef naming itself raises ``ParseError`` instead of looping.
"""

from __future__ import annotations

from bpfdoctor.record import record

from bpfdoctor.btf.kinds import Kind
from bpfdoctor.btf.reader import Btf
from bpfdoctor.errors import NotFoundError

MAX_DEPTH = 32

_SKIP_MODS = frozenset({Kind.TYPEDEF, Kind.VOLATILE, Kind.CONST, Kind.RESTRICT, Kind.TYPE_TAG})
_SKIP_MODS_ONLY = frozenset({Kind.VOLATILE, Kind.CONST, Kind.RESTRICT, Kind.TYPE_TAG})
_SIZED = frozenset({Kind.INT, Kind.STRUCT, Kind.UNION, Kind.ENUM, Kind.ENUM64, Kind.DATASEC,
                    Kind.FLOAT})


def _cycle(btf: Btf, start: int, what: str):
    return btf.error(f"{what} from type [{start}] exceeds {MAX_DEPTH} steps (reference cycle?)")


def skip_mods(btf: Btf, type_id: int, *, typedefs: bool = True) -> int:
    """Follow const/volatile/restrict/type_tag (and typedefs) to the underlying id.

    libbpf relo_core.c ``skip_mods_and_typedefs``.
    """
    skip = _SKIP_MODS if typedefs else _SKIP_MODS_ONLY
    tid = type_id
    for _ in range(MAX_DEPTH):
        if tid == 0:
            return 0
        kind, _, _, ref = btf.header(tid)
        if kind not in skip:
            return tid
        tid = ref
    raise _cycle(btf, type_id, "resolving modifiers and typedefs")


def ptr_size(btf: Btf) -> int:
    """Pointer size of the BTF's target: the size of ``long`` (libbpf btf.c determine_ptr_size)."""
    cached = getattr(btf, "_ptr_size", None)
    if cached:
        return cached
    size = 8
    for name in ("long", "long int", "unsigned long", "long unsigned int", "unsigned long int"):
        # Only a 4- or 8-byte long counts, as in determine_ptr_size: a
        # malformed size (0 would divide by zero in the C dumper) is skipped.
        sizes = [btf.header(i)[3] for i in btf.find_ids(name, Kind.INT)]
        sizes = [s for s in sizes if s in (4, 8)]
        if sizes:
            size = sizes[0]
            break
    btf._ptr_size = size
    return size


def resolve_size(btf: Btf, type_id: int) -> int:
    """Size in bytes of ``type_id`` (libbpf ``btf__resolve_size``); arrays multiply."""
    nelems = 1
    tid = type_id
    for _ in range(MAX_DEPTH):
        if tid == 0:
            raise btf.error(f"type [{type_id}] resolves to void, which has no size")
        kind, _, _, ref = btf.header(tid)
        if kind in _SIZED:
            return nelems * ref
        if kind == Kind.PTR:
            return nelems * ptr_size(btf)
        if kind == Kind.ARRAY:
            words, w = btf.raw(tid)
            nelems *= words[w + 5]
            tid = words[w + 3]
        elif kind in _SKIP_MODS or kind in (Kind.VAR, Kind.DECL_TAG):
            tid = ref
        else:
            raise btf.error(f"type [{tid}] {Kind(kind).name} has no size")
    raise _cycle(btf, type_id, "resolving the size")


# Structs nested by value deeper than this are malformed (the kernel stops at
# MAX_DEPTH); the bound keeps the recursion through members far from Python's limit.
MAX_NEST = 256


def align_of(btf: Btf, type_id: int, _nest: int = 0) -> int:
    """Natural alignment, 0 when unknown (libbpf btf.c ``btf__align_of``); memoized."""
    if _nest > MAX_NEST:
        raise btf.error(f"type [{type_id}]: structs nest deeper than {MAX_NEST} levels")
    cache = _align_cache(btf)
    got = cache.get(type_id)
    if got is not None:
        return got
    chain = []
    tid = type_id
    for _ in range(MAX_DEPTH):
        if tid in cache:
            break
        chain.append(tid)
        kind, _, _, ref = btf.header(tid) if tid else (Kind.UNKN, 0, 0, 0)
        if kind in _ALIGN_THROUGH:
            tid = ref
        elif kind == Kind.ARRAY:
            words, w = btf.raw(tid)
            tid = words[w + 3]
        else:
            cache[tid] = _align_leaf(btf, tid, kind, ref, _nest)
            chain.pop()
            break
    else:
        raise _cycle(btf, type_id, "resolving the alignment")
    value = cache[tid]
    for t in chain:
        cache[t] = value
    return value


# Kinds whose alignment is their target's (arrays: their element's), as plain ints.
_ALIGN_THROUGH = frozenset(int(k) for k in (Kind.TYPEDEF, Kind.VOLATILE, Kind.CONST, Kind.RESTRICT, Kind.TYPE_TAG))
_SCALARS = frozenset(int(k) for k in (Kind.INT, Kind.ENUM, Kind.ENUM64, Kind.FLOAT))


def _align_cache(btf: Btf) -> dict[int, int]:
    cache = btf.__dict__.get("_align_cache")
    if cache is None:
        cache = btf.__dict__["_align_cache"] = {}
    return cache


def _align_leaf(btf: Btf, tid: int, kind: int, size: int, nest: int = 0) -> int:
    if kind in _SCALARS:
        return min(ptr_size(btf), size)
    if kind == Kind.PTR:
        return ptr_size(btf)
    if kind != Kind.STRUCT and kind != Kind.UNION:
        return 0
    cache = _align_cache(btf)
    cache[tid] = 1  # provisional: breaks by-value cycles (invalid BTF)
    words, w = btf.raw(tid)  # the packed members: no record needed
    info = words[w + 1]
    kflag = info >> 31
    max_align = 1
    inner = nest + 1
    for j in range(w + 3, w + 3 + 3 * (info & 0xFFFF), 3):
        member_type = words[j + 1]
        align = cache.get(member_type)
        if align is None or inner > MAX_NEST:  # (align_of raises past MAX_NEST, cached or not)
            align = align_of(btf, member_type, inner)
        if align <= 0:
            return 0
        if align > max_align:
            max_align = align
        # A member its type cannot sit at means the struct is packed.
        off = words[j + 2]
        if kflag:  # bitfield size in the top 8 bits (uapi btf.h)
            if not off >> 24 and (off & 0xFFFFFF) % (8 * align):
                return 1
        elif off % (8 * align):
            return 1
    return 1 if size % max_align else max_align


@record
class FieldLocation:
    """Where a (possibly nested) member lives inside a root type.

    ``path`` is the member index at each step (CO-RE's access string without the
    leading array index), through anonymous members too.
    """

    bit_offset: int
    bitfield_size: int
    type: int
    path: tuple[int, ...]

    @property
    def byte_offset(self) -> int:
        return self.bit_offset // 8


def find_member(btf: Btf, type_id: int, name: str, _depth: int = 0,
                _memo: dict | None = None) -> FieldLocation | None:
    """Member ``name`` of struct/union ``type_id``, searching anonymous members.

    An anonymous member's type is searched once per depth (``_memo``): a
    type nested twice in each of its parents would otherwise cost 2**depth
    steps.
    """
    if _depth > MAX_DEPTH:
        raise _cycle(btf, type_id, "searching anonymous members")
    if _memo is None:
        _memo = {}
    t = btf.type(skip_mods(btf, type_id))
    if t.kind not in (Kind.STRUCT, Kind.UNION):
        return None
    for i, m in enumerate(t.members):
        if m.name == name:
            return FieldLocation(m.bit_offset, m.bitfield_size, m.type, (i,))
        if not m.name:
            key = (m.type, _depth + 1)
            if key in _memo:
                inner = _memo[key]
            else:
                inner = _memo[key] = find_member(btf, m.type, name, _depth + 1, _memo)
            if inner is not None:
                return FieldLocation(m.bit_offset + inner.bit_offset, inner.bitfield_size, inner.type,
                                     (i,) + inner.path)
    return None


def member_offset(btf: Btf, type_id: int, path: str) -> FieldLocation:
    """Resolve ``a.b[2].c`` from ``type_id``: bit offset, bitfield size, member type."""
    bit = 0
    bits = 0
    tid = type_id
    steps: list[int] = []
    for part in _split_path(path):
        if isinstance(part, int):
            arr = btf.type(skip_mods(btf, tid))
            if arr.kind != Kind.ARRAY:
                raise NotFoundError(f"{path!r}: [{part}] applied to a non-array {arr.kind.name.lower()}")
            tid = arr.array.type
            bit += part * 8 * resolve_size(btf, tid)
            steps.append(part)
            continue
        loc = find_member(btf, tid, part)
        if loc is None:
            raise NotFoundError(f"{btf.name(skip_mods(btf, tid)) or '(anon)'} has no member {part!r}")
        bit += loc.bit_offset
        bits = loc.bitfield_size
        tid = loc.type
        steps.extend(loc.path)
    return FieldLocation(bit, bits, tid, tuple(steps))


def _split_path(path: str):
    for chunk in path.replace("[", ".[").split("."):
        if not chunk:
            continue
        if chunk.startswith("["):
            yield int(chunk.strip("[]"), 0)
        else:
            yield chunk


def type_name(btf: Btf, type_id: int) -> str:
    """A short C-like name: ``struct task_struct *``, ``const char[16]``, ``int (*)(void)``."""
    suffix = ""
    prefix = ""
    tid = type_id
    for _ in range(MAX_DEPTH):
        if tid == 0:
            return f"{prefix}void{suffix}"
        t = btf.type(tid)
        k = t.kind
        if k == Kind.PTR:
            suffix = " *" + suffix if not suffix.startswith(" *") else " *" + suffix.lstrip()
            tid = t.type
        elif k in (Kind.CONST, Kind.VOLATILE, Kind.RESTRICT):
            prefix += f"{k.name.lower()} "
            tid = t.type
        elif k == Kind.TYPE_TAG:
            tid = t.type
        elif k == Kind.ARRAY:
            suffix = f"{suffix}[{t.array.nelems}]"
            tid = t.array.type
        elif k in (Kind.STRUCT, Kind.UNION, Kind.ENUM, Kind.ENUM64, Kind.FWD):
            tag = {Kind.FWD: "union" if t.kflag else "struct", Kind.ENUM64: "enum"}.get(k, k.name.lower())
            return f"{prefix}{tag} {t.name or '(anon)'}{suffix}"
        elif k == Kind.FUNC_PROTO:
            return f"{prefix}{type_name(btf, t.type)} (*)(...){suffix.replace(' *', '', 1)}"
        else:
            return f"{prefix}{t.name or '(anon)'}{suffix}"
    raise _cycle(btf, type_id, "naming the type")
