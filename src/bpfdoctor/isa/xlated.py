"""``bpftool prog dump xlated`` from bytes: the translated instructions of a
loaded program, in the kernel's syntax, with bpftool's names.

Pure code.  The caller (``bpfdoctor.kernel.prog_dump``) fetches the program
info and the kernel symbols; this module only formats.  What it copies:

- tools/bpf/bpftool/xlated_dumper.c ``dump_xlated_plain``/``dump_xlated_json``
  (layout, ``% 4d: `` index, opcodes), ``print_call``/``print_call_pcrel``/
  ``print_call_helper`` (call names through kallsyms) and ``print_imm``
  (``map[id:N]``, ``map[id:N][0]+off``, ``subprog[+N]``);
- tools/bpf/bpftool/btf_dumper.c ``btf_dumper_type_only``/``btf_dump_func``
  (the ``int f(struct x * ctx):`` header) and ``btf_dump_linfo_plain``/
  ``btf_dump_linfo_json`` (``; source`` lines);
- tools/lib/bpf/bpf_prog_linfo.c ``bpf_prog_linfo__lfind`` (which line
  record belongs to an instruction).

The kernel rewrites call immediates before the dump (kernel/bpf/verifier.c
``do_misc_fixups``/``jit_subprogs``; kernel/bpf/syscall.c
``bpf_insn_prepare_dump``): a helper or kfunc call holds
``address - __bpf_call_base``, a bpf-to-bpf call holds the subprogram index
in ``imm`` and the original pc-relative offset in ``off``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping

from bpfdoctor.btf import Btf, Kind
from bpfdoctor.errors import BpfDoctorError
from bpfdoctor.isa import kernel as ktext
from bpfdoctor.isa.insn import Instruction, decode
from bpfdoctor.record import field, record

U64 = (1 << 64) - 1
# kernel/bpf/disasm.c func_id_str[]: __BPF_FUNC_MAPPER starts with FN(unspec),
# so a zeroed helper call (bpf_insn_prepare_dump without bpf_dump_raw_ok)
# prints as "bpf_unspec".  isa.helpers.HELPER_NAMES has no entry for 0.
UNSPEC_HELPER = "bpf_unspec"
PSEUDO_MAP_FD, PSEUDO_MAP_VALUE, PSEUDO_FUNC = 1, 2, 4
PSEUDO_CALL, PSEUDO_KFUNC_CALL = 1, 2


@record
class FuncRecord:
    """struct bpf_func_info as the kernel reports it (insn_off in instructions)."""

    insn_off: int
    type_id: int


@record
class LineRecord:
    """struct bpf_line_info: offsets into the program's BTF string section."""

    insn_off: int
    file_name_off: int
    line_off: int
    line_col: int

    @property
    def line_num(self) -> int:  # include/uapi/linux/bpf.h BPF_LINE_INFO_LINE_NUM
        return self.line_col >> 10

    @property
    def column(self) -> int:  # BPF_LINE_INFO_LINE_COL
        return self.line_col & 0x3FF


def parse_func_info(raw: bytes, rec_size: int) -> tuple[FuncRecord, ...]:
    """Records of ``rec_size`` bytes; only the first 8 are ours (newer kernels may grow them)."""
    if rec_size < 8:
        return ()
    return tuple(FuncRecord(*struct.unpack_from("<II", raw, off))
                 for off in range(0, len(raw) - rec_size + 1, rec_size))


def parse_line_info(raw: bytes, rec_size: int) -> tuple[LineRecord, ...]:
    if rec_size < 16:
        return ()
    return tuple(LineRecord(*struct.unpack_from("<IIII", raw, off))
                 for off in range(0, len(raw) - rec_size + 1, rec_size))


@record
class Source:
    """One ``; line`` annotation: bpftool's ``src`` plus the ``linum`` fields."""

    text: str
    file: str | None
    line_num: int
    column: int


def btf_string(btf: Btf | None, off: int) -> str | None:
    """libbpf ``btf__name_by_offset``: None when the offset is outside the strings."""
    if btf is None or not btf.has_str(off):
        return None
    return btf.str_at(off)


