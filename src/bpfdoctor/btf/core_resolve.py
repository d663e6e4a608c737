"""Match a local CO-RE spec against target candidates and compute the value
libbpf would patch in (relo_core.c ``bpf_core_spec_match``,
``bpf_core_match_member``, ``bpf_core_calc_relo``, ``bpf_core_calc_relo_insn``).
"""

from __future__ import annotations

from bpfdoctor.btf.core import (CoreResult, _Poison, fields_are_compat, find_candidates,
                                types_are_compat, types_match, _U64)
from bpfdoctor.btf.core_spec import (SPEC_MAX_LEN, Accessor, CoreReloKind, Spec,
                                     essential_name_len, is_flex_array, parse_spec)
from bpfdoctor.btf.kinds import Kind
from bpfdoctor.btf.query import MAX_DEPTH, resolve_size, skip_mods
from bpfdoctor.btf.reader import Btf
from bpfdoctor.errors import ParseError


def _match_member(lb: Btf, lacc: Accessor, tb: Btf, tid: int, spec: Spec, depth: int = 0,
                  _failed: set | None = None):
    """Find the local member's namesake in target ``tid``, through anonymous members.

    Returns (matched, next target type id).  Mutates ``spec`` like libbpf does.
    libbpf searches an anonymous member's type again wherever it recurs (2**depth
    steps for types nested twice in each parent); here a search that failed
    and left ``spec`` as it found it is not repeated at the same depth and
    spec length (``_failed``, for one top-level call).
    """
    if _failed is None:
        _failed = set()
    if depth > MAX_DEPTH:
        raise tb.error("CO-RE member search too deep")
    lmember = lb.type(lacc.type_id).members[lacc.idx]
    tid = skip_mods(tb, tid)
    tt = tb.type(tid) if tid else None
    if tt is None or tt.kind not in (Kind.STRUCT, Kind.UNION):
        return False, tid
    for i, m in enumerate(tt.members):
        if len(spec.raw) == SPEC_MAX_LEN:
            raise tb.error("CO-RE spec too long")
        spec.bit_offset += m.bit_offset
        spec.raw.append(i)
        if not m.name:
            key = (m.type, depth + 1, len(spec.raw))  # (the spec's length decides "too long")
            if key not in _failed:
                mark = (len(spec.raw), spec.bit_offset, len(spec.accessors))
                found, nxt = _match_member(lb, lacc, tb, m.type, spec, depth + 1, _failed)
                if found:
                    return True, nxt
                if (len(spec.raw), spec.bit_offset, len(spec.accessors)) == mark:
                    _failed.add(key)
        elif m.name == lmember.name:
            if fields_are_compat(lb, lmember.type, tb, m.type):
                spec.accessors.append(Accessor(tid, i, m.name))
                return True, m.type
            return False, m.type
        spec.bit_offset -= m.bit_offset
        spec.raw.pop()
    return False, tid


def spec_match(local: Spec, tb: Btf, targ_id: int) -> Spec | None:
    """The target spec if candidate ``targ_id`` matches ``local``, else None."""
    spec = Spec(tb, targ_id, local.kind)
    lb = local.btf
    if local.kind.is_type_based:
        if local.kind == CoreReloKind.TYPE_MATCHES:
            ok = types_match(lb, local.root_type_id, tb, targ_id)
        else:
            ok = types_are_compat(lb, local.root_type_id, tb, targ_id)
        return spec if ok else None
    if local.kind.is_enumval_based:
        tid = skip_mods(tb, targ_id)
        t = tb.type(tid)
        if t.kind not in (Kind.ENUM, Kind.ENUM64):
            return None
        lname = local.accessors[0].name
        n = essential_name_len(lname)
        for i, v in enumerate(t.values):
            if essential_name_len(v.name) == n and v.name[:n] == lname[:n]:
                spec.accessors.append(Accessor(tid, i, v.name))
                spec.raw.append(i)
                return spec
        return None
    tid = targ_id
    for i, lacc in enumerate(local.accessors):
        tid = skip_mods(tb, tid)
        if i > 0:
            if lacc.name:
                found, tid = _match_member(lb, lacc, tb, tid, spec)
                if not found:
                    return None
                continue
            tid = skip_mods(tb, tid)
            tt = tb.type(tid) if tid else None
            if tt is None or tt.kind != Kind.ARRAY:
                return None
            flex = is_flex_array(tb, spec.accessors[-1] if spec.accessors else None, tt.array.nelems)
            if not flex and lacc.idx >= tt.array.nelems:
                return None
            tid = skip_mods(tb, tt.array.type)
        if len(spec.raw) == SPEC_MAX_LEN:
            raise tb.error("CO-RE spec too long")
        spec.accessors.append(Accessor(tid, lacc.idx, None))
        spec.raw.append(lacc.idx)
        spec.bit_offset += lacc.idx * resolve_size(tb, tid) * 8
    return spec


