"""Instructions of one program as the kernel must receive them.

libbpf.c ``bpf_object__relocate``, in its order: CO-RE relocations of every
function (``bpf_object__relocate_core``), then data references
(``bpf_object__relocate_data``: maps by fd, global data as map value +
offset, ``.kconfig`` values, ``__ksym`` variables by BTF id or address,
kfunc calls by BTF id), then bpf-to-bpf calls and callback addresses
(``bpf_object__reloc_code``: each used ``.text`` subprogram is appended after
the program once, depth first, and every call/ld_imm64 offset is fixed), and
func_info/line_info re-based to the appended layout
(``adjust_prog_btf_ext_info``).
"""

from __future__ import annotations

from bpfdoctor.lazylog import get_logger
from bpfdoctor.record import field, record
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing

from bpfdoctor.errors import InputError
from bpfdoctor.kernel.loader.consts import (JMP_CALL, LD_IMM64, POISON_CALL_KFUNC_BASE, PSEUDO_BTF_ID,
                                            PSEUDO_CALL, PSEUDO_FUNC, PSEUDO_KFUNC_CALL, PSEUDO_MAP_FD,
                                            PSEUDO_MAP_VALUE)
from bpfdoctor.kernel.loader.insnbuf import INSN_SIZE, InsnBuf

if TYPE_CHECKING:  # coreapply (and btf.core with it) is imported only for objects with CO-RE relocations
    from bpfdoctor.kernel.loader.coreapply import CoreOutcome

log = get_logger(__name__)


class RelocError(Exception):
    """This program cannot be relocated (the message says why)."""


@record(frozen=False)
class Targets:
    """What relocations point at: map fds and resolved externs."""

    legacy: dict[int, int] = field(default_factory=dict)   # offset in "maps" -> fd
    btf: dict[str, int] = field(default_factory=dict)      # .maps name -> fd
    data: dict[str, int] = field(default_factory=dict)     # section name -> fd
    kconfig_fd: int | None = None
    externs: object = None


@record(frozen=False)
class RelocatedFunc:
    """One function with its data, extern and CO-RE relocations applied, in its
    own copy; ``link`` fixes the ``calls`` once it has placed the subprograms."""

    buf: InsnBuf
    calls: dict[int, tuple[str, int]]  # local slot -> (kind "call"/"func_addr", symbol value)
    core: list[CoreOutcome]


def _ldimm64(buf: InsnBuf, i: int, what: str) -> None:
    if buf.get(i)[0] != LD_IMM64 or i + 1 >= len(buf):
        raise RelocError(f"relocation of {what} at insn {i} is not on an ld_imm64 instruction")


def _reloc_extern(buf: InsnBuf, i: int, r, t: Targets) -> None:
    ext = t.externs
    kv = ext.kconfig_var(r.symbol) if ext is not None else None
    if kv is not None:
        _ldimm64(buf, i, f"kconfig {r.symbol}")
        buf.set(i, src=PSEUDO_MAP_VALUE, imm=t.kconfig_fd)
        buf.set(i + 1, imm=kv.offset)
        return
    ks = ext.ksym(r.symbol) if ext is not None else None
    if ks is None:
        raise RelocError(f"extern {r.symbol!r} is neither in .kconfig nor in .ksyms")
    code = buf.get(i)[0]
    if code == JMP_CALL:
        if ks.btf_id:
            buf.set(i, src=PSEUDO_KFUNC_CALL, imm=ks.btf_id, off=0)
        else:  # libbpf.c poison_kfunc_call: unresolved weak kfunc
            buf.set(i, src=0, off=0, imm=POISON_CALL_KFUNC_BASE + ext.ksym_index(ks.name))
        return
    _ldimm64(buf, i, f"ksym {r.symbol}")
    if ks.btf_id:
        buf.set(i, src=PSEUDO_BTF_ID, imm=ks.btf_id)
        buf.set(i + 1, imm=0)  # 0: vmlinux, not a module BTF fd
    else:
        buf.set(i, src=0, imm=ks.addr & 0xFFFFFFFF)
        buf.set(i + 1, imm=(ks.addr >> 32) & 0xFFFFFFFF)


def _reloc_data(buf: InsnBuf, i: int, r, t: Targets) -> None:
    """libbpf.c RELO_DATA: insn[1].imm = insn[0].imm + symbol offset."""
    _ldimm64(buf, i, f"data {r.symbol}")
    fd = t.data.get(r.symbol_section)
    if fd is None:
        raise RelocError(f"reference to {r.symbol} in section {r.symbol_section}, which is not a map")
    buf.set(i + 1, imm=buf.get(i)[4] + r.symbol_value)
    buf.set(i, src=PSEUDO_MAP_VALUE, imm=fd)


