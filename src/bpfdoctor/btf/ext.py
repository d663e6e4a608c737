"""``.BTF.ext``: func_info, line_info and CO-RE relocation records per ELF section.

Layout from libbpf tools/lib/bpf/libbpf_internal.h (``struct btf_ext_header``,
``btf_ext_info_sec``) and include/uapi/linux/bpf.h (``bpf_func_info``,
``bpf_line_info``, ``bpf_core_relo``); checks follow libbpf btf.c
``btf_ext_parse_hdr``/``btf_ext_parse_info``.  Offsets in the file are bytes;
the records here carry instruction indexes (byte offset / 8).
"""

from __future__ import annotations

import struct
from bpfdoctor.record import record

from bpfdoctor.btf.reader import Btf, detect_byte_order
from bpfdoctor.errors import ParseError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from bpfdoctor.btf.core_spec import CoreReloKind

SECTION = ".BTF.ext"
_MIN_HDR = 24  # up to line_info_len; core_relo_* is optional
_INSN_SZ = 8


@record
class FuncInfo:
    """A function starts at instruction ``insn`` of ``section``."""

    section: str
    insn: int
    type_id: int
    name: str


@record
class LineInfo:
    """Instruction ``insn`` comes from ``file:line:column``; ``source`` is the line text.

    ``raw`` is the record as stored (file_name_off, line_off, line_col): a
    loader passes those to the kernel with the object's BTF."""

    section: str
    insn: int
    file: str
    line: int
    column: int
    source: str
    raw: tuple[int, int, int] = (0, 0, 0)


@record
class CoreRelo:
    """One CO-RE relocation record as stored: root type, access string, kind."""

    section: str
    insn: int
    type_id: int
    access: str
    kind: CoreReloKind


@record
class BtfExt:
    """All records, grouped by ELF section name, in file order."""

    func_info: dict[str, tuple[FuncInfo, ...]]
    line_info: dict[str, tuple[LineInfo, ...]]
    core_relos: dict[str, tuple[CoreRelo, ...]]
    func_info_rec_size: int = 8
    line_info_rec_size: int = 16
    core_relo_rec_size: int = 16


def _err(btf: Btf, problem: str, offset: int | None = None) -> ParseError:
    return ParseError(btf.path, problem, section=SECTION, offset=offset)


def parse_btf_ext(data: bytes, btf: Btf) -> BtfExt:
    """Parse ``.BTF.ext`` bytes; names and strings come from ``btf`` (the object's .BTF)."""
    data = bytes(data)
    order = detect_byte_order(data)
    if order is None:
        raise _err(btf, f"not BTF.ext: bad magic {data[:2].hex() or '(empty)'}", 0)
    if len(data) < 8:
        raise _err(btf, f"header truncated: {len(data)} bytes", 0)
    _, version, _flags, hdr_len = struct.unpack_from(order + "HBBI", data)
    if version != 1:
        raise _err(btf, f"unsupported BTF.ext version {version}", 2)
    if hdr_len < _MIN_HDR or hdr_len > len(data):
        raise _err(btf, f"bad header length {hdr_len} (section is {len(data)} bytes)", 4)
    fi_off, fi_len, li_off, li_len = struct.unpack_from(order + "IIII", data, 8)
    cr_off = cr_len = 0
    if hdr_len >= 32:
        cr_off, cr_len = struct.unpack_from(order + "II", data, 24)
    u32 = struct.Struct(order + "I")
    fi, fsz = _parse_info(data, btf, u32, hdr_len, fi_off, fi_len, 8, "func_info", order + "II")
    li, lsz = _parse_info(data, btf, u32, hdr_len, li_off, li_len, 16, "line_info", order + "IIII")
    cr, csz = _parse_info(data, btf, u32, hdr_len, cr_off, cr_len, 16, "core_relo", order + "IIII")
    return BtfExt(
        func_info={sec: tuple(_func(btf, sec, r) for r in recs) for sec, recs in fi.items()},
        line_info={sec: tuple(_line(btf, sec, r) for r in recs) for sec, recs in li.items()},
        core_relos={sec: tuple(_relo(btf, sec, r) for r in recs) for sec, recs in cr.items()},
        func_info_rec_size=fsz or 8, line_info_rec_size=lsz or 16, core_relo_rec_size=csz or 16)


def _parse_info(data, btf, u32, hdr_len, off, length, min_rec, what, rec_fmt):
    """Split one info block into {section name: [record tuples]}."""
    if length == 0:
        return {}, 0
    start = hdr_len + off
    end = start + length
    if off % 4 or end > len(data):
        raise _err(btf, f"{what} block ({off}+{length}) is misaligned or past the end", start)
    if length < 4:
        raise _err(btf, f"{what} block too short for its record size", start)
    rec_size = u32.unpack_from(data, start)[0]
    if rec_size < min_rec or rec_size % 4:
        raise _err(btf, f"{what} record size {rec_size} is invalid (minimum {min_rec}, multiple of 4)", start)
    rec = struct.Struct(rec_fmt)
    out: dict[str, list] = {}
    pos = start + 4
    while pos < end:
        if pos + 8 > end:
            raise _err(btf, f"{what} section header truncated", pos)
        name_off, num = struct.unpack_from(u32.format[0] + "II", data, pos)
        if num == 0:
            raise _err(btf, f"{what} for a section has no records", pos)
        pos += 8
        if pos + num * rec_size > end:
            raise _err(btf, f"{what}: {num} records of {rec_size} bytes run past the block", pos)
        name = _str(btf, name_off, what, pos - 8)
        recs = out.setdefault(name, [])
        for i in range(num):
            recs.append(rec.unpack_from(data, pos + i * rec_size))
        pos += num * rec_size
    return out, rec_size


def _str(btf: Btf, off: int, what: str, at: int | None = None) -> str:
    if not btf.has_str(off):
        raise _err(btf, f"{what}: string offset {off} is outside the .BTF string section", at)
    return btf.str_at(off)


def _insn(btf: Btf, byte_off: int, what: str) -> int:
    if byte_off % _INSN_SZ:
        raise _err(btf, f"{what}: instruction offset {byte_off} is not a multiple of {_INSN_SZ}")
    return byte_off // _INSN_SZ


def _func(btf: Btf, sec: str, r) -> FuncInfo:
    insn_off, type_id = r
    name = btf.name(type_id) if 0 < type_id < btf.type_count else ""
    if not 0 < type_id < btf.type_count:
        raise _err(btf, f"func_info of {sec}: type id {type_id} out of range")
    return FuncInfo(sec, _insn(btf, insn_off, "func_info"), type_id, name)


def _line(btf: Btf, sec: str, r) -> LineInfo:
    insn_off, file_off, line_off, line_col = r
    # BPF_LINE_INFO_LINE_NUM / BPF_LINE_INFO_LINE_COL (include/uapi/linux/bpf.h)
    return LineInfo(sec, _insn(btf, insn_off, "line_info"), _str(btf, file_off, "line_info"),
                    line_col >> 10, line_col & 0x3FF, _str(btf, line_off, "line_info"),
                    (file_off, line_off, line_col))


def _relo(btf: Btf, sec: str, r) -> CoreRelo:
    # core_spec (with btf.query) only for objects that have CO-RE relocations
    from bpfdoctor.btf.core_spec import CoreReloKind

    insn_off, type_id, access_off, kind = r
    return CoreRelo(sec, _insn(btf, insn_off, "core_relo"), type_id,
                    _str(btf, access_off, "core_relo"), CoreReloKind(kind))
