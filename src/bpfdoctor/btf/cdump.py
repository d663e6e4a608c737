"""BTF to a compilable C header (the ``vmlinux.h`` use case).

A re-statement of libbpf's tools/lib/bpf/btf_dump.c: types are ordered by a
DFS that distinguishes strong links (embedding: the definition must come
first) from weak ones (through a named pointer target: a forward declaration
is enough) — ``btf_dump_order_type``; they are emitted with
``btf_dump_emit_type`` rules; declarators are built from type chains
(``btf_dump_emit_type_chain``); clashing names get a ``___N`` suffix
(``btf_dump_resolve_name``).  The recursion depth is that of C nesting, which
BTF from a compiler keeps small (the kernel refuses chains deeper than
MAX_RESOLVE_DEPTH, 32: kernel/bpf/btf.c); malformed cycles are cut by state
flags, and every recursive walk is bounded by ``MAX_NEST`` levels, past which
the BTF is reported as malformed (a reference cycle through pointers or
modifiers has no other end).  The process' recursion limit is never changed.

Speed: a vmlinux has ~127,000 types, so the dumper never builds a ``BtfType``
record.  It reads flat lists (``btf.packed``): the words of the base and split
BTF together, each id's word position and kind.  The walks test a type's
state before calling themselves on it, declarations are memoised (``decl``),
and alignments and sizes are computed on those lists too.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from itertools import compress, repeat

from bpfdoctor.btf.packed import Packed
from bpfdoctor.btf.query import MAX_DEPTH, ptr_size
from bpfdoctor.btf.query import MAX_NEST as ALIGN_NEST
from bpfdoctor.btf.reader import Btf
from bpfdoctor.lazylog import get_logger

log = get_logger(__name__)

_NOT, _ING, _ED = 0, 1, 2  # order/emit states: not yet, in progress, done
_MAX_PAD_BITS = 8 << 20  # 1 MiB of padding
# All the padding of one dump: members placed far apart (which the kernel
# refuses: btf_struct_check_member) turned a 1 KB BTF into 85 MB of
# "long: 64;" lines.  1 MiB of padding is ~1.7 MB of text; vmlinux has 63 KB.
_MAX_TOTAL_PAD_BITS = 8 << 20
# Nesting bound of the recursive walks (ordering, emitting, declarators):
# ten times the kernel's MAX_RESOLVE_DEPTH, and few enough frames (about two
# per level) to stay far from Python's default recursion limit of 1000.
MAX_NEST = 320
# Declarator frames (decl, and _chain inside arrays / function prototypes):
# each level costs up to three Python frames (decl, _chain, _struct_def).
MAX_DECL_NEST = 100
# Kind numbers (include/uapi/linux/btf.h), as plain ints for the hot paths.
_INT, _PTR, _ARRAY, _STRUCT, _UNION, _ENUM, _FWD, _TYPEDEF = 1, 2, 3, 4, 5, 6, 7, 8
_VOLATILE, _CONST, _RESTRICT, _FUNC_PROTO, _VAR, _DATASEC, _FLOAT, _DECL_TAG, _TYPE_TAG, _ENUM64 = (
    9, 10, 11, 13, 14, 15, 16, 17, 18, 19)
_SIZED = (_INT, _STRUCT, _UNION, _ENUM, _ENUM64, _DATASEC, _FLOAT)  # the second header word is a size
_MODS = (_VOLATILE, _CONST, _RESTRICT, _TYPE_TAG)
_QUALIFIERS = {_VOLATILE: "volatile", _CONST: "const", _RESTRICT: "restrict"}
_ENUM_OR_FWD = bytes(1 if k in (_ENUM, _ENUM64, _FWD) else 0 for k in range(256))
# What decl's memo gives for a declaration not memoised: a work no budget allows.
_NOT_MEMOISED = ("", "", 1 << 62, 0)
# Per kind: 1 if _order looks into it (not FUNC, VAR, DATASEC, DECL_TAG: its last case).
_ORDERED = bytes(0 if k in (0, 12, 14, 15, 17) else 1 for k in range(256))

HEADER = ("#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n"
          "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
          "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n"
          "#endif\n\n")
FOOTER = ("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n"
          "#endif /* __VMLINUX_H__ */\n")


def dump_c(btf: Btf, *, header: bool = True) -> str:
    """Every type of ``btf`` (and its base) as C, in an order that compiles."""
    with _no_gc():
        return _dump_c(btf, header)


@contextmanager
def _no_gc():
    """Pause the cyclic garbage collector: the dump makes no reference cycles,
    and its allocations would only make the collector walk the per-type tables
    (hundreds of thousands of entries) again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _dump_c(btf: Btf, header: bool) -> str:
    d = _CDumper(btf)
    order, emit, K, W, P = d.order, d.emit, d.K, d.W, d.P
    queue: list[int] = []
    # libbpf's loop: each type in id order is ordered (with what it needs),
    # then what that queued is emitted.  Most are done by then, as a
    # dependency of an earlier one; the kinds that order nothing (FUNC, VAR,
    # DATASEC, DECL_TAG) are not visited at all (see _order's last case).
    for tid in compress(range(btf.type_count), d.kind_bytes.translate(_ORDERED)):
        if order[tid] == _ED:
            continue
        if K[tid] == _FUNC_PROTO:  # not marked done: walked again each time, usually for nothing
            p = P[tid]
            for ref in W[p + 2:p + 3 + 2 * (W[p + 1] & 0xFFFF):2]:  # return and parameter types
                if order[ref] != _ED:
                    break
            else:
                continue  # _order would change nothing
        d.top = tid
        if d._order(tid, False, queue, 0) < 0:
            # libbpf's btf_dump__dump_type fails with ELOOP and bpftool stops
            # the dump there; going on would write a header that cannot
            # compile (and an anonymous type in the cycle was written again
            # at each of its uses: 90,000 warnings from a 7 KB input).
            raise btf.error(f"unsatisfiable type cycle, id:[{d.cycle}]: a type contains itself "
                            "(not through a pointer to a named struct); libbpf refuses to dump it as C")
        if queue:
            for q in queue:
                if emit[q] != _ED:
                    d._emit(q, 0, 0)
            queue.clear()
    body = "".join(d.out)
    return HEADER + body + FOOTER if header else body


