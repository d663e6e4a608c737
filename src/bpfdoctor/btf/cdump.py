"""BTF to a compilable C header (the ``vmlinux.h`` use case).

A re-statement of libbpf's tools/lib/bpf/btf_dump.c: types are ordered by a
DFS that distinguishes strong links (embedding: the definition must come
first) from weak ones (through a named pointer target: a forward declaration
is enough) — ``btf_dump_order_type``; they are emitted with
``btf_dump_emit_type`` rules; declarators are built from type chains
(``btf_dump_emit_type_chain``); clashing names get a ``___N`` suffix
(``btf_dump_resolve_name``).  The recursion depth is that of C nesting, which
BTF from a compiler keeps small; malformed cycles are cut by state flags.
"""

from __future__ import annotations

import logging
import sys

from bpfdoctor.btf.kinds import Kind
from bpfdoctor.btf.query import align_of, ptr_size, resolve_size
from bpfdoctor.btf.reader import Btf

log = logging.getLogger(__name__)

_NOT, _ING, _ED = 0, 1, 2
_MAX_PAD_BITS = 8 << 20  # 1 MiB of padding  # order/emit states: not yet, in progress, done
_MODS = (Kind.VOLATILE, Kind.CONST, Kind.RESTRICT, Kind.TYPE_TAG)

HEADER = ("#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n"
          "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
          "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n"
          "#endif\n\n")
FOOTER = ("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n"
          "#endif /* __VMLINUX_H__ */\n")


def dump_c(btf: Btf, *, header: bool = True) -> str:
    """Every type of ``btf`` (and its base) as C, in an order that compiles."""
    d = _CDumper(btf)
    for tid in range(1, btf.type_count):
        d.dump_type(tid)
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


