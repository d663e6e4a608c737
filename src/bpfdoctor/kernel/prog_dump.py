"""Gather what ``prog dump xlated`` and ``prog dump jited`` print.

System code: reads the program info (kernel/bpf/syscall.c
``bpf_prog_get_info_by_fd``), the program's BTF, /proc/kallsyms and the
sysctls that decide what the kernel withholds; the formatting is pure
(``bpfdoctor.isa.xlated``, ``bpfdoctor.render.prog``).
"""

from __future__ import annotations

from bpfdoctor.btf import Btf
from bpfdoctor.errors import UsageError
from bpfdoctor.isa import xlated as X
from bpfdoctor.isa.helpers import HELPER_NAMES
from bpfdoctor.isa.insn import decode
from bpfdoctor.kernel import info as kinfo
from bpfdoctor.kernel import prog_access, prog_select
from bpfdoctor.kernel.objects import KernelObject
from bpfdoctor.kernel.prog_btf import kernel_helper_names, program_btf
from bpfdoctor.kernel.prog_kallsyms import KernelSymbols, read_kernel_symbols
from bpfdoctor.kernel.prog_list import ProgramEntry, describe
from bpfdoctor.lazylog import get_logger
from bpfdoctor.record import record

log = get_logger(__name__)
_XLATED = frozenset({"xlated_prog_insns", "jited_ksyms", "jited_func_lens", "func_info", "line_info",
                     "jited_line_info", "map_ids"})
_JITED = frozenset({"jited_prog_insns", "xlated_prog_insns", "jited_ksyms", "jited_func_lens",
                    "func_info", "line_info", "jited_line_info", "map_ids"})


@record
class ProgramData:
    """One program's info with its arrays, BTF and annotation records."""

    entry: ProgramEntry
    info: kinfo.ProgInfoRecord
    btf: Btf | None
    funcs: tuple[X.FuncRecord, ...]
    lines: tuple[X.LineRecord, ...]


@record
class XlatedDump:
    """What ``prog dump xlated`` prints: the program, its translated instructions
    as lines, and notes on what is missing and why."""

    data: ProgramData
    lines: tuple[X.XlatedLine, ...]
    notes: tuple[str, ...]


@record
class JitedFunc:
    """One function of a JIT image: its kallsyms name (or address, or "unknown"
    when withheld), BTF prototype (None without BTF), start address and
    machine code."""

    label: str
    proto: str | None
    address: int
    image: bytes
    flen: int                 # xlated instructions of this function
    sources: object = None    # pc -> X.Source | None, stateful like bpftool's nr_skip


@record
class JitedDump:
    """What ``prog dump jited`` prints: the program, its functions' machine code,
    and notes on what is missing and why."""

    data: ProgramData
    funcs: tuple[JitedFunc, ...]
    notes: tuple[str, ...]


def fetch(fd: KernelObject, arrays: frozenset[str], btf_cache: dict | None = None) -> ProgramData:
    entry = describe(fd)
    rec = kinfo.prog_info(fd, arrays=arrays)
    btf = program_btf(rec.btf_id, btf_cache) if rec.btf_id else None
    return ProgramData(entry, rec, btf, X.parse_func_info(rec.func_info, rec.func_info_rec_size),
                       X.parse_line_info(rec.line_info, rec.line_info_rec_size))


def _symbols(ksyms: KernelSymbols, rec: kinfo.ProgInfoRecord, insns) -> X.Symbols:
    targets = X.call_targets(insns, ksyms.call_base, rec.jited_ksyms)
    extra = {}
    if any(i.code == 0x85 and i.src == 0 and 0 < i.imm < 1024 and i.imm not in HELPER_NAMES for i in insns):
        # Helper ids newer than our table: the running kernel's enum names them.
        extra = {k: v for k, v in kernel_helper_names().items() if k not in HELPER_NAMES}
    # bpftool tests info->nr_jited_ksyms, the count the kernel keeps even when
    # it withholds the addresses.
    return X.Symbols(ksyms.call_base, ksyms.names(targets), rec.jited_ksyms, rec.nr_jited_ksyms, extra)


def dump_xlated(fd: KernelObject, *, ksyms: KernelSymbols | None = None, btf_cache: dict | None = None,
                access: prog_access.DumpAccess | None = None) -> XlatedDump:
    data = fetch(fd, _XLATED, btf_cache)
    rec = data.info
    if not rec.xlated_insns:
        raise UsageError(f"program {rec.id}: the kernel returned no translated instructions")
    ksyms = ksyms if ksyms is not None else read_kernel_symbols()
    access = access or prog_access.read_access()
    insns = decode(rec.xlated_insns, True, section="xlated_prog_insns")
    syms = _symbols(ksyms, rec, insns)
    lines = X.xlated_lines(rec.xlated_insns, syms, btf=data.btf, funcs=data.funcs, lines=data.lines)
    notes = prog_access.xlated_notes(access, rec, symbols_hidden=ksyms.hidden, blinded=prog_access.uses_ax(insns),
                                     has_btf=data.btf is not None, has_lines=bool(data.lines))
    return XlatedDump(data, tuple(lines), tuple(notes))