class _Checked:
    """A bytearray view whose out-of-range index is a ParseError (a bad type id)."""

    def __init__(self, arr: bytearray, btf: Btf) -> None:
        self.arr, self.btf = arr, btf

    def __setitem__(self, tid: int, value: int) -> None:
        if not 0 <= tid < len(self.arr):
            raise self.btf.error(f"type id {tid} out of range (1..{len(self.arr) - 1})")
        self.arr[tid] = value


class _Strings(dict):
    """Name offset -> str, filled on first use.

    The usual string section (all ASCII) is decoded once and names are
    sliced out of it; other offsets (a base's strings, non-ASCII text, a bad
    offset and its error) go through ``Btf.str_at``.
    """

    def __init__(self, btf: Btf) -> None:
        super().__init__()
        self.str_at = btf.str_at
        self.start = btf.start_str
        self.text = btf.strings.decode("ascii") if btf.strings.isascii() else ""
        self.end = self.start + len(self.text)

    def __missing__(self, off: int) -> str:
        if self.start <= off < self.end:
            text, local = self.text, off - self.start
            s = self[off] = text[local:text.index("\0", local)]
        else:
            s = self[off] = self.str_at(off)
        return s

    def many(self, offsets) -> list[str]:
        """The strings at ``offsets`` (member or enumerator names: mostly each used once, not kept)."""
        start, end, text = self.start, self.end, self.text
        if start == 0 and (not offsets or max(offsets) < end):
            index = text.index
            return [text[o:index("\0", o)] for o in offsets]
        return list(map(self.__getitem__, offsets))


WORK_FLOOR = 10_000  # items any BTF may render before the per-word bound (see _CDumper.work)


