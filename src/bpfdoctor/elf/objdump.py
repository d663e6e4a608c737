"""llvm-objdump-19 compatible views of a BPF object: ``-h`` and ``-d``.

The layout rules copy llvm-objdump's ``disassembleObject`` and
``printSectionHeaders`` (llvm/tools/llvm-objdump/llvm-objdump.cpp, LLVM 19):

* one label per address: section symbols are skipped, the symbols of a
  section are sorted by (address, name, type) and the last one at an address
  is shown (and used for branch targets); a section with no symbol at its
  start gets a dummy label named after the section;
* ``STT_OBJECT`` symbols inside code are dumped as data (hex + ASCII);
* runs of 8 or more zero bytes at an instruction start are skipped in
  multiples of 4 and shown as ``...`` (``countSkippableZeroBytes``);
* the index column is the byte address divided by 8 (``BPFPrettyPrinter``).
"""

from __future__ import annotations

import bisect
from itertools import chain
import re
import struct

from bpfdoctor.elf.reader import (SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS, SHT_PROGBITS, STT_OBJECT,
                                  STT_SECTION, ElfFile, Section)
from bpfdoctor.isa import llvm


_LE = struct.Struct("<BBhi")
_BE = struct.Struct(">BBhi")


def listing_lines(text: str) -> list[str]:
    """A listing cut after each newline, and only there: ``str.splitlines``
    also cuts at \\x1c-\\x1e, \\x85 and \\u2028, which a section or symbol
    name may hold (a name with \\x1e lost its relocations in ``-dr``)."""
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def file_header(display_name: str) -> str:
    return f"\n{display_name}:\tfile format elf64-bpf\n"


# -- llvm-objdump -h ---------------------------------------------------------

def section_kind(sec: Section) -> str:
    kinds = []
    if sec.flags & SHF_EXECINSTR:
        kinds.append("TEXT")
    # llvm ELFObjectFile::isSectionData: PROGBITS only (an allocated NOTE or
    # INIT_ARRAY is not DATA there)
    if sec.type == SHT_PROGBITS and sec.flags & SHF_ALLOC and not sec.flags & SHF_EXECINSTR:
        kinds.append("DATA")
    if sec.flags & (SHF_ALLOC | SHF_WRITE) and sec.type == SHT_NOBITS:
        kinds.append("BSS")
    if sec.name.startswith((".debug", ".zdebug")) or sec.name == ".gdb_index":
        kinds.append("DEBUG")
    return ", ".join(kinds)


def _bytes_long(text: str) -> int:
    return len(text.encode("utf-8", "surrogateescape"))


def format_sections(elf: ElfFile, display_name: str) -> str:
    # llvm-objdump measures and pads names in bytes: "xdp/façade" is 11 wide
    width = max([13] + [_bytes_long(s.name) for s in elf.sections])
    out = [file_header(display_name), "\nSections:\n",
           f"Idx {'Name':<{width}} Size     {'VMA':<16} Type\n"]
    for s in elf.sections:
        name = s.name + " " * (width - _bytes_long(s.name))
        out.append(f"{s.index:3d} {name} {s.size:08x} {s.addr:016x} {section_kind(s)}\n")
    return "".join(out)


# -- llvm-objdump -d -----------------------------------------------------------

class _Label:
    __slots__ = ("addr", "name", "type")

    def __init__(self, addr: int, name: str, typ: int) -> None:
        self.addr, self.name, self.type = addr, name, typ


def section_labels(elf: ElfFile, sec: Section) -> list[_Label]:
    """The symbols llvm-objdump considers for ``sec``, sorted as it sorts them."""
    # A symbol below the section's address is skipped, as llvm-objdump's
    # disassembleObject does (``Start < SectionAddr``): kept, it would sort
    # before the dummy label and give a label a negative offset.
    # Symbols without a name are skipped too, as its symbol collection does.
    labels = [_Label(s.value, s.name, s.type) for s in elf.symbols_in(sec.index)
              if s.type != STT_SECTION and s.value >= sec.addr and s.name]
    labels.sort(key=lambda l: (l.addr, l.name.encode(), l.type))
    if not labels or labels[0].addr != sec.addr:
        labels.insert(0, _Label(sec.addr, sec.name, 2))  # dummy, like createDummySymbolInfo
    return labels


def code_sections(elf: ElfFile, names: list[str] | tuple[str, ...] | None = None) -> list[Section]:
    secs = [s for s in elf.sections if s.flags & SHF_EXECINSTR and s.type != SHT_NOBITS and s.size]
    if names:
        secs = [s for s in secs if s.name in names]
    return secs