def _field_value(kind: CoreReloKind, spec: Spec | None, little_endian: bool):
    """(value, memory size, field type id, validate) per relo_core.c bpf_core_calc_field_relo."""
    if kind == CoreReloKind.FIELD_EXISTS:
        return (1 if spec else 0), 0, 0, True
    if spec is None:
        raise _Poison
    btf = spec.btf
    acc = spec.accessors[-1]
    if not acc.name:
        if kind == CoreReloKind.FIELD_BYTE_OFFSET:
            return spec.bit_offset // 8, resolve_size(btf, acc.type_id), acc.type_id, True
        if kind == CoreReloKind.FIELD_BYTE_SIZE:
            return resolve_size(btf, acc.type_id), 0, 0, True
        raise ValueError(f"{kind.libbpf_name} relocation cannot apply to an array element")
    t = btf.type(acc.type_id)
    m = t.members[acc.idx]
    ftid = skip_mods(btf, m.type)
    mt = btf.type(ftid) if ftid else None
    bit_off = spec.bit_offset
    bit_sz = m.bitfield_size
    bitfield = bit_sz > 0
    if bitfield:
        byte_sz = getattr(mt, "size", None)
        if not isinstance(byte_sz, int) or byte_sz <= 0:
            # libbpf reads mt->size whatever the kind (a type id for a
            # pointer) and divides by it; a bitfield needs a sized type
            raise ValueError("bitfield member whose type has no size")
        byte_off = bit_off // 8 // byte_sz * byte_sz
        while bit_off + bit_sz - byte_off * 8 > byte_sz * 8:
            if byte_sz >= 8:
                raise ValueError("bitfield cannot be read with a 64-bit load")
            byte_sz *= 2
            byte_off = bit_off // 8 // byte_sz * byte_sz
    else:
        byte_sz = resolve_size(btf, ftid)
        byte_off = bit_off // 8
        bit_sz = byte_sz * 8
    validate = not bitfield
    if kind == CoreReloKind.FIELD_BYTE_OFFSET:
        return byte_off, (0 if bitfield else byte_sz), (0 if bitfield else ftid), validate
    if kind == CoreReloKind.FIELD_BYTE_SIZE:
        return byte_sz, 0, 0, validate
    if kind == CoreReloKind.FIELD_SIGNED:
        signed = (mt is not None and ((mt.kind in (Kind.ENUM, Kind.ENUM64) and mt.kflag)
                                      or (mt.kind == Kind.INT and bool(mt.int_info.encoding & 1))))
        return int(signed), 0, 0, True
    if kind == CoreReloKind.FIELD_LSHIFT_U64:
        if little_endian:
            return 64 - (bit_off + bit_sz - byte_off * 8), 0, 0, validate
        return (8 - byte_sz) * 8 + (bit_off - byte_off * 8), 0, 0, validate
    if kind == CoreReloKind.FIELD_RSHIFT_U64:
        return 64 - bit_sz, 0, 0, True
    raise ValueError(f"unsupported relocation kind {int(kind)}")


def _type_value(kind: CoreReloKind, spec: Spec | None) -> int:
    if spec is None:
        return 0  # type-based relocations answer 0 when the type is missing
    if kind == CoreReloKind.TYPE_ID_TARGET:
        return spec.root_type_id
    if kind in (CoreReloKind.TYPE_EXISTS, CoreReloKind.TYPE_MATCHES):
        return 1
    if kind == CoreReloKind.TYPE_SIZE:
        return resolve_size(spec.btf, spec.root_type_id)
    raise ValueError(f"unsupported relocation kind {int(kind)}")


def _enum_value(kind: CoreReloKind, spec: Spec | None) -> int:
    if kind == CoreReloKind.ENUMVAL_EXISTS:
        return 1 if spec else 0
    if spec is None:
        raise _Poison
    acc = spec.accessors[0]
    # libbpf stores the s32/u64 enumerator in a u64: negative ENUM values sign-extend.
    return spec.btf.type(acc.type_id).values[acc.idx].value & _U64


def calc_value(kind: CoreReloKind, spec: Spec | None, little_endian: bool) -> int:
    """One side of bpf_core_calc_relo; raises _Poison for 'poison the instruction'."""
    if kind.is_field_based:
        return _field_value(kind, spec, little_endian)[0]
    if kind.is_type_based:
        return _type_value(kind, spec)
    return _enum_value(kind, spec)