class _CDumper:
    def __init__(self, btf: Btf) -> None:
        self.btf = btf
        n = btf.type_count
        # The per-type tables are lists (as the words are: btf.packed):
        # subscripting a list is the interpreter's fast path.
        # Void (id 0) is done from the start: each walk returns at once on it,
        # which lets callers skip the call for a done type with one subscript.
        self.order = [_ED] + [_NOT] * (n - 1)
        self.emit = [_ED] + [_NOT] * (n - 1)
        self.fwd_emitted = [0] * n
        self.names: dict[int, str] = {}
        self.type_names: dict[str, int] = {}
        self.ident_names: dict[str, int] = {}
        self.out: list[str] = []
        # libbpf btf_dump__new: ``btf__pointer_size(btf) ? : sizeof(void *)``.
        self.ptr_sz = ptr_size(btf) if ptr_size(btf) in (4, 8) else 8
        self.nest = 0  # active decl/_chain frames (see MAX_NEST)
        self.peak = 0  # highest self.nest since _decl_memo started (the height of a declaration)
        # Memoised declarations by type id, for a named and an unnamed declarator:
        # (text before the name, text after it, work, nesting height); see decl.
        self.decls: dict[int, tuple[str, str, int, int]] = {}
        self.anon_decls: dict[int, tuple[str, str, int, int]] = {}
        self.inline_defs = 0  # anonymous types defined inline and warnings so far (not memoised)
        self.pad_bits = 0  # padding emitted so far (see _MAX_TOTAL_PAD_BITS)
        # Declarators, members and enumerators rendered: an anonymous type is
        # written out again at each use, so nesting multiplies the text
        # (exponential in the depth); real BTF renders less than one item per
        # type word (vmlinux: 0.3, the fixtures at most 0.6), so 2 per word (and
        # 10,000) is a generous bound.  (The floor was 100,000: 0.5 s of work,
        # four under coverage, for any 7 KB input nested so, issue 13.)
        self.work = 0
        self.work_max = 0  # set below, once the words are known
        self.sizes: dict[int, int] = {}
        # Shared with query.align_of, which fills it; read directly on the hot path.
        self.aligns: dict[int, int] = btf.__dict__.setdefault("_align_cache", {})
        self.strs = _Strings(btf)
        pk = Packed(btf)
        self.work_max = 2 * len(pk.words) + WORK_FLOOR
        # Of the enums and forward declarations, those a type refers to (the
        # others, when anonymous, are written out on their own: _order).
        asked = set(compress(range(n), pk.kinds.translate(_ENUM_OR_FWD)))
        refs = pk.check(asked)
        if refs is None:
            self._check_slowly()
        self.referenced = refs if refs is not None else set()
        self.W, self.P, self.K = pk.words, pk.pos, list(pk.kinds)
        self.kind_bytes = pk.kinds
        self.top = 0  # the type dump_c is ordering
        self.cycle = 0  # the type _order found in a cycle
        self.loops_told: set[int] = set()  # anonymous types warned about as in a loop
        self.protos_walked: set[tuple[int, int]] = set()  # (FUNC_PROTO, container) walked by _emit
        self.S = b"".join(b.strings for b in pk.chain)  # all the strings: offsets are global

    def _too_deep(self, tid: int):
        return self.btf.error(f"type [{tid}]: references nest deeper than {MAX_NEST} levels "
                              "(a reference cycle?)")

    def _check_slowly(self) -> None:
        """Raise the ParseError for the first bad type id or name, as record building finds it."""
        ref = _Checked(bytearray(self.btf.type_count), self.btf)
        for t in self.btf.types(include_base=True):
            k = t.kind
            if k == _ARRAY:
                ref[t.array.index_type] = ref[t.array.type] = 1
            elif k == _STRUCT or k == _UNION:
                for m in t.members:
                    ref[m.type] = 1
            elif k == _FUNC_PROTO:
                for p in t.params:
                    ref[p.type] = 1
                ref[t.type] = 1
            elif k == 15:  # DATASEC
                for v in t.vars:
                    ref[v.type] = 1
            elif t.type is not None:
                ref[t.type] = 1

    def named(self, tid: int) -> int:
        """Whether the type has a name (the first byte of its name is not NUL), without decoding it."""
        return self.S[self.W[self.P[tid]]]

    def name(self, tid: int) -> str:
        return self.strs[self.W[self.P[tid]]]

    # -- sizes and alignments ----------------------------------------------------
    # query.align_of and resolve_size, on the flat tables: the same values,
    # the same cache (shared with query) and the same errors, without a
    # Btf.header call per step (alignments were an eighth of a vmlinux dump).

    def align(self, tid: int) -> int:
        got = self.aligns.get(tid)
        return got if got is not None else self._align_of(tid, 0)

    def _align_of(self, type_id: int, nest: int) -> int:
        """query.align_of: natural alignment, 0 when unknown (libbpf btf__align_of)."""
        if nest > ALIGN_NEST:
            raise self.btf.error(f"type [{type_id}]: structs nest deeper than {ALIGN_NEST} levels")
        aligns = self.aligns
        got = aligns.get(type_id)
        if got is not None:
            return got
        K, W, P = self.K, self.W, self.P
        chain = []
        tid = type_id
        for _ in range(MAX_DEPTH):
            if tid in aligns:
                break
            chain.append(tid)
            k = K[tid]  # void: 0, no alignment
            if k == _TYPEDEF or k in _MODS:
                tid = W[P[tid] + 2]
            elif k == _ARRAY:
                tid = W[P[tid] + 3]
            else:
                aligns[tid] = self._align_leaf(tid, k, nest)
                chain.pop()
                break
        else:
            raise self.btf.error(f"resolving the alignment from type [{type_id}] exceeds {MAX_DEPTH} steps "
                                 "(reference cycle?)")
        value = aligns[tid]
        for t in chain:
            aligns[t] = value
        return value

    def _align_leaf(self, tid: int, k: int, nest: int) -> int:
        """query._align_leaf."""
        W, p = self.W, self.P[tid]
        if k == _INT or k == _ENUM or k == _ENUM64 or k == _FLOAT:
            return min(self.ptr_sz, W[p + 2])
        if k == _PTR:
            return self.ptr_sz
        if k != _STRUCT and k != _UNION:
            return 0
        aligns = self.aligns
        aligns[tid] = 1  # provisional: breaks by-value cycles (invalid BTF)
        info = W[p + 1]
        kflag = info >> 31
        max_align = 1
        inner = nest + 1
        for j in range(p + 3, p + 3 + 3 * (info & 0xFFFF), 3):
            align = aligns.get(W[j + 1])
            if align is None or inner > ALIGN_NEST:
                align = self._align_of(W[j + 1], inner)
            if align <= 0:
                return 0
            if align > max_align:
                max_align = align
            # A member its type cannot sit at means the struct is packed.
            off = W[j + 2]
            if kflag:  # bitfield size in the top 8 bits
                if not off >> 24 and (off & 0xFFFFFF) % (8 * align):
                    return 1
            elif off % (8 * align):
                return 1
        return 1 if W[p + 2] % max_align else max_align

    # -- ordering (btf_dump_order_type) --------------------------------------

    def _order(self, tid: int, through_ptr: bool, queue: list[int], depth: int) -> int:
        """1: ``tid`` is defined (a strong dependency is met), 0: not needed yet, -1: a cycle.

        The walk calls itself only for a type not done yet: a done one
        returns 1 and changes nothing, provided the call would not be past
        MAX_NEST (``deep``), where it raises instead.
        """
        if depth > MAX_NEST:
            raise self._too_deep(tid)
        order = self.order
        state = order[tid]  # (every id was checked to be in range: __init__)
        if state == _ED:  # void too
            return 1
        depth += 1
        deep = depth > MAX_NEST
        k = self.K[tid]
        W = self.W
        p = self.P[tid]
        if state == _ING:
            if (k == _STRUCT or k == _UNION) and through_ptr and self.named(tid):
                return 0
            self.cycle = tid
            return -1
        if k == _FUNC_PROTO:
            ref = W[p + 2]
            strong = 1 if order[ref] == _ED and not deep else self._order(ref, through_ptr, queue, depth)
            if strong < 0:
                return strong
            for ref in W[p + 4:p + 3 + 2 * (W[p + 1] & 0xFFFF):2]:  # parameter types
                if order[ref] != _ED or deep:
                    r = self._order(ref, through_ptr, queue, depth)
                    if r < 0:
                        return r
                    strong = strong or r
                else:
                    strong = 1
            return 1 if strong else 0
        if k == _STRUCT or k == _UNION:
            named = self.S[W[p]]  # self.named(tid), inline
            if through_ptr and named:
                return 0
            order[tid] = _ING
            for ref in W[p + 4:p + 3 + 3 * (W[p + 1] & 0xFFFF):3]:  # member types
                if (order[ref] != _ED or deep) and self._order(ref, False, queue, depth) < 0:
                    return -1
            if named:
                queue.append(tid)
            order[tid] = _ED
            return 1
        if k == _PTR:
            ref = W[p + 2]
            r = 1 if order[ref] == _ED and not deep else self._order(ref, True, queue, depth)
            order[tid] = _ED
            return r
        if k == _TYPEDEF:
            ref = W[p + 2]
            strong = 1 if order[ref] == _ED and not deep else self._order(ref, through_ptr, queue, depth)
            if strong < 0:
                return strong
            if through_ptr and not strong:
                return 0
            queue.append(tid)
            order[tid] = _ED
            return 1
        if k == _ARRAY:
            ref = W[p + 3]
            return 1 if order[ref] == _ED and not deep else self._order(ref, False, queue, depth)
        if k in _MODS:
            ref = W[p + 2]
            return 1 if order[ref] == _ED and not deep else self._order(ref, through_ptr, queue, depth)
        if k == _INT or k == _FLOAT:
            order[tid] = _ED
            return 0
        if k == _ENUM or k == _ENUM64 or k == _FWD:
            if self.named(tid) or tid not in self.referenced:
                queue.append(tid)
            order[tid] = _ED
            return 1
        # FUNC, VAR, DATASEC, DECL_TAG (reached through a bad reference): libbpf
        # marks them done when its loop gets to them, which dump_c skips; one
        # before the type being ordered is done already.
        order[tid] = _ED
        return 1 if tid < self.top else 0

    # -- emitting (btf_dump_emit_type) ---------------------------------------

    def _emit(self, tid: int, cont: int, depth: int) -> None:
        """Emit ``tid`` and what it needs; ``cont``: the type being defined around it.

        Called only for a type not emitted yet (the callers test ``emit``
        first: a done type, void included, is a no-op).
        """
        emit = self.emit
        if depth > MAX_NEST:
            raise self._too_deep(tid)
        depth += 1
        k = self.K[tid]
        W = self.W
        p = self.P[tid]
        if k == _PTR or k in _MODS:
            ref = W[p + 2]
            if emit[ref] != _ED:
                self._emit(ref, cont, depth)
            return
        w = self.out.append
        if emit[tid] == _ING:
            if self.fwd_emitted[tid]:
                return
            if k == _STRUCT or k == _UNION:
                if tid == cont:
                    return
                if not self.named(tid):
                    if tid not in self.loops_told:  # once per type: libbpf repeats it at each use
                        self.loops_told.add(tid)
                        log.warning("anonymous struct/union loop, id:[%d]", tid)
                    return
                w(self._struct_fwd(tid) + ";\n\n")
                self.fwd_emitted[tid] = 1
            elif k == _TYPEDEF:
                if self.name(tid) != "__builtin_va_list":
                    w(self._typedef_def(tid, 0) + ";\n\n")
                self.fwd_emitted[tid] = 1
            return
        if k == _STRUCT or k == _UNION:
            emit[tid] = _ING
            named = self.S[W[p]]  # self.named(tid), inline
            if cont == 0 or not named:
                new_cont = tid if named else cont
                # An anonymous struct is walked again at each use (as libbpf
                # does): count it against the same budget as the rendering.
                self._spend(W[p + 1] & 0xFFFF, tid)
                # A pointer to an emitted type is a no-op too (unless the call
                # would be past MAX_NEST): most members are such pointers.
                K, P, deep = self.K, self.P, depth > MAX_NEST
                for ref in W[p + 4:p + 3 + 3 * (W[p + 1] & 0xFFFF):3]:
                    if emit[ref] != _ED and (K[ref] != _PTR or emit[W[P[ref] + 2]] != _ED or deep):
                        self._emit(ref, new_cont, depth)
            elif not self.fwd_emitted[tid] and tid != cont:
                w(self._struct_fwd(tid) + ";\n\n")
                self.fwd_emitted[tid] = 1
            if cont == 0:
                w(self._struct_def(tid, 0) + ";\n\n")
                emit[tid] = _ED
            else:
                emit[tid] = _NOT
        elif k == _TYPEDEF:
            emit[tid] = _ING
            ref = W[p + 2]
            if emit[ref] != _ED:
                self._emit(ref, tid, depth)
            if not self.fwd_emitted[tid] and self.name(tid) != "__builtin_va_list":
                w(self._typedef_def(tid, 0) + ";\n\n")
            emit[tid] = _ED
        elif k == _FUNC_PROTO:
            # A prototype is never marked emitted (libbpf's neither), so each use
            # walks it again; prototypes whose parameters point at the next one
            # made that 2**depth walks (a fuzzed 7.5 KB BTF: 90 s).  A second walk
            # with the same container writes nothing the first did not: skip it.
            if (tid, cont) in self.protos_walked:
                return
            self.protos_walked.add((tid, cont))
            K, P, deep = self.K, self.P, depth > MAX_NEST
            for ref in W[p + 2:p + 3 + 2 * (W[p + 1] & 0xFFFF):2]:  # return and parameter types
                if emit[ref] != _ED and (K[ref] != _PTR or emit[W[P[ref] + 2]] != _ED or deep):
                    self._emit(ref, cont, depth)
        elif k == _ARRAY:
            ref = W[p + 3]
            if emit[ref] != _ED:
                self._emit(ref, cont, depth)
        elif k == _INT:
            emit[tid] = _ED
        elif k == _ENUM or k == _ENUM64:
            if cont == 0:
                w(self._enum_def(tid, 0) + ";\n\n")
            emit[tid] = _ED
        elif k == _FWD:
            w(self._fwd_def(tid) + ";\n\n")
            emit[tid] = _ED

    # -- names (btf_dump_resolve_name) ---------------------------------------

    def _resolve_name(self, tid: int, table: dict[str, int]) -> str:
        cached = self.names.get(tid)
        if cached is not None:
            return cached
        name = self.name(tid)
        k = self.K[tid]
        if name and not (k == _FWD or (k == _ENUM and not self.W[self.P[tid] + 1] & 0xFFFF)):
            dup = table.get(name, 0) + 1
            table[name] = dup
            if dup > 1:
                name = f"{name}___{dup}"
        self.names[tid] = name
        return name

    def type_name(self, tid: int) -> str:
        return self._resolve_name(tid, self.type_names)

    def ident_name(self, tid: int) -> str:
        return self._resolve_name(tid, self.ident_names)

    # -- definitions -----------------------------------------------------------

    def _struct_fwd(self, tid: int) -> str:
        kw = "struct" if self.K[tid] == _STRUCT else "union"
        return f"{kw} {self.type_name(tid)}" if self.named(tid) else kw

    def _fwd_def(self, tid: int) -> str:
        return f"{'union' if self.W[self.P[tid] + 1] >> 31 else 'struct'} {self.type_name(tid)}"

    def _typedef_def(self, tid: int, lvl: int) -> str:
        name = self.ident_name(tid)
        target = self.W[self.P[tid] + 2]
        if target == 0 and name == "__gnuc_va_list":
            return "typedef __builtin_va_list __gnuc_va_list"
        return "typedef " + self.decl(target, name, lvl)

    def _enum_values(self, tid: int) -> list[tuple[str, int]]:
        """(name, value) of each enumerator; signed when the kflag says so."""
        W, p = self.W, self.P[tid]
        info = W[p + 1]
        vlen, signed = info & 0xFFFF, info >> 31
        if self.K[tid] == _ENUM64:
            end = p + 3 + 3 * vlen
            values = [lo | (hi << 32) for lo, hi in zip(W[p + 4:end:3], W[p + 5:end:3])]
            names = self.strs.many(W[p + 3:end:3])
            bits = 64
        else:
            end = p + 3 + 2 * vlen
            values = W[p + 4:end:2]
            names = self.strs.many(W[p + 3:end:2])
            bits = 32
        if signed:
            top = 1 << (bits - 1)
            values = [v - (top << 1) if v & top else v for v in values]
        return list(zip(names, values))

    def _enum_def(self, tid: int, lvl: int) -> str:
        head = f"enum {self.type_name(tid)}" if self.named(tid) else "enum"
        W, p = self.W, self.P[tid]
        info = W[p + 1]
        if not info & 0xFFFF:
            return head
        kflag = info >> 31
        parts = [head, " {"]
        pfx = "\n" + "\t" * (lvl + 1)
        is64 = self.K[tid] == _ENUM64
        suffix = ("LL" if kflag else "ULL") if is64 else ""
        values = self._enum_values(tid)  # unsigned ones are in range already: no mask needed
        self._spend(len(values), tid)
        idents = self.ident_names
        for vname, value in values:
            dup = idents.get(vname, 0) + 1
            idents[vname] = dup
            if dup > 1:
                vname = f"{vname}___{dup}"
            parts.append(f"{pfx}{vname} = {value}{suffix},")
        parts.append("\n" + "\t" * lvl + "}")
        size = W[p + 2]
        if size == 1:
            parts.append(" __attribute__((mode(byte)))")
        elif size == 8 and self.ptr_sz == 8:
            if not is64 or all(not (v & ((1 << 64) - 1)) >> 32 for _, v in values):
                parts.append(" __attribute__((mode(word)))")
        return "".join(parts)

    def _members(self, tid: int):
        """Names, types, bit offsets and bitfield sizes (0: none) of the members, as four sequences."""
        W, p = self.W, self.P[tid]
        info = W[p + 1]
        end = p + 3 + 3 * (info & 0xFFFF)
        names = self.strs.many(W[p + 3:end:3])
        types = W[p + 4:end:3]
        offsets = W[p + 5:end:3]
        if info >> 31:
            # BTF_MEMBER_BIT_OFFSET / BTF_MEMBER_BITFIELD_SIZE (uapi btf.h).
            return names, types, [o & 0xFFFFFF for o in offsets], [o >> 24 for o in offsets]
        return names, types, offsets, bytes(len(offsets))

    def _is_packed(self, tid: int, types, bit_offsets, bit_sizes) -> bool:
        max_align = 1
        aligns = self.aligns
        for mtype, bit_offset, bitfield_size in zip(types, bit_offsets, bit_sizes):
            align = aligns.get(mtype)
            if align is None:
                align = self._align_of(mtype, 0)
            if align and not bitfield_size and bit_offset % (8 * align):
                return True
            if align > max_align:
                max_align = align
        return bool(self.W[self.P[tid] + 2] % max_align)

    def _layout(self, tid: int, is_struct: bool, types, bit_offsets, bit_sizes) -> tuple[int, bool]:
        """``self.align(tid)`` and ``is_struct and self._is_packed(...)``, in one pass when possible.

        A struct's alignment is usually first asked for here (_align_leaf).
        When that pass gets through every member (none of alignment 0, none
        misplaced), _is_packed would see the same members with the same
        alignments: packed then means the size is not a multiple of the
        largest.  A misplaced member answers both at once.
        """
        aligns = self.aligns
        if tid in aligns or tid in types:  # (a member of the type itself sees its provisional 1)
            return self.align(tid), is_struct and self._is_packed(tid, types, bit_offsets, bit_sizes)
        aligns[tid] = 1  # provisional, as in _align_leaf
        max_align = 1
        for mtype, bit_offset, bitfield_size in zip(types, bit_offsets, bit_sizes):
            align = aligns.get(mtype)
            if align is None:
                align = self._align_of(mtype, 1)
            if align <= 0:
                aligns[tid] = 0
                return 0, is_struct and self._is_packed(tid, types, bit_offsets, bit_sizes)
            if align > max_align:
                max_align = align
            if not bitfield_size and bit_offset % (8 * align):
                aligns[tid] = 1
                return 1, is_struct
        size = self.W[self.P[tid] + 2]
        align = aligns[tid] = 1 if size % max_align else max_align
        return align, is_struct and size % max_align != 0

    def _struct_def(self, tid: int, lvl: int) -> str:
        is_struct = self.K[tid] == _STRUCT
        names, types, bit_offsets, bit_sizes = self._members(tid)
        self._spend(len(types), tid)
        size = self.W[self.P[tid] + 2]
        align, packed = self._layout(tid, is_struct, types, bit_offsets, bit_sizes)
        kw = "struct" if is_struct else "union"
        parts = [f"{kw} {self.type_name(tid)} {{" if self.named(tid) else f"{kw} {{"]
        lvl += 1
        pfx = "\n" + "\t" * lvl
        off = 0
        prev_bitfield = False
        sizes, decls, anon_decls = self.sizes, self.decls, self.anon_decls
        max_height = MAX_DECL_NEST - self.nest
        # The work of the memoised declarations below, counted in self.work
        # before anything else may read it (decl) and at the end.
        work, budget = 0, self.work_max - self.work
        # A member's alignment only matters where padding goes before it.  A
        # union's are asked for member by member, as they come (errors and
        # all); a struct's were all asked for by _is_packed (or it is packed:
        # 1), so they are read where needed.
        m_aligns = repeat(None) if is_struct else map(self.align, types)
        for fname, mtype, bit_offset, m_sz, m_align in zip(names, types, bit_offsets, bit_sizes, m_aligns):
            if off < bit_offset:
                if m_align is None:
                    m_align = 1 if packed else self.align(mtype)
                self._bit_padding(parts, off, bit_offset, m_align, prev_bitfield and m_sz != 0, lvl)
            # decl(mtype, fname, lvl), its memoised case inline (self.peak
            # needs no update: no declaration that contains a struct body is memoised).
            before, after, d_work, height = (decls if fname else anon_decls).get(mtype, _NOT_MEMOISED)
            if height <= max_height and work + d_work <= budget:
                work += d_work
            else:
                self.work += work
                before, after = self.decl(mtype, fname, lvl), ""
                fname = ""  # (in before)
                work, budget = 0, self.work_max - self.work
            if m_sz:
                parts.append(f"{pfx}{before}{fname}{after}: {m_sz};")
                off = bit_offset + m_sz
                prev_bitfield = True
            else:
                parts.append(f"{pfx}{before}{fname}{after};")
                m_size = sizes.get(mtype)
                if m_size is None:
                    m_size = self._size(mtype)
                off = bit_offset + 8 * m_size
                prev_bitfield = False
        self.work += work
        if is_struct and off < size * 8:
            self._bit_padding(parts, off, size * 8, align, False, lvl)
        if types or size:
            parts.append("\n" + "\t" * (lvl - 1) + "}")
        else:
            parts.append("}")
        if packed:
            parts.append(" __attribute__((packed))")
        return "".join(parts)

    def _size(self, tid: int) -> int:
        size = self.sizes.get(tid)
        if size is None:
            size = self.sizes[tid] = self._resolve_size(tid)
        return size

    def _resolve_size(self, type_id: int) -> int:
        """query.resolve_size, 0 where it raises (libbpf treats an unsizable member as size 0)."""
        K, W, P = self.K, self.W, self.P
        nelems = 1
        tid = type_id
        for _ in range(MAX_DEPTH):
            if tid == 0:
                return 0
            k = K[tid]
            if k in _SIZED:
                return nelems * W[P[tid] + 2]
            if k == _PTR:
                return nelems * self.ptr_sz
            if k == _ARRAY:
                nelems *= W[P[tid] + 5]
                tid = W[P[tid] + 3]
            elif k == _TYPEDEF or k in _MODS or k == _VAR or k == _DECL_TAG:
                tid = W[P[tid] + 2]
            else:
                return 0
        return 0

    def _bit_padding(self, parts, cur: int, nxt: int, nxt_align: int, in_bitfield: bool, lvl: int) -> None:
        """libbpf btf_dump_emit_bit_padding: fill gaps with anonymous bitfields."""
        if cur >= nxt:
            return
        if nxt - cur > _MAX_PAD_BITS:
            # libbpf would print millions of `long: 64;` lines; real types never need it.
            raise self.btf.error(f"a gap of {(nxt - cur) // 8} bytes inside a struct is too large to pad")
        self.pad_bits += nxt - cur
        if self.pad_bits > _MAX_TOTAL_PAD_BITS:
            raise self.btf.error(f"the structs' padding exceeds {_MAX_TOTAL_PAD_BITS // 8 >> 20} MiB "
                                 "(members far outside their struct?)")
        pads = (("long", self.ptr_sz * 8), ("int", 32), ("short", 16), ("char", 8))
        pfx = "\t" * lvl
        new_off = 0
        pad_type, pad_bits = pads[-1]
        for pad_type, pad_bits in pads:
            new_off = -(-cur // pad_bits) * pad_bits
            if new_off <= nxt:
                break
        if cur < new_off <= nxt:
            rounded = -(-cur // (nxt_align * 8)) * (nxt_align * 8) if nxt_align else cur
            if (in_bitfield or (new_off == nxt and rounded != new_off)
                    or (new_off != nxt and nxt - new_off <= new_off - cur)):
                parts.append(f"\n{pfx}{pad_type}: {new_off - cur if in_bitfield else 0};")
            cur = new_off
        # libbpf's loop, in bulk: whole pad_type units, then the rest in the
        # smallest type that holds it.
        full, rest = divmod(nxt - cur, pad_bits)
        if full:
            parts.append(f"\n{pfx}{pad_type}: {pad_bits};" * full)
        if rest:
            ptype = next(t for t, b in reversed(pads) if b >= rest)
            parts.append(f"\n{pfx}{ptype}: {rest};")

    # -- declarators (btf_dump_emit_type_decl / _chain) -----------------------

    def _spend(self, items: int, tid: int) -> None:
        self.work += items
        if self.work > self.work_max:
            raise self.btf.error(f"type [{tid}]: the C declarations would exceed {self.work_max} items "
                                 "(anonymous types nested and used many times?)")

    def decl(self, tid: int, fname: str, lvl: int) -> str:
        """C declaration of ``fname`` with type ``tid`` (``int (*fname)[4]`` ...).

        Memoised per (type, named or not) as the text around the name: the
        text depends on nothing else once the names in it are resolved,
        unless it defines an anonymous struct/union/enum inline (indented by
        ``lvl``, enumerator names counted again) or warns: those are never
        memoised.  A memoised declaration still counts its work and its
        nesting, and is rebuilt when either would go past its
        bound, so that the same error is raised at the same place.
        """
        got = (self.decls if fname else self.anon_decls).get(tid)
        if got is not None:
            before, after, work, height = got
            height += self.nest
            if height <= MAX_DECL_NEST and self.work + work <= self.work_max:
                self.work += work
                if height > self.peak:
                    self.peak = height
                return before + fname + after if fname else before
        return self._decl_memo(tid, fname, lvl)

    def _decl_memo(self, tid: int, fname: str, lvl: int) -> str:
        """Build the declaration with a stand-in name and memoise it if it may be."""
        nest, work, inline, peak = self.nest, self.work, self.inline_defs, self.peak
        self.peak = nest
        text = self._decl(tid, "\0" if fname else "", lvl)
        height = self.peak - nest
        self.peak = max(peak, self.peak)
        if self.inline_defs == inline:
            parts = text.split("\0") if fname else [text, ""]
            if len(parts) == 2:
                memo = self.decls if fname else self.anon_decls
                memo[tid] = (parts[0], parts[1], self.work - work, height)
        return text.replace("\0", fname) if fname else text

    def _decl(self, tid: int, fname: str, lvl: int) -> str:
        self._spend(1, tid)
        W, P, K = self.W, self.P, self.K
        stack: list[int] = []
        first = tid
        for _ in range(MAX_NEST):
            stack.append(tid)
            if tid == 0:
                break
            k = K[tid]
            if k == _PTR or k == _FUNC_PROTO or k in _MODS:
                tid = W[P[tid] + 2]
            elif k == _ARRAY:
                tid = W[P[tid] + 3]
            else:
                break
        else:
            raise self._too_deep(first)
        out: list[str] = []
        self._nested(first)
        try:
            self._chain(stack, fname, lvl, out)
        finally:
            self.nest -= 1
        return "".join(out)

    def _nested(self, tid: int) -> None:
        """Count one more active declarator frame; refuse past MAX_NEST."""
        self.nest += 1
        if self.nest > self.peak:
            self.peak = self.nest
        if self.nest > MAX_DECL_NEST:
            self.nest -= 1
            raise self._too_deep(tid)

    def _emit_mods(self, stack: list[int], out: list[str]) -> None:
        K = self.K
        while stack:
            q = _QUALIFIERS.get(K[stack[-1]])  # K[0] is 0: void ends the run
            if q is None:
                return
            out.append(q + " ")
            stack.pop()

    def _drop_mods(self, stack: list[int]) -> None:
        K = self.K
        while stack and stack[-1] and K[stack[-1]] in _MODS:
            stack.pop()

    @staticmethod
    def _name(out: list[str], fname: str, last_was_ptr: bool) -> None:
        out.append((" " if fname and not last_was_ptr else "") + fname)

    def _chain(self, stack: list[int], fname: str, lvl: int, out: list[str]) -> None:
        W, P, K = self.W, self.P, self.K
        last_was_ptr = True
        while stack:
            tid = stack.pop()
            if tid == 0:
                self._emit_mods(stack, out)
                out.append("void")
                last_was_ptr = False
                continue
            k = K[tid]
            if k == _INT or k == _FLOAT:
                self._emit_mods(stack, out)
                out.append(self.name(tid))
            elif k == _STRUCT or k == _UNION:
                self._emit_mods(stack, out)
                if self.named(tid):
                    out.append(self._struct_fwd(tid))
                else:
                    self.inline_defs += 1
                    out.append(self._struct_def(tid, lvl))
            elif k == _ENUM or k == _ENUM64:
                self._emit_mods(stack, out)
                if self.named(tid):
                    out.append(f"enum {self.type_name(tid)}")
                else:
                    self.inline_defs += 1
                    out.append(self._enum_def(tid, lvl))
            elif k == _FWD:
                self._emit_mods(stack, out)
                out.append(self._fwd_def(tid))
            elif k == _TYPEDEF:
                self._emit_mods(stack, out)
                out.append(self.ident_name(tid))
            elif k == _PTR:
                out.append("*" if last_was_ptr else " *")
            elif k in _QUALIFIERS:
                out.append(" " + _QUALIFIERS[k])
            elif k == _TYPE_TAG:
                self._emit_mods(stack, out)
                name = self.name(tid)
                out.append(f" __attribute__(({name}))" if W[P[tid] + 1] >> 31
                           else f' __attribute__((btf_type_tag("{name}")))')
            elif k == _ARRAY:
                self._drop_mods(stack)
                nelems = W[P[tid] + 5]
                if not stack:
                    self._name(out, fname, last_was_ptr)
                    out.append(f"[{nelems}]")
                    return
                multidim = stack[-1] != 0 and K[stack[-1]] == _ARRAY
                if fname and not last_was_ptr:
                    out.append(" ")
                if not multidim:
                    out.append("(")
                self._nested(tid)
                try:
                    self._chain(stack, fname, lvl, out)
                finally:
                    self.nest -= 1
                if not multidim:
                    out.append(")")
                out.append(f"[{nelems}]")
                return
            elif k == _FUNC_PROTO:
                self._drop_mods(stack)
                if stack:
                    out.append(" (")
                    self._nested(tid)
                    try:
                        self._chain(stack, fname, lvl, out)
                    finally:
                        self.nest -= 1
                    out.append(")")
                else:
                    self._name(out, fname, last_was_ptr)
                out.append("(")
                p = P[tid]
                params = range(p + 3, p + 3 + 2 * (W[p + 1] & 0xFFFF), 2)
                if not params or (len(params) == 1 and W[p + 4] == 0):
                    out.append("void)")
                    return
                last = params[-1]
                for j in params:
                    if j != p + 3:
                        out.append(", ")
                    if j == last and W[j + 1] == 0:
                        out.append("...")
                        break
                    out.append(self.decl(W[j + 1], self.strs[W[j]], lvl))
                out.append(")")
                return
            else:
                log.warning("unexpected type in decl chain, kind:%d, id:[%d]", k, tid)
                self.inline_defs += 1  # not memoised: the warning is repeated at each use
                return
            last_was_ptr = k == _PTR
        self._name(out, fname, last_was_ptr)
