"""CO-RE relocation resolution against a target BTF (usually vmlinux).

A pure re-statement of libbpf's algorithm (tools/lib/bpf/relo_core.c:
``bpf_core_calc_relo_insn``, ``bpf_core_spec_match``, ``bpf_core_match_member``,
``bpf_core_fields_are_compat``, ``bpf_core_types_are_compat``,
``bpf_core_types_match``, ``bpf_core_calc_field_relo``; candidate search from
libbpf.c ``bpf_core_add_cands``).  ``resolve_relocation`` answers what libbpf
would patch into the instruction, or that it would poison it.
"""

from __future__ import annotations

from bpfdoctor.record import record

from bpfdoctor.btf.core_spec import (Accessor, CoreReloKind, Spec, essential_name_len,
                                     is_flex_array, parse_spec)
from bpfdoctor.btf.kinds import Kind
from bpfdoctor.btf.query import MAX_DEPTH, resolve_size, skip_mods
from bpfdoctor.btf.reader import Btf
from bpfdoctor.errors import ParseError

_U64 = (1 << 64) - 1


@record
class CoreResult:
    """What libbpf would do with one relocation.

    ``local_value`` is what the compiler baked in; ``value`` is the relocated
    one (None when the instruction would be poisoned).  ``target_spec`` is the
    libbpf-style rendering of the matched target, ``candidates`` the target ids
    that matched (all agree, or libbpf would have refused: ``error``).
    """

    kind: CoreReloKind
    local_spec: str
    local_value: int | None
    value: int | None
    poison: bool
    target_spec: str | None
    target_type_id: int | None
    candidates: tuple[int, ...]
    validate: bool = True
    error: str | None = None
    # Memory size of the field a load/store reads (byte_off relocations only;
    # relo_core.c res->orig_sz/new_sz), and whether libbpf may resize the load
    # when they differ (only unsigned ints and pointers: fail_memsz_adjust).
    local_size: int = 0
    size: int = 0
    resize_ok: bool = True

    @property
    def ok(self) -> bool:
        return self.error is None and not self.poison


class _Poison(Exception):
    """Internal: libbpf's -EUCLEAN, 'poison this instruction'."""


def _kind_compat(a: int, b: int) -> bool:
    """relo_core.c btf_kind_core_compat: same kind, or ENUM vs ENUM64."""
    return a == b or (a in (Kind.ENUM, Kind.ENUM64) and b in (Kind.ENUM, Kind.ENUM64))


def find_candidates(local: Btf, local_id: int, target: Btf) -> list[int]:
    """Target types whose essential name equals the local type's (libbpf.c bpf_core_add_cands)."""
    lkind, _, _, _ = local.header(local_id)
    lname = local.name(local_id)
    ess = lname[:essential_name_len(lname)]
    if not ess:
        return []
    found = []
    # The names whose essential part is ``ess``: ``ess`` itself and ``ess___*``
    # (a prefix search for ``ess`` alone returned every name starting with
    # it: 1,857 for "u" in vmlinux, each then looked up among 127,000 types).
    ids = sorted(target.find_ids(ess) + target.find_ids(ess + "___", prefix=True))
    for tid in ids:
        tkind = target.header(tid)[0]
        if not _kind_compat(tkind, lkind):
            continue
        tname = target.name(tid)
        if essential_name_len(tname) == len(ess) and tname.startswith(ess):
            found.append(tid)
    return found


def _names_match(ln: str, tn: str) -> bool:
    """relo_core.c bpf_core_names_match."""
    if not tn:
        return not ln
    n = essential_name_len(tn)
    return essential_name_len(ln) == n and ln[:n] == tn[:n]


def fields_are_compat(lb: Btf, lid: int, tb: Btf, tid: int) -> bool:
    """relo_core.c bpf_core_fields_are_compat."""
    for _ in range(MAX_DEPTH):
        lid, tid = skip_mods(lb, lid), skip_mods(tb, tid)
        lk, tk = lb.kind(lid), tb.kind(tid)
        if lk in (Kind.STRUCT, Kind.UNION) and tk in (Kind.STRUCT, Kind.UNION):
            return True
        if not _kind_compat(lk, tk):
            return False
        if lk in (Kind.PTR, Kind.FLOAT):
            return True
        if lk in (Kind.FWD, Kind.ENUM, Kind.ENUM64):
            ln, tn = lb.name(lid), tb.name(tid)
            la, ta = essential_name_len(ln), essential_name_len(tn)
            return la == 0 or ta == 0 or (la == ta and ln[:la] == tn[:ta])
        if lk == Kind.INT:
            return lb.type(lid).int_info.bit_offset == 0 and tb.type(tid).int_info.bit_offset == 0
        if lk == Kind.ARRAY:
            lid, tid = lb.type(lid).array.type, tb.type(tid).array.type
            continue
        return False
    raise lb.error("CO-RE field compatibility check too deep")


def types_are_compat(lb: Btf, lid: int, tb: Btf, tid: int, level: int = MAX_DEPTH,
                     _memo: dict | None = None) -> bool:
    """relo_core.c __bpf_core_types_are_compat.

    libbpf compares a pair again each time it is reached: prototypes whose
    parameters share types (two pointers to the next prototype, 30 levels)
    would take 2**30 comparisons.  The answers for (pair, level) are kept
    for the one top-level call, so it is linear; they are the same answers.
    """
    if _memo is None:
        _memo = {}
    key = (lid, tid, level)
    known = _memo.get(key)
    if known is None:
        known = _memo[key] = _types_are_compat(lb, lid, tb, tid, level, _memo)
    return known