def resolve_relocation(local: Btf, type_id: int, access: str, kind: int, target: Btf,
                       *, candidates: list[int] | None = None) -> CoreResult:
    """Resolve one CO-RE relocation of ``local`` against ``target`` as libbpf would.

    ``candidates`` overrides the name-based candidate search (target type ids).
    Malformed local specs raise ``ParseError``; resolution failures libbpf would
    refuse the object for (ambiguity, bitfields too wide) come back in ``error``.
    """
    kind = CoreReloKind(kind)
    spec = parse_spec(local, type_id, access, kind)
    le = target.little_endian
    if kind == CoreReloKind.TYPE_ID_LOCAL:
        # Needs no target: the id in the local BTF (bpf_core_calc_relo_insn).
        return CoreResult(kind, spec.format(), type_id, type_id, False, None, None, (), validate=False)
    try:
        local_value = calc_value(kind, spec, le)
    except _Poison:
        local_value = None
    except ValueError as e:
        return _failed(kind, spec, str(e))
    if not local.name(type_id):
        return _failed(kind, spec, "CO-RE relocations of anonymous types are not supported")
    cands = find_candidates(local, type_id, target) if candidates is None else list(candidates)
    chosen: Spec | None = None
    value: int | None = None
    matched: list[int] = []
    for cand in cands:
        cspec = spec_match(spec, target, cand)
        if cspec is None:
            continue
        try:
            cval = calc_value(kind, cspec, le)
        except _Poison:
            cval = None
        except ValueError as e:
            return _failed(kind, spec, str(e))
        if chosen is None:
            chosen, value = cspec, cval
        elif cspec.bit_offset != chosen.bit_offset:
            return _failed(kind, spec, f"field offset ambiguity: {chosen.bit_offset // 8} != "
                                       f"{cspec.bit_offset // 8} (candidates {matched + [cand]})")
        elif cval != value:
            return _failed(kind, spec, f"relocation decision ambiguity: {value} != {cval} "
                                       f"(candidates {matched + [cand]})")
        matched.append(cand)
    if chosen is None:
        try:
            value = calc_value(kind, None, le)
        except _Poison:
            value = None
    local_size, size, resize_ok = _mem_sizes(kind, spec, chosen, le)
    return CoreResult(kind=kind, local_spec=spec.format(), local_value=local_value, value=value,
                      poison=value is None, target_spec=chosen.format() if chosen else None,
                      target_type_id=chosen.root_type_id if chosen else None,
                      candidates=tuple(matched), validate=_validate(kind, spec, le),
                      local_size=local_size, size=size, resize_ok=resize_ok)


def _mem_sizes(kind: CoreReloKind, local: Spec, target: Spec | None, le: bool) -> tuple[int, int, bool]:
    """(orig_sz, new_sz, resize allowed) per relo_core.c bpf_core_calc_relo: a
    load/store may change width only between unsigned ints or pointers."""
    if kind != CoreReloKind.FIELD_BYTE_OFFSET or target is None:
        return 0, 0, True
    try:
        _, osz, otid, _ = _field_value(kind, local, le)
        _, nsz, ntid, _ = _field_value(kind, target, le)
    except (_Poison, ValueError):
        return 0, 0, True
    if osz == nsz:
        return osz, nsz, True
    ot = local.btf.type(otid) if otid else None
    nt = target.btf.type(ntid) if ntid else None
    if ot is None or nt is None:
        return osz, nsz, False
    if ot.kind == Kind.PTR and nt.kind == Kind.PTR:
        return osz, nsz, True
    unsigned = (ot.kind == Kind.INT and nt.kind == Kind.INT and not ot.int_info.encoding & 1
                and not nt.int_info.encoding & 1)
    return osz, nsz, unsigned


def _validate(kind: CoreReloKind, spec: Spec, little_endian: bool) -> bool:
    """Whether the loader should check the instruction holds the local value
    (bpf_core_calc_relo): field relocations take it from the local field
    (bpf_core_calc_field_relo: not for bitfields), target type ids never."""
    if kind.is_field_based:
        try:
            return _field_value(kind, spec, little_endian)[3]
        except (_Poison, ValueError):
            return True
    return kind != CoreReloKind.TYPE_ID_TARGET


def _failed(kind, spec: Spec, why: str) -> CoreResult:
    return CoreResult(kind, spec.format(), None, None, True, None, None, (), error=why)