class _CDumper:
    def __init__(self, btf: Btf) -> None:
        self.btf = btf
        n = btf.type_count
        self.order = bytearray(n)
        self.emit = bytearray(n)
        self.fwd_emitted = bytearray(n)
        self.referenced = bytearray(n)
        self.names: dict[int, str] = {}
        self.type_names: dict[str, int] = {}
        self.ident_names: dict[str, int] = {}
        self.out: list[str] = []
        self.ptr_sz = ptr_size(btf)
        self.t = btf.type
        self._mark_referenced()
        old = sys.getrecursionlimit()
        if old < 10000:
            sys.setrecursionlimit(10000)

    def _mark_referenced(self) -> None:
        ref = _Checked(self.referenced, self.btf)
        for t in self.btf.types(include_base=True):
            k = t.kind
            if k == Kind.ARRAY:
                ref[t.array.index_type] = ref[t.array.type] = 1
            elif k in (Kind.STRUCT, Kind.UNION):
                for m in t.members:
                    ref[m.type] = 1
            elif k == Kind.FUNC_PROTO:
                for p in t.params:
                    ref[p.type] = 1
                ref[t.type] = 1
            elif k == Kind.DATASEC:
                for v in t.vars:
                    ref[v.type] = 1
            elif t.type is not None:
                ref[t.type] = 1

    def dump_type(self, tid: int) -> None:
        queue: list[int] = []
        self._order(tid, False, queue)
        for q in queue:
            self._emit(q, 0)

    # -- ordering (btf_dump_order_type) --------------------------------------

    def _order(self, tid: int, through_ptr: bool, queue: list[int]) -> int:
        if tid >= len(self.order):
            raise self.btf.error(f"type id {tid} out of range (1..{len(self.order) - 1})")
        if tid == 0 or self.order[tid] == _ED:
            return 1
        t = self.t(tid)
        k = t.kind
        if self.order[tid] == _ING:
            if k in (Kind.STRUCT, Kind.UNION) and through_ptr and t.name:
                return 0
            log.warning("unsatisfiable type cycle, id:[%d]", tid)
            return -1
        if k in (Kind.INT, Kind.FLOAT):
            self.order[tid] = _ED
            return 0
        if k == Kind.PTR:
            r = self._order(t.type, True, queue)
            self.order[tid] = _ED
            return r
        if k == Kind.ARRAY:
            return self._order(t.array.type, False, queue)
        if k in (Kind.STRUCT, Kind.UNION):
            if through_ptr and t.name:
                return 0
            self.order[tid] = _ING
            for m in t.members:
                if self._order(m.type, False, queue) < 0:
                    return -1
            if t.name:
                queue.append(tid)
            self.order[tid] = _ED
            return 1
        if k in (Kind.ENUM, Kind.ENUM64, Kind.FWD):
            if t.name or not self.referenced[tid]:
                queue.append(tid)
            self.order[tid] = _ED
            return 1
        if k == Kind.TYPEDEF:
            strong = self._order(t.type, through_ptr, queue)
            if strong < 0:
                return strong
            if through_ptr and not strong:
                return 0
            queue.append(tid)
            self.order[tid] = _ED
            return 1
        if k in _MODS:
            return self._order(t.type, through_ptr, queue)
        if k == Kind.FUNC_PROTO:
            r = self._order(t.type, through_ptr, queue)
            if r < 0:
                return r
            strong = r > 0
            for p in t.params:
                r = self._order(p.type, through_ptr, queue)
                if r < 0:
                    return r
                strong = strong or r > 0
            return int(strong)
        self.order[tid] = _ED
        return 0

    # -- emitting (btf_dump_emit_type) ---------------------------------------

    def _emit(self, tid: int, cont: int) -> None:
        if tid == 0 or self.emit[tid] == _ED:
            return
        t = self.t(tid)
        k = t.kind
        w = self.out.append
        if self.emit[tid] == _ING:
            if self.fwd_emitted[tid]:
                return
            if k in (Kind.STRUCT, Kind.UNION):
                if tid == cont:
                    return
                if not t.name:
                    log.warning("anonymous struct/union loop, id:[%d]", tid)
                    return
                w(self._struct_fwd(tid, t) + ";\n\n")
                self.fwd_emitted[tid] = 1
            elif k == Kind.TYPEDEF:
                if t.name != "__builtin_va_list":
                    w(self._typedef_def(tid, t, 0) + ";\n\n")
                self.fwd_emitted[tid] = 1
            return
        if k == Kind.INT:
            self.emit[tid] = _ED
        elif k in (Kind.ENUM, Kind.ENUM64):
            if cont == 0:
                w(self._enum_def(tid, t, 0) + ";\n\n")
            self.emit[tid] = _ED
        elif k == Kind.PTR or k in _MODS:
            self._emit(t.type, cont)
        elif k == Kind.ARRAY:
            self._emit(t.array.type, cont)
        elif k == Kind.FWD:
            w(self._fwd_def(tid, t) + ";\n\n")
            self.emit[tid] = _ED
        elif k == Kind.TYPEDEF:
            self.emit[tid] = _ING
            self._emit(t.type, tid)
            if not self.fwd_emitted[tid] and t.name != "__builtin_va_list":
                w(self._typedef_def(tid, t, 0) + ";\n\n")
            self.emit[tid] = _ED
        elif k in (Kind.STRUCT, Kind.UNION):
            self.emit[tid] = _ING
            if cont == 0 or not t.name:
                new_cont = tid if t.name else cont
                for m in t.members:
                    self._emit(m.type, new_cont)
            elif not self.fwd_emitted[tid] and tid != cont:
                w(self._struct_fwd(tid, t) + ";\n\n")
                self.fwd_emitted[tid] = 1
            if cont == 0:
                w(self._struct_def(tid, t, 0) + ";\n\n")
                self.emit[tid] = _ED
            else:
                self.emit[tid] = _NOT
        elif k == Kind.FUNC_PROTO:
            self._emit(t.type, cont)
            for p in t.params:
                self._emit(p.type, cont)

    # -- names (btf_dump_resolve_name) ---------------------------------------

    def _resolve_name(self, tid: int, table: dict[str, int]) -> str:
        cached = self.names.get(tid)
        if cached is not None:
            return cached
        t = self.t(tid)
        name = t.name
        if name and not (t.kind == Kind.FWD or (t.kind == Kind.ENUM and t.vlen == 0)):
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

    def _struct_fwd(self, tid: int, t) -> str:
        kw = "struct" if t.kind == Kind.STRUCT else "union"
        return f"{kw} {self.type_name(tid)}" if t.name else kw

    def _fwd_def(self, tid: int, t) -> str:
        return f"{'union' if t.kflag else 'struct'} {self.type_name(tid)}"

    def _typedef_def(self, tid: int, t, lvl: int) -> str:
        name = self.ident_name(tid)
        if t.type == 0 and name == "__gnuc_va_list":
            return "typedef __builtin_va_list __gnuc_va_list"
        return "typedef " + self.decl(t.type, name, lvl)

    def _enum_def(self, tid: int, t, lvl: int) -> str:
        head = f"enum {self.type_name(tid)}" if t.name else "enum"
        if not t.vlen:
            return head
        parts = [head, " {"]
        pfx = "\t" * (lvl + 1)
        is64 = t.kind == Kind.ENUM64
        suffix = ("LL" if t.kflag else "ULL") if is64 else ""
        for v in t.values:
            dup = self.ident_names.get(v.name, 0) + 1
            self.ident_names[v.name] = dup
            name = f"{v.name}___{dup}" if dup > 1 else v.name
            val = v.value if t.kflag else v.value & ((1 << 64) - 1 if is64 else 0xFFFFFFFF)
            parts.append(f"\n{pfx}{name} = {val}{suffix},")
        parts.append("\n" + "\t" * lvl + "}")
        if t.size == 1:
            parts.append(" __attribute__((mode(byte)))")
        elif t.size == 8 and self.ptr_sz == 8:
            if not is64 or all(not (v.value & ((1 << 64) - 1)) >> 32 for v in t.values):
                parts.append(" __attribute__((mode(word)))")
        return "".join(parts)

    def _is_packed(self, t) -> bool:
        max_align = 1
        for m in t.members:
            align = align_of(self.btf, m.type)
            if align and not m.bitfield_size and m.bit_offset % (8 * align):
                return True
            max_align = max(align, max_align)
        return bool(t.size % max_align)

    def _struct_def(self, tid: int, t, lvl: int) -> str:
        is_struct = t.kind == Kind.STRUCT
        align = align_of(self.btf, tid)
        packed = is_struct and self._is_packed(t)
        kw = "struct" if is_struct else "union"
        parts = [f"{kw} {self.type_name(tid)} {{" if t.name else f"{kw} {{"]
        pfx = "\t" * (lvl + 1)
        off = 0
        prev_bitfield = False
        for m in t.members:
            m_sz = m.bitfield_size
            m_align = 1 if packed else align_of(self.btf, m.type)
            self._bit_padding(parts, off, m.bit_offset, m_align, prev_bitfield and m_sz != 0, lvl + 1)
            parts.append("\n" + pfx + self.decl(m.type, m.name, lvl + 1))
            if m_sz:
                parts.append(f": {m_sz}")
                off = m.bit_offset + m_sz
                prev_bitfield = True
            else:
                off = m.bit_offset + max(0, self._size(m.type)) * 8
                prev_bitfield = False
            parts.append(";")
        if is_struct:
            self._bit_padding(parts, off, t.size * 8, align, False, lvl + 1)
        if t.vlen or t.size:
            parts.append("\n" + "\t" * lvl + "}")
        else:
            parts.append("}")
        if packed:
            parts.append(" __attribute__((packed))")
        return "".join(parts)

    def _size(self, tid: int) -> int:
        try:
            return resolve_size(self.btf, tid)
        except Exception:  # noqa: BLE001 - libbpf treats an unsizable member as size 0
            return 0

    def _bit_padding(self, parts, cur: int, nxt: int, nxt_align: int, in_bitfield: bool, lvl: int) -> None:
        """libbpf btf_dump_emit_bit_padding: fill gaps with anonymous bitfields."""
        if cur >= nxt:
            return
        if nxt - cur > _MAX_PAD_BITS:
            # libbpf would print millions of `long: 64;` lines; real types never need it.
            raise self.btf.error(f"a gap of {(nxt - cur) // 8} bytes inside a struct is too large to pad")
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
        while cur != nxt:
            bits = min(nxt - cur, pad_bits)
            if bits == pad_bits:
                parts.append(f"\n{pfx}{pad_type}: {pad_bits};")
                cur += bits
                continue
            for ptype, pbits in reversed(pads):
                if pbits >= bits:
                    parts.append(f"\n{pfx}{ptype}: {bits};")
                    cur += bits
                    break

    # -- declarators (btf_dump_emit_type_decl / _chain) -----------------------

    def decl(self, tid: int, fname: str, lvl: int) -> str:
        """C declaration of ``fname`` with type ``tid`` (``int (*fname)[4]`` ...)."""
        stack: list[int] = []
        for _ in range(4096):
            stack.append(tid)
            if tid == 0:
                break
            t = self.t(tid)
            k = t.kind
            if k in (Kind.PTR, Kind.FUNC_PROTO) or k in _MODS:
                tid = t.type
            elif k == Kind.ARRAY:
                tid = t.array.type
            else:
                break
        out: list[str] = []
        self._chain(stack, fname, lvl, out)
        return "".join(out)

    def _emit_mods(self, stack: list[int], out: list[str]) -> None:
        while stack:
            tid = stack[-1]
            k = self.btf.kind(tid) if tid else Kind.UNKN
            if k == Kind.VOLATILE:
                out.append("volatile ")
            elif k == Kind.CONST:
                out.append("const ")
            elif k == Kind.RESTRICT:
                out.append("restrict ")
            else:
                return
            stack.pop()

    def _drop_mods(self, stack: list[int]) -> None:
        while stack and stack[-1] and self.btf.kind(stack[-1]) in _MODS:
            stack.pop()

    @staticmethod
    def _name(out: list[str], fname: str, last_was_ptr: bool) -> None:
        out.append((" " if fname and not last_was_ptr else "") + fname)

    def _chain(self, stack: list[int], fname: str, lvl: int, out: list[str]) -> None:
        last_was_ptr = True
        while stack:
            tid = stack.pop()
            if tid == 0:
                self._emit_mods(stack, out)
                out.append("void")
                last_was_ptr = False
                continue
            t = self.t(tid)
            k = t.kind
            if k in (Kind.INT, Kind.FLOAT):
                self._emit_mods(stack, out)
                out.append(t.name)
            elif k in (Kind.STRUCT, Kind.UNION):
                self._emit_mods(stack, out)
                out.append(self._struct_def(tid, t, lvl) if not t.name else self._struct_fwd(tid, t))
            elif k in (Kind.ENUM, Kind.ENUM64):
                self._emit_mods(stack, out)
                out.append(self._enum_def(tid, t, lvl) if not t.name else f"enum {self.type_name(tid)}")
            elif k == Kind.FWD:
                self._emit_mods(stack, out)
                out.append(self._fwd_def(tid, t))
            elif k == Kind.TYPEDEF:
                self._emit_mods(stack, out)
                out.append(self.ident_name(tid))
            elif k == Kind.PTR:
                out.append("*" if last_was_ptr else " *")
            elif k in (Kind.VOLATILE, Kind.CONST, Kind.RESTRICT):
                out.append(" " + k.name.lower())
            elif k == Kind.TYPE_TAG:
                self._emit_mods(stack, out)
                out.append(f" __attribute__(({t.name}))" if t.kflag
                           else f' __attribute__((btf_type_tag("{t.name}")))')
            elif k == Kind.ARRAY:
                self._drop_mods(stack)
                if not stack:
                    self._name(out, fname, last_was_ptr)
                    out.append(f"[{t.array.nelems}]")
                    return
                multidim = stack[-1] != 0 and self.btf.kind(stack[-1]) == Kind.ARRAY
                if fname and not last_was_ptr:
                    out.append(" ")
                if not multidim:
                    out.append("(")
                self._chain(stack, fname, lvl, out)
                if not multidim:
                    out.append(")")
                out.append(f"[{t.array.nelems}]")
                return
            elif k == Kind.FUNC_PROTO:
                self._drop_mods(stack)
                if stack:
                    out.append(" (")
                    self._chain(stack, fname, lvl, out)
                    out.append(")")
                else:
                    self._name(out, fname, last_was_ptr)
                out.append("(")
                params = t.params
                if not params or (len(params) == 1 and params[0].type == 0):
                    out.append("void)")
                    return
                for i, p in enumerate(params):
                    if i:
                        out.append(", ")
                    if i == len(params) - 1 and p.type == 0:
                        out.append("...")
                        break
                    out.append(self.decl(p.type, p.name, lvl))
                out.append(")")
                return
            else:
                log.warning("unexpected type in decl chain, kind:%d, id:[%d]", int(k), tid)
                return
            last_was_ptr = k == Kind.PTR
        self._name(out, fname, last_was_ptr)