def disassemble(elf: ElfFile, display_name: str, *, sections=None, show_raw: bool = True,
                relocs: bool = False) -> str:
    """The whole ``llvm-objdump -d`` output for ``elf``; ``relocs``: laid
    out for ``-dr``, where a run of zero bytes is not skipped past a
    relocation ("print zero blocks patched by relocations")."""
    out = [file_header(display_name)]
    cache: dict[bytes, tuple[str, int | None]] = {}
    for sec in code_sections(elf, sections):
        out.append(f"\nDisassembly of section {sec.name}:\n")
        stops = sorted({r.offset - sec.addr for r in elf.relocations_for(sec)}) if relocs else None
        _disassemble_section(elf, sec, out, cache, show_raw, stops)
    return "".join(out)


def _disassemble_section(elf: ElfFile, sec: Section, out: list[str], cache, show_raw: bool,
                         stops: list[int] | None = None) -> None:
    data = elf.section_data(sec)
    base = sec.addr
    labels = section_labels(elf, sec)
    addrs = [l.addr for l in labels]
    size = len(data)
    little = elf.little_endian
    i = 0
    n = len(labels)
    while i < n:
        start = labels[i].addr
        j = i
        while j < n and labels[j].addr == start:
            j += 1
        shown = labels[j - 1]
        end = labels[j].addr if j < n else base + size
        i = j
        if start - base >= size:
            continue
        out.append(f"\n{start:016x} <{shown.name}>:\n")
        lo, hi = start - base, min(end - base, size)
        if shown.type == STT_OBJECT:
            _dump_data(base, lo, hi, data, out)
            continue
        _disassemble_range(data, lo, hi, base, little, labels, addrs, out, cache, show_raw, stops)


# Slots whose first byte needs the careful path: 0x00 may start a zero run
# that llvm-objdump skips, 0x18 is ld_imm64 (two slots).
_IRREGULAR = re.compile(b"[\x00\x18]")