def source_of(btf: Btf | None, rec: LineRecord) -> Source | None:
    """btf_dump_linfo_plain: no line text, no annotation; leading blanks trimmed."""
    line = btf_string(btf, rec.line_off)
    if line is None:
        return None
    return Source(line.lstrip(" \t\n\v\f\r"), btf_string(btf, rec.file_name_off), rec.line_num, rec.column)


def lfind(lines: tuple[LineRecord, ...], insn_off: int, nr_skip: int) -> LineRecord | None:
    """tools/lib/bpf/bpf_prog_linfo.c ``bpf_prog_linfo__lfind``: the last record
    from ``nr_skip`` on whose insn_off <= ``insn_off``, if it is exactly there."""
    if nr_skip >= len(lines) or insn_off < lines[nr_skip].insn_off:
        return None
    found = nr_skip
    for i in range(nr_skip, len(lines)):
        if insn_off < lines[i].insn_off:
            break
        found = i
    rec = lines[found]
    return rec if rec.insn_off == insn_off else None


# --- btf_dumper_type_only --------------------------------------------------

class _NoSig(Exception):
    """A kind btf_dumper_type_only cannot print: bpftool prints no header."""


def func_signature(btf: Btf | None, type_id: int) -> str:
    """bpftool btf_dumper.c ``btf_dumper_type_only``: ``int f(struct x * ctx)``, or ""."""
    if btf is None:
        return ""
    out: list[str] = []
    try:
        _type_only(btf, type_id, out, 0)
    except (_NoSig, BpfDoctorError):  # bad ids or kinds: bpftool prints no header
        return ""
    return "".join(out)


def _type_only(btf: Btf, tid: int, out: list[str], depth: int) -> None:
    if depth > 64:
        raise _NoSig
    if tid == 0:
        out.append("void ")
        return
    t = btf.type(tid)
    k = t.kind
    if k in (Kind.INT, Kind.TYPEDEF, Kind.FLOAT):
        out.append(f"{t.name} ")
    elif k in (Kind.STRUCT, Kind.UNION, Kind.ENUM):
        out.append(f"{k.name.lower()} {t.name} ")
    elif k == Kind.ARRAY:
        _type_only(btf, t.array.type, out, depth + 1)
        out.append(f"[{t.array.nelems}]")
    elif k == Kind.PTR:
        _type_only(btf, t.type, out, depth + 1)
        out.append("* ")
    elif k == Kind.FWD:
        out.append(f"{'union' if t.kflag else 'struct'} {t.name} ")
    elif k in (Kind.VOLATILE, Kind.CONST, Kind.RESTRICT):
        out.append(f"{k.name.lower()} ")
        _type_only(btf, t.type, out, depth + 1)
    elif k == Kind.FUNC_PROTO:
        _func(btf, t, None, out, depth)
    elif k == Kind.FUNC:
        _func(btf, btf.type(t.type), t.name, out, depth)
    elif k == Kind.VAR:
        if t.var_linkage is not None and int(t.var_linkage) == 0:  # BTF_VAR_STATIC
            out.append("static ")
        _type_only(btf, t.type, out, depth + 1)
        out.append(f" {t.name}")
    elif k == Kind.DATASEC:
        out.append(f'section ("{t.name}") ')
    else:
        # bpftool 7.1 knows no ENUM64, TYPE_TAG, DECL_TAG here: no header.
        raise _NoSig


def _func(btf: Btf, proto, name: str | None, out: list[str], depth: int) -> None:
    """btf_dump_func: return type, name, parameters."""
    if proto.kind != Kind.FUNC_PROTO:
        raise _NoSig
    _type_only(btf, proto.type, out, depth + 1)
    out.append(f"{name}(" if name is not None else "(")
    for i, p in enumerate(proto.params):
        if i:
            out.append(", ")
        if p.type:
            _type_only(btf, p.type, out, depth + 1)
            if p.name:
                out.append(p.name)
            elif out and out[-1].endswith(" "):
                out[-1] = out[-1][:-1]
        else:
            out.append("...")
    out.append(")")