def _types_are_compat(lb: Btf, lid: int, tb: Btf, tid: int, level: int, memo: dict) -> bool:
    if not _kind_compat(lb.kind(lid), tb.kind(tid)):
        return False
    for _ in range(MAX_DEPTH):
        lid, tid = skip_mods(lb, lid), skip_mods(tb, tid)
        lk, tk = lb.kind(lid), tb.kind(tid)
        if not _kind_compat(lk, tk):
            return False
        if lk in (Kind.UNKN, Kind.STRUCT, Kind.UNION, Kind.ENUM, Kind.FWD, Kind.ENUM64):
            return True
        if lk == Kind.INT:
            return lb.type(lid).int_info.bit_offset == 0 and tb.type(tid).int_info.bit_offset == 0
        if lk == Kind.PTR:
            lid, tid = lb.header(lid)[3], tb.header(tid)[3]
        elif lk == Kind.ARRAY:
            lid, tid = lb.type(lid).array.type, tb.type(tid).array.type
        elif lk == Kind.FUNC_PROTO:
            lt, tt = lb.type(lid), tb.type(tid)
            if lt.vlen != tt.vlen:
                return False
            if level <= 0:
                raise lb.error("CO-RE type compatibility check too deep")
            for lp, tp in zip(lt.params, tt.params):
                if not types_are_compat(lb, skip_mods(lb, lp.type), tb, skip_mods(tb, tp.type), level - 1,
                                        memo):
                    return False
            lid, tid = lt.type, tt.type
        else:
            return False
    raise lb.error("CO-RE type compatibility check too deep")


def types_match(lb: Btf, lid: int, tb: Btf, tid: int, behind_ptr: bool = False,
                level: int = MAX_DEPTH, _memo: dict | None = None) -> bool:
    """relo_core.c __bpf_core_types_match (the stricter TYPE_MATCHES rules),
    with each (pair, behind_ptr, level) answered once per top-level call, as
    in ``types_are_compat``."""
    if _memo is None:
        _memo = {}
    key = (lid, tid, behind_ptr, level)
    known = _memo.get(key)
    if known is None:
        known = _memo[key] = _types_match(lb, lid, tb, tid, behind_ptr, level, _memo)
    return known


def _types_match(lb: Btf, lid: int, tb: Btf, tid: int, behind_ptr: bool, level: int, memo: dict) -> bool:
    if level <= 0:
        raise lb.error("CO-RE type match too deep")
    for _ in range(MAX_DEPTH):
        lid, tid = skip_mods(lb, lid), skip_mods(tb, tid)
        lt = lb.type(lid) if lid else None
        tt = tb.type(tid) if tid else None
        if not _names_match(lt.name if lt else "", tt.name if tt else ""):
            return False
        lk = lt.kind if lt else Kind.UNKN
        tk = tt.kind if tt else Kind.UNKN
        if lk == Kind.UNKN:
            return tk == Kind.UNKN
        if lk == Kind.FWD:
            if behind_ptr and lk != tk:
                return (tk == Kind.STRUCT and not lt.kflag) or (tk == Kind.UNION and lt.kflag)
            return lk == tk and lt.kflag == tt.kflag
        if lk in (Kind.ENUM, Kind.ENUM64):
            return tk in (Kind.ENUM, Kind.ENUM64) and _enums_match(lt, tt)
        if lk in (Kind.STRUCT, Kind.UNION):
            if behind_ptr:
                return lk == tk or (tk == Kind.FWD and (lk == Kind.UNION) == tt.kflag)
            return lk == tk and _composites_match(lb, lt, tb, tt, behind_ptr, level, memo)
        if lk != tk:
            return False
        if lk == Kind.INT:
            ls = bool(lt.int_info.encoding & 1)
            ts = bool(tt.int_info.encoding & 1)
            return lt.size == tt.size and ls == ts
        if lk == Kind.PTR:
            behind_ptr = True
            lid, tid = lt.type, tt.type
        elif lk == Kind.ARRAY:
            if lt.array.nelems != tt.array.nelems:
                return False
            lid, tid = lt.array.type, tt.array.type
        elif lk == Kind.FUNC_PROTO:
            if lt.vlen != tt.vlen:
                return False
            for lp, tp in zip(lt.params, tt.params):
                if not types_match(lb, lp.type, tb, tp.type, behind_ptr, level - 1, memo):
                    return False
            lid, tid = lt.type, tt.type
        else:
            return False
    raise lb.error("CO-RE type match too deep")


def _enums_match(lt, tt) -> bool:
    if lt.size != tt.size or lt.vlen > tt.vlen:
        return False
    return all(any(_names_match(lv.name, tv.name) for tv in tt.values) for lv in lt.values)


def _composites_match(lb, lt, tb, tt, behind_ptr, level, memo) -> bool:
    if lt.vlen > tt.vlen:
        return False
    for lm in lt.members:
        if not any(_names_match(lm.name, tm.name)
                   and types_match(lb, lm.type, tb, tm.type, behind_ptr, level - 1, memo)
                   for tm in tt.members):
            return False
    return True