def _reloc_map(buf: InsnBuf, i: int, r, t: Targets) -> None:
    _ldimm64(buf, i, f"map {r.symbol}")
    fd = t.legacy.get(r.symbol_value) if r.symbol_section == "maps" else t.btf.get(r.symbol)
    if fd is None:
        raise RelocError(f"reference to map {r.symbol!r}, which was not created")
    buf.set(i, src=PSEUDO_MAP_FD, imm=fd)


class Spans:
    """Records of one section by instruction index: those in ``[lo, hi)``, in
    their own order, found by bisection (a function's share of its section's
    relocations or BTF.ext records; scanning the whole section for each
    function made an object of many functions quadratic)."""

    def __init__(self, records, key) -> None:
        order = sorted(range(len(records)), key=lambda i: key(records[i]))
        self._records = records
        self._order = order
        self._keys = [key(records[i]) for i in order]

    def between(self, lo: int, hi: int) -> list:
        from bisect import bisect_left

        idx = self._order[bisect_left(self._keys, lo):bisect_left(self._keys, hi)]
        return [self._records[i] for i in sorted(idx)]


def spans(cache: dict, what: str, section: str, records, key) -> Spans:
    """``Spans`` of ``records`` (``what`` of ``section``), made once per cache."""
    got = cache.get((what, section))
    if got is None:
        got = cache[(what, section)] = Spans(records, key)
    return got


def _insn(r) -> int:
    return r.insn


class Relocator:
    """An object's functions relocated for one load, each once, as the
    programs that use them ask (``relocator(func)``); the object's
    relocations and CO-RE records are indexed by function once."""

    def __init__(self, obj, t: Targets, core_target) -> None:
        self.obj, self.targets, self.core_target = obj, t, core_target
        self._done: dict[str, RelocatedFunc] = {}
        self._spans: dict = {}
        self._text: dict | None = None

    @property
    def text(self) -> dict:
        """``.text`` subprograms by first instruction."""
        if self._text is None:
            self._text = {f.first_insn: f for f in self.obj.subprograms}
        return self._text

    def __call__(self, func) -> RelocatedFunc:
        done = self._done.get(func.name)
        if done is None:
            done = self._done[func.name] = self.relocate(func)
        return done

    def _of(self, what: str, func, records) -> list:
        first = func.first_insn
        return spans(self._spans, what, func.section, records, _insn).between(first, first + func.insn_count)

    def relocate(self, func) -> RelocatedFunc:
        """Data, extern and CO-RE relocations of one function, in its own copy."""
        obj, t = self.obj, self.targets
        sec = obj.elf.sections[func.section_index]
        data = obj.elf.section_data(sec)[func.offset:func.offset + func.size]
        buf = InsnBuf(data)
        first = func.first_insn
        calls: dict[int, tuple[str, int]] = {}
        core = self._apply_core(func, buf)
        for r in self._of("relocs", func, obj.section_relocations(func.section)):
            i = r.insn - first
            if r.kind in ("call", "func_addr"):
                if r.symbol_section != ".text":
                    raise RelocError(f"call to {r.symbol} in section {r.symbol_section}: subprograms must be "
                                     "in .text")
                if r.kind == "func_addr":
                    # libbpf.c bpf_program__record_reloc marks RELO_SUBPROG_ADDR for the
                    # kernel; clang emits a plain ld_imm64 of the address.
                    _ldimm64(buf, i, f"callback {r.symbol}")
                    buf.set(i, src=PSEUDO_FUNC)
                calls[i] = (r.kind, r.symbol_value)
            elif r.kind == "map":
                _reloc_map(buf, i, r, t)
            elif r.kind == "data":
                _reloc_data(buf, i, r, t)
            elif r.kind == "extern":
                _reloc_extern(buf, i, r, t)
            else:
                raise RelocError(f"relocation against {r.symbol!r} in section {r.symbol_section} is not "
                                 "supported")
        return RelocatedFunc(buf, calls, core)

    def _apply_core(self, func, buf: InsnBuf) -> list[CoreOutcome]:
        ext = self.obj.btf_ext
        relos = ext.core_relos.get(func.section, ()) if ext is not None else ()
        mine = self._of("core", func, relos) if relos else ()
        if not mine:
            return []
        from bpfdoctor.kernel.loader.coreapply import CoreError, apply_one

        first = func.first_insn
        cands = self.core_target()  # a coreapply.CandidateCache over the target BTF
        try:
            return [apply_one(buf, r.insn - first, r, self.obj.btf, cands) for r in mine]
        except CoreError as e:
            raise RelocError(str(e)) from None