# --- call and immediate names ------------------------------------------------

@record
class Symbols:
    """What bpftool's ``dump_data`` holds: ``__bpf_call_base`` and kallsyms.

    ``call_base`` is 0 and ``names`` empty when /proc/kallsyms shows zero
    addresses (kptr_restrict, no CAP_SYSLOG); ``jited_ksyms`` is empty for an
    interpreted program or when the kernel withheld it.
    """

    call_base: int = 0
    names: Mapping[int, str] = field(default_factory=dict)
    jited_ksyms: tuple[int, ...] = ()
    nr_jited_ksyms: int = 0
    helper_names: Mapping[int, str] = field(default_factory=dict)  # ids beyond isa.helpers


def call_targets(insns: list[Instruction], call_base: int, jited_ksyms: tuple[int, ...]) -> set[int]:
    """The addresses whose kallsyms names the dump needs (bpftool print_call)."""
    out = set()
    for insn in insns:
        if insn.code != 0x85:
            continue
        if insn.src == PSEUDO_CALL and 0 <= (insn.imm & 0xFFFFFFFF) < len(jited_ksyms):
            out.add(jited_ksyms[insn.imm & 0xFFFFFFFF])
        else:
            out.add((call_base + insn.imm) & U64)
    return out


def _call_namer(syms: Symbols) -> Callable[[Instruction], str | None]:
    def name(insn: Instruction) -> str | None:
        if insn.src == 0 and insn.imm == 0:
            return UNSPEC_HELPER
        if insn.src == 0 and insn.imm in syms.helper_names:
            return syms.helper_names[insn.imm]
        address = (syms.call_base + insn.imm) & U64
        if insn.src == PSEUDO_CALL and 0 <= (insn.imm & 0xFFFFFFFF) < len(syms.jited_ksyms):
            address = syms.jited_ksyms[insn.imm & 0xFFFFFFFF]
        sym = syms.names.get(address)
        if insn.src == PSEUDO_CALL:  # print_call_pcrel
            if not syms.nr_jited_ksyms:
                return f"{insn.off:+d}"
            return f"{insn.off:+d}#{sym}" if sym else f"{insn.off:+d}#{address:#x}"
        return sym if sym else f"{address:#x}"  # print_call_helper
    return name


def _imm_name(insn: Instruction, full: int) -> str:
    """bpftool print_imm."""
    if insn.src == PSEUDO_MAP_FD:
        return f"map[id:{insn.imm & 0xFFFFFFFF}]"
    if insn.src == PSEUDO_MAP_VALUE:
        return f"map[id:{insn.imm & 0xFFFFFFFF}][0]+{(insn.imm_hi or 0) & 0xFFFFFFFF}"
    if insn.src == PSEUDO_FUNC:
        return f"subprog[{insn.imm:+d}]"
    return f"{full:#x}"


# --- the dump ------------------------------------------------------------------

@record
class XlatedLine:
    """One instruction of the dump with what bpftool prints before it."""

    index: int
    text: str                 # "(79) r2 = *(u64 *)(r1 +0)"
    raw: bytes                # 8 bytes, 16 for ld_imm64
    proto: str | None = None  # function header, when func_info starts here
    source: Source | None = None


def xlated_lines(code: bytes, syms: Symbols, *, btf: Btf | None = None,
                 funcs: tuple[FuncRecord, ...] = (), lines: tuple[LineRecord, ...] = ()) -> list[XlatedLine]:
    """Decode ``code`` (the kernel's ``xlated_prog_insns``) and annotate it."""
    insns = decode(code, True, section="xlated_prog_insns")
    namer = _call_namer(syms)
    out: list[XlatedLine] = []
    fidx, nr_skip = 0, 0
    for insn in insns:
        i = insn.index
        proto = None
        if btf is not None and fidx < len(funcs) and funcs[fidx].insn_off == i:
            proto = func_signature(btf, funcs[fidx].type_id) or None
            fidx += 1
        src = None
        rec = lfind(lines, i, nr_skip) if lines else None
        if rec is not None:
            src = source_of(btf, rec)
            nr_skip += 1
        text = ktext.text(insn, call_name=namer, imm_name=_imm_name, allow_ptr_leaks=True)
        out.append(XlatedLine(i, text, code[i * 8: i * 8 + 8 * insn.slots], proto, src))
    return out


