"""CO-RE access specs: parsing a relocation's access string against the local
BTF and rendering it the way libbpf logs it.

Follows libbpf tools/lib/bpf/relo_core.c: ``bpf_core_parse_spec``,
``bpf_core_format_spec``, ``bpf_core_essential_name_len``, ``is_flex_arr``.
"""

from __future__ import annotations

from bpfdoctor.record import field, record

from bpfdoctor.btf.kinds import Kind
from bpfdoctor.rawenum import KeepUnknown
from bpfdoctor.btf.query import resolve_size, skip_mods
from bpfdoctor.btf.reader import Btf
from bpfdoctor.errors import ParseError

SPEC_MAX_LEN = 64  # BPF_CORE_SPEC_MAX_LEN


class CoreReloKind(KeepUnknown):
    """``enum bpf_core_relo_kind`` (include/uapi/linux/bpf.h)."""

    FIELD_BYTE_OFFSET = 0
    FIELD_BYTE_SIZE = 1
    FIELD_EXISTS = 2
    FIELD_SIGNED = 3
    FIELD_LSHIFT_U64 = 4
    FIELD_RSHIFT_U64 = 5
    TYPE_ID_LOCAL = 6
    TYPE_ID_TARGET = 7
    TYPE_EXISTS = 8
    TYPE_SIZE = 9
    ENUMVAL_EXISTS = 10
    ENUMVAL_VALUE = 11
    TYPE_MATCHES = 12

    @property
    def libbpf_name(self) -> str:
        """The short name libbpf prints (relo_core.c ``core_relo_kind_str``)."""
        return _KIND_STR.get(int(self), "unknown")

    @property
    def is_field_based(self) -> bool:
        return 0 <= self <= 5

    @property
    def is_type_based(self) -> bool:
        return self in (6, 7, 8, 9, 12)

    @property
    def is_enumval_based(self) -> bool:
        return self in (10, 11)


_KIND_STR = {0: "byte_off", 1: "byte_sz", 2: "field_exists", 3: "signed", 4: "lshift_u64",
             5: "rshift_u64", 6: "local_type_id", 7: "target_type_id", 8: "type_exists",
             9: "type_size", 10: "enumval_exists", 11: "enumval_value", 12: "type_matches"}

# libbpf btf_kind_str() names, used in rendered specs.
LIBBPF_KIND_STR = {0: "void", 1: "int", 2: "ptr", 3: "array", 4: "struct", 5: "union", 6: "enum",
                   7: "fwd", 8: "typedef", 9: "volatile", 10: "const", 11: "restrict", 12: "func",
                   13: "func_proto", 14: "var", 15: "datasec", 16: "float", 17: "decl_tag",
                   18: "type_tag", 19: "enum64"}


@record
class Accessor:
    """One step of a spec: a named member, an array index, or an enumerator."""

    type_id: int
    idx: int
    name: str | None


@record(frozen=False)
class Spec:
    """A parsed access spec against one BTF (mutable while being matched)."""

    btf: Btf
    root_type_id: int
    kind: CoreReloKind
    accessors: list[Accessor] = field(default_factory=list)
    raw: list[int] = field(default_factory=list)
    bit_offset: int = 0

    def format(self) -> str:
        return format_spec(self)


def essential_name_len(name: str) -> int:
    """Length of ``name`` without a ``___flavor`` suffix (relo_core.c bpf_core_essential_name_len)."""
    n = len(name)
    for i in range(n - 5, -1, -1):
        if name[i] != "_" and name[i + 1:i + 4] == "___" and name[i + 4] != "_":
            return i + 1
    return n


def essential_name(name: str) -> str:
    return name[:essential_name_len(name)]


def is_flex_array(btf: Btf, parent: Accessor | None, nelems: int) -> bool:
    """An array with 0 elements that is the last member of its struct (relo_core.c is_flex_arr)."""
    if parent is None or not parent.name or nelems > 0:
        return False
    return parent.idx == btf.header(parent.type_id)[1] - 1


def _bad(btf: Btf, problem: str) -> ParseError:
    return ParseError(btf.path, f"CO-RE relocation: {problem}", section=".BTF.ext")


def parse_raw_access(btf: Btf, access: str) -> list[int]:
    parts = access.split(":")
    # ASCII digits: str.isdigit also takes "²", which int() refuses, and
    # int() refuses more than 4,300 digits (libbpf reads each with %d)
    if not access or len(parts) > SPEC_MAX_LEN or not all(
            p.isascii() and p.isdigit() and len(p.lstrip("0")) <= 10 for p in parts):
        raise _bad(btf, f"bad access string {access!r}")
    return [int(p) for p in parts]