def relocate_function(obj, func, t: Targets, core_target) -> RelocatedFunc:
    """One function alone (a ``Relocator`` relocates many, indexing the object once)."""
    return Relocator(obj, t, core_target).relocate(func)


# -- linking -----------------------------------------------------------------------

@record(frozen=False)
class Linked:
    """A program as the kernel gets it: the main function with the subprograms
    it uses appended and calls fixed, and the CO-RE outcomes of all of them."""

    buf: InsnBuf
    placed: list[tuple[object, int]]  # (function, first slot in the program), main first
    core: list[CoreOutcome]


def link(relocated: Relocator, main) -> Linked:
    """libbpf.c bpf_object__reloc_code: append used subprograms, fix call offsets.
    ``relocated(func)`` gives the function's RelocatedFunc, made once per load."""
    text = relocated.text
    mr = relocated(main)
    buf = mr.buf.copy()
    placed: list[tuple[object, int]] = [(main, 0)]
    start_of = {main.name: 0}
    core = list(mr.core)

    def walk(func, base: int, rf: RelocatedFunc) -> None:
        nonlocal core
        i = 0
        n = len(rf.buf)
        while i < n:
            code, dst, src, off, imm = buf.get(base + i)
            is_call = code == JMP_CALL and src == PSEUDO_CALL
            is_addr = code == LD_IMM64 and src == PSEUDO_FUNC
            if is_call or is_addr:
                target = _call_target(func, i, imm, rf.calls.get(i), is_call)
                sub = text.get(target)
                if sub is None:
                    raise RelocError(f"{func.name}: call at insn {i} targets .text insn {target}, "
                                     "which starts no function")
                if sub.name not in start_of:
                    start = len(buf)
                    start_of[sub.name] = start
                    sr = relocated(sub)
                    buf.extend(sr.buf)
                    placed.append((sub, start))
                    core += sr.core
                    walk(sub, start, sr)
                buf.set(base + i, imm=start_of[sub.name] - (base + i) - 1)
            i += 2 if code == LD_IMM64 else 1

    walk(main, 0, mr)
    return Linked(buf, placed, core)


def _call_target(func, i: int, imm: int, relo, is_call: bool) -> int:
    """.text instruction index a call/func address refers to (libbpf.c reloc_code)."""
    if relo is not None:
        _kind, sym_off = relo
        if is_call:
            return sym_off // INSN_SIZE + imm + 1
        return (sym_off + imm) // INSN_SIZE
    if not is_call:
        raise RelocError(f"{func.name}: callback address at insn {i} has no relocation")
    if func.section != ".text":
        raise RelocError(f"{func.name}: call at insn {i} without relocation leaves .text")
    return func.first_insn + i + imm + 1


def btf_ext_for(linked: Linked, raw_ext) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    """func_info and line_info records of the linked program (adjust_prog_btf_ext_info)."""
    funcs, lines = [], []
    if raw_ext is None:
        return funcs, lines
    for func, start in linked.placed:
        lo, hi = func.first_insn, func.first_insn + func.insn_count
        for out, what, table in ((funcs, "func", raw_ext.func_info), (lines, "line", raw_ext.line_info)):
            recs = table.get(func.section)
            if recs:
                found = spans(raw_ext.index, what, func.section, recs, _first).between(lo, hi)
                out += [(rec[0] - lo + start,) + rec[1:] for rec in found]
    return funcs, lines


def _first(rec: tuple) -> int:
    return rec[0]


def check_object(obj) -> None:
    """What no relocation can fix: byte order and machine; functions that are
    not whole instructions (libbpf.c bpf_object__add_programs refuses the
    object: "corrupted program")."""
    if not obj.little_endian:
        raise InputError(obj.path, "big-endian BPF object; this host runs little-endian programs",
                         hint="rebuild with clang -target bpfel (or -target bpf)")
    from bpfdoctor.elf.funccheck import corrupted_functions

    bad = corrupted_functions(obj.elf)
    if bad:
        sec, sym = bad[0]
        raise InputError(obj.path, f"section {sec.name!r}: corrupted program {sym.name!r}, offset "
                         f"{sym.value}, size {sym.size} (libbpf takes whole {INSN_SIZE}-byte "
                         "instructions, at least one)")