def dump_jited(fd: KernelObject, *, ksyms: KernelSymbols | None = None, btf_cache: dict | None = None,
               access: prog_access.DumpAccess | None = None) -> JitedDump:
    data = fetch(fd, _JITED, btf_cache)
    rec = data.info
    access = access or prog_access.read_access()
    if not rec.jited_insns:
        raise UsageError(prog_access.jited_missing_reason(access, rec))
    ksyms = ksyms if ksyms is not None else read_kernel_symbols()
    insns = decode(rec.xlated_insns, True, section="xlated_prog_insns") if rec.xlated_insns else []
    funcs = tuple(_jited_funcs(data, ksyms, insns))
    notes = prog_access.jited_notes(access, rec, symbols_hidden=ksyms.hidden, blinded=prog_access.uses_ax(insns),
                                    has_btf=data.btf is not None, has_lines=bool(data.lines))
    return JitedDump(data, funcs, tuple(notes))


def subprog_starts(insns) -> list[int]:
    """Function starts in xlated code, as the verifier finds them
    (kernel/bpf/verifier.c ``add_subprog_and_kfunc``): pc-relative calls
    (the kernel keeps the offset in ``off``) and ld_imm64 of a function."""
    starts = {0}
    for i in insns:
        if i.code == 0x85 and i.src == X.PSEUDO_CALL:
            starts.add(i.index + i.off + 1)
        elif i.code == 0x18 and i.src == X.PSEUDO_FUNC:
            starts.add(i.index + i.imm + 1)
    return sorted(starts)


def _func_flens(data: ProgramData, insns, nfuncs: int) -> list[int]:
    total = data.info.xlated_prog_len // 8
    starts = [f.insn_off for f in data.funcs] if len(data.funcs) == nfuncs else subprog_starts(insns)
    if len(starts) != nfuncs:
        return [total] if nfuncs == 1 else [0] * nfuncs
    bounds = starts + [total]
    return [bounds[k + 1] - bounds[k] for k in range(nfuncs)]


def _jited_funcs(data: ProgramData, ksyms: KernelSymbols, insns):
    rec = data.info
    lens = rec.jited_func_lens or (len(rec.jited_insns),)
    if sum(lens) != len(rec.jited_insns):
        log.warning("program %d: function lengths %s do not add up to %d bytes", rec.id, lens,
                    len(rec.jited_insns))
        lens = (len(rec.jited_insns),)
    names = ksyms.names(rec.jited_ksyms)
    flens = _func_flens(data, insns, len(lens))
    pieces = X.dissect_jited(data.lines, rec.jited_line_info, rec.jited_ksyms, rec.jited_func_lens)
    pos = 0
    for i, size in enumerate(lens):
        addr = rec.jited_ksyms[i] if i < len(rec.jited_ksyms) else 0
        if rec.jited_ksyms:
            label = names.get(addr) or f"0x{addr:016x}"
        else:
            label = "unknown"
        proto = None
        if data.btf is not None and i < len(data.funcs):
            proto = X.func_signature(data.btf, data.funcs[i].type_id) or None
        sources = _source_finder(data, pieces, i, addr) if pieces is not None and data.btf is not None else None
        yield JitedFunc(label, proto, addr, rec.jited_insns[pos:pos + size], flens[i], sources)
        pos += size


def _source_finder(data: ProgramData, pieces, func_idx: int, base: int):
    """disasm_print_insn's loop state: one call per instruction, in order."""
    state = {"skip": 0}
    addrs = data.info.jited_line_info

    def at(pc: int):
        idx = X.lfind_addr_func(addrs, pieces, base + pc, func_idx, state["skip"])
        if idx is None:
            return None
        state["skip"] += 1
        return X.source_of(data.btf, data.lines[idx])
    return at


def open_one_or_more(selector: prog_select.Selector) -> list[KernelObject]:
    return prog_select.open_programs(selector)


def dump_selected(selector: prog_select.Selector, kind: str) -> list:
    """Dump every program ``selector`` names ("xlated" or "jited"), sharing the
    kernel symbols, access facts and BTF cache, and closing every fd."""
    dump = {"xlated": dump_xlated, "jited": dump_jited}[kind]
    fds = open_one_or_more(selector)
    ksyms, access, cache = read_kernel_symbols(), prog_access.read_access(), {}
    try:
        return [dump(fd, ksyms=ksyms, btf_cache=cache, access=access) for fd in fds]
    finally:
        for fd in fds:
            fd.close()