def _disassemble_range(data: bytes, index: int, end: int, base: int, little: bool, labels, addrs,
                       out: list[str], cache, show_raw: bool, stops: list[int] | None = None) -> None:
    """Disassemble ``data[index:end]``.  Runs of ordinary slots go through a
    list comprehension over a per-word text cache; the rest one by one."""
    size = len(data)
    while index < end:
        if index % 8:
            index = _emit_one(data, index, end, base, little, labels, addrs, out, cache, show_raw, stops)
            continue
        # From an aligned index: the slots that start with an ordinary byte
        # and have all 8 bytes in the section are handled in bulk.
        stop = min(end, index + (size - index) // 8 * 8)
        codes = data[index:stop:8]
        pos = 0
        for m in _IRREGULAR.finditer(codes):
            at = m.start()
            if at < pos:
                continue  # the second slot of an ld_imm64 handled below
            if at > pos:
                _emit_run(data, index + pos * 8, at - pos, base, little, labels, addrs, out, cache, show_raw)
            nxt = _emit_one(data, index + at * 8, end, base, little, labels, addrs, out, cache, show_raw, stops)
            if (nxt - index) % 8:
                index = nxt
                break
            pos = (nxt - index) // 8
        else:
            if pos < len(codes):
                _emit_run(data, index + pos * 8, len(codes) - pos, base, little, labels, addrs, out, cache,
                          show_raw)
            index += len(codes) * 8 if pos <= len(codes) else pos * 8
            if index < end:
                # A tail shorter than one instruction.
                index = _emit_one(data, index, end, base, little, labels, addrs, out, cache, show_raw, stops)
            continue


def _emit_run(data, index, count, base, little, labels, addrs, out, cache, show_raw) -> None:
    get = cache.get
    words = [data[i:i + 8] for i in range(index, index + count * 8, 8)]
    entries = [get(w) or _fill(cache, w, little, show_raw) for w in words]
    tails = [e[0] for e in entries]
    pos = base + index + 8
    for i in [i for i, e in enumerate(entries) if e[1] is not None]:
        # uint64 arithmetic, as in BPFMCInstrAnalysis::evaluateBranch
        target = (pos + i * 8 + entries[i][1] * 8) & 0xFFFFFFFFFFFFFFFF
        tails[i] = f"{tails[i]}{_target_label(labels, addrs, target)}\n"
    first = (base + index) // 8
    # One %-format for the whole run keeps the per-line work in C.
    out.append(("%8d:%s" * count) % tuple(chain.from_iterable(zip(range(first, first + count), tails))))


def _fill(cache, word: bytes, little: bool, show_raw: bool):
    entry = cache[word] = _format_word(word, little, show_raw)
    return entry


def _emit_one(data, index, end, base, little, labels, addrs, out, cache, show_raw, stops=None) -> int:
    """One instruction (or one zero run) the careful way; returns the next index."""
    if data[index] == 0:
        limit = end
        if stops:
            k = bisect.bisect_left(stops, index)  # the next relocation not yet passed
            if k < len(stops):
                limit = min(end, stops[k])
        zeros = _leading_zeros(data, index, limit)
        if zeros >= 8:
            out.append("\t\t...\n")
            return index + (zeros & ~3)
    chunk = data[index:index + 8]
    wide = chunk[0] == 0x18 and len(chunk) == 8
    if wide:
        chunk = data[index:index + 16]
    if wide and len(chunk) < 16:
        # An ld_imm64 cut short by the end of the data.  BPFDisassembler reads
        # the second word only once the first has decoded: a first word that
        # decodes as nothing fails with Size 8 (one <unknown>, which is what
        # _format_word makes of it with any second word); a decodable one
        # fails with Size 0 and is skipped a byte at a time below.
        tail, _, length = _format_word(chunk + bytes(16 - len(chunk)), little, show_raw)
        if length == 8:
            out.append(f"{(base + index) // 8:8d}:{tail}")
            return index + 8
    if len(chunk) < 8 or (wide and len(chunk) < 16):
        # getInstruction fails with Size 0: llvm-objdump skips one byte.
        raw = data[index:index + 1]
        out.append(f"{(base + index) // 8:8d}:" + (f"\t{raw.hex(' ')}" if show_raw else "") + "\t<unknown>\n")
        return index + 1
    entry = cache.get(chunk)
    if entry is None:
        entry = _fill(cache, chunk, little, show_raw)
    tail, delta, length = entry
    if delta is None:
        out.append(f"{(base + index) // 8:8d}:{tail}")
    else:
        target = (base + index + 8 + delta * 8) & 0xFFFFFFFFFFFFFFFF
        out.append(f"{(base + index) // 8:8d}:{tail}{_target_label(labels, addrs, target)}\n")
    return index + length


def _format_word(chunk: bytes, little: bool, show_raw: bool) -> tuple[str, int | None, int]:
    """(line after the index column, branch slot delta or None, bytes used).

    The line ends in a newline unless it is a branch, whose target label the
    caller appends.  An ``ld_imm64`` that does not decode uses 8 bytes, not 16
    (BPFDisassembler sets the size before decoding)."""
    code, regs, off, imm = (_LE if little else _BE).unpack_from(chunk)
    imm_hi = None
    if len(chunk) == 16:
        imm_hi = (_LE if little else _BE).unpack_from(chunk, 8)[3]
    dst, src = (regs & 15, regs >> 4) if little else (regs >> 4, regs & 15)
    t = llvm.text(code, dst, src, off, imm, imm_hi)
    if t == llvm.UNKNOWN:
        chunk = chunk[:8]
    raw = f"\t{chunk.hex(' ')}" if show_raw else ""
    delta = llvm.branch_delta(code, off, imm) if t != llvm.UNKNOWN else None
    if delta is None:
        return f"{raw}\t{t}\n", None, len(chunk)
    return f"{raw}\t{t}", delta, len(chunk)


def _target_label(labels, addrs, target: int) -> str:
    k = bisect.bisect_right(addrs, target)
    if k == 0:
        return ""
    sym = labels[k - 1]
    disp = target - sym.addr
    return f" <{sym.name}>" if disp == 0 else f" <{sym.name}+{disp:#x}>"


_NONZERO = re.compile(b"[^\x00]")


def _leading_zeros(data: bytes, index: int, end: int) -> int:
    """How many zero bytes start at ``index`` (up to ``end``), found in C: a
    byte-by-byte loop was an eighth of a fuzzed object's disassembly."""
    end = min(end, len(data))
    m = _NONZERO.search(data, index, end)
    return (m.start() if m else end) - index


def _dump_data(base: int, index: int, end: int, data: bytes, out: list[str]) -> None:
    """``dumpELFData``: 8 bytes a line, hex then printable ASCII."""
    while index < end:
        row = data[index:min(index + 8, end)]
        if not row:  # past the data: nothing more to show (and no endless loop)
            break
        hexpart = "".join(f" {b:02x}" for b in row)
        ascii_ = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in row)
        out.append(f"{base + index:8x}:{hexpart}{' ' * (3 * (8 - len(row)))}         {ascii_}\n")
        index += len(row)