def parse_spec(btf: Btf, type_id: int, access: str, kind: CoreReloKind) -> Spec:
    """Parse ``access`` (e.g. ``0:1:3``) from ``type_id`` (relo_core.c bpf_core_parse_spec)."""
    kind = CoreReloKind(kind)
    raw = parse_raw_access(btf, access)
    spec = Spec(btf, type_id, kind, raw=raw)
    if kind.is_type_based:
        if raw != [0]:
            raise _bad(btf, f"type-based relocation with access string {access!r} (must be '0')")
        return spec
    if not 0 < type_id < btf.type_count:
        raise _bad(btf, f"type id {type_id} out of range")
    tid = skip_mods(btf, type_id)
    t = btf.type(tid)
    if kind.is_enumval_based:
        if t.kind not in (Kind.ENUM, Kind.ENUM64) or len(raw) != 1 or raw[0] >= t.vlen:
            raise _bad(btf, f"enum value relocation on [{type_id}] with access {access!r}")
        spec.accessors.append(Accessor(tid, raw[0], t.values[raw[0]].name))
        return spec
    if not kind.is_field_based:
        raise _bad(btf, f"unknown relocation kind {int(kind)}")
    _walk_field_spec(btf, spec, tid, raw)
    return spec


def _walk_field_spec(btf: Btf, spec: Spec, tid: int, raw: list[int]) -> None:
    spec.accessors.append(Accessor(tid, raw[0], None))
    spec.bit_offset = raw[0] * resolve_size(btf, tid) * 8
    for idx in raw[1:]:
        tid = skip_mods(btf, tid)
        t = btf.type(tid)
        if t.kind in (Kind.STRUCT, Kind.UNION):
            if idx >= t.vlen:
                raise _bad(btf, f"member index {idx} out of range for [{tid}] ({t.vlen} members)")
            m = t.members[idx]
            spec.bit_offset += m.bit_offset
            if m.name:
                spec.accessors.append(Accessor(tid, idx, m.name))
            tid = m.type
        elif t.kind == Kind.ARRAY:
            flex = is_flex_array(btf, spec.accessors[-1], t.array.nelems)
            if not flex and idx >= t.array.nelems:
                raise _bad(btf, f"array index {idx} out of range for [{tid}] ({t.array.nelems} elements)")
            # libbpf records the element type on an array accessor (relo_core.c
            # bpf_core_parse_spec): its size is what a load of the element reads.
            tid = skip_mods(btf, t.array.type)
            spec.accessors.append(Accessor(tid, idx, None))
            spec.bit_offset += idx * resolve_size(btf, tid) * 8
        else:
            raise _bad(btf, f"access {':'.join(map(str, raw))} from [{spec.root_type_id}] reaches "
                            f"[{tid}] of kind {t.kind.name}, which has no members or elements")


def format_spec(spec: Spec) -> str:
    """libbpf's rendering: ``<byte_off> [7] struct task_struct.pid (0:1 @ offset 4)``."""
    btf = spec.btf
    root = spec.root_type_id
    kind = btf.kind(root) if 0 < root < btf.type_count else Kind.UNKN
    name = btf.name(root) if 0 < root < btf.type_count else ""
    text = f"<{spec.kind.libbpf_name}> [{root}] {LIBBPF_KIND_STR.get(int(kind), 'unknown')} {name or '<anon>'}"
    if spec.kind.is_type_based:
        return text
    if spec.kind.is_enumval_based:
        acc = spec.accessors[0]
        t = btf.type(acc.type_id)
        # libbpf prints the raw value unsigned (%u / %llu).
        val = t.values[acc.idx].value & (0xFFFFFFFF if t.kind == Kind.ENUM else (1 << 64) - 1)
        return f"{text}::{acc.name} = {val}"
    for i, acc in enumerate(spec.accessors):
        if acc.name:
            text += f".{acc.name}"
        elif i > 0 or acc.idx > 0:
            text += f"[{acc.idx}]"
    raw = ":".join(str(r) for r in spec.raw)
    off = spec.bit_offset
    at = f"{off // 8}.{off % 8}" if off % 8 else f"{off // 8}"
    return f"{text} ({raw} @ offset {at})"