def format_plain(lines: list[XlatedLine], *, opcodes: bool = False, linum: bool = False,
                 source: bool = True) -> str:
    """dump_xlated_plain."""
    out: list[str] = []
    for ln in lines:
        if ln.proto:
            out.append(f"{ln.proto}:")
        if source and ln.source is not None:
            out.append(_source_plain(ln.source, linum))
        out.append(f"{ln.index:4d}: {ln.text}")
        if opcodes:
            out.append("       " + " ".join(f"{b:02x}" for b in ln.raw))
    return "\n".join(out) + "\n" if out else ""


def _source_plain(src: Source, linum: bool) -> str:
    if not linum:
        return f"; {src.text}"
    return f"; {src.text} [file:{src.file or ''} line_num:{src.line_num} line_col:{src.column}]"


def to_json(lines: list[XlatedLine], *, opcodes: bool = False, linum: bool = False,
            source: bool = True) -> list[dict]:
    """dump_xlated_json: the same keys, in the same order, as bpftool."""
    out = []
    for ln in lines:
        rec: dict = {}
        if ln.proto:
            rec["proto"] = ln.proto
        if source and ln.source is not None:
            rec["src"] = ln.source.text
            if linum:
                if ln.source.file is not None:
                    rec["file"] = ln.source.file
                if ln.source.line_num:
                    rec["line_num"] = ln.source.line_num
                if ln.source.column:
                    rec["line_col"] = ln.source.column
        rec["disasm"] = ln.text
        if opcodes:
            rec["opcodes"] = _opcodes_json(ln.raw)
        out.append(rec)
    return out


def _opcodes_json(raw: bytes) -> dict:
    return {
        "code": f"0x{raw[0]:02x}",
        "src_reg": f"{raw[1] >> 4:#x}",
        "dst_reg": f"{raw[1] & 0xF:#x}",
        "off": [f"0x{b:02x}" for b in raw[2:4]],
        "imm": [f"0x{b:02x}" for b in raw[4:16 if len(raw) == 16 else 8]],
    }


# --- source lines of JIT code ------------------------------------------------

def dissect_jited(lines: tuple[LineRecord, ...], jited_addrs: tuple[int, ...], ksyms: tuple[int, ...],
                  func_lens: tuple[int, ...]) -> list[tuple[int, int]] | None:
    """tools/lib/bpf/bpf_prog_linfo.c ``dissect_jited_func``: (first record,
    record count) per function; None where libbpf gives up (bpftool then
    prints no source)."""
    n, nf = len(lines), len(ksyms)
    if not n or n != len(jited_addrs) or not nf or nf != len(func_lens) or ksyms[0] != jited_addrs[0]:
        return None
    starts, prev, f = [0], 0, 1
    i = 1
    while i < n and f < nf:
        last = jited_addrs[i - 1]
        if ksyms[f] == jited_addrs[i]:
            if last - ksyms[f - 1] + 1 > func_lens[f - 1]:
                return None
            starts.append(i)
            prev = i
            f += 1
        elif jited_addrs[i] <= last:
            return None
        i += 1
    if f != nf:
        return None
    counts = [starts[k + 1] - starts[k] for k in range(nf - 1)] + [n - prev]
    return list(zip(starts, counts))


def lfind_addr_func(jited_addrs: tuple[int, ...], funcs: list[tuple[int, int]], addr: int,
                    func_idx: int, nr_skip: int) -> int | None:
    """``bpf_prog_linfo__lfind_addr_func``: index of the last record (from
    ``nr_skip`` within the function) whose address is <= ``addr``."""
    if func_idx >= len(funcs):
        return None
    start, count = funcs[func_idx]
    if nr_skip >= count:
        return None
    first = start + nr_skip
    if addr < jited_addrs[first]:
        return None
    found = first
    for i in range(first, start + count):
        if addr < jited_addrs[i]:
            break
        found = i
    return found
