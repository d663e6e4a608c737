"""Raw func_info and line_info records of ``.BTF.ext``, as the kernel takes them.

``bpfdoctor.btf.ext`` decodes line_info into file/line/source text; the
kernel wants the records themselves (``struct bpf_line_info``: insn_off,
file_name_off, line_off, line_col), so the loader reads them here.  Layout:
libbpf libbpf_internal.h ``struct btf_ext_header`` / ``btf_ext_info_sec``;
offsets in the file are bytes, the kernel wants instruction indexes
(libbpf.c ``adjust_prog_btf_ext_info`` divides by 8).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from bpfdoctor.errors import ParseError


@dataclass(frozen=True, slots=True)
class RawExt:
    """Per ELF section: records as tuples whose first field is the section insn index."""

    func_info: dict[str, list[tuple[int, ...]]]
    line_info: dict[str, list[tuple[int, ...]]]
    func_rec_size: int
    line_rec_size: int


def parse_raw_ext(data: bytes, strings_of, path: str | None) -> RawExt:
    """``strings_of(off)`` gives the section name at a BTF string offset."""
    if len(data) < 24 or data[:2] != b"\x9f\xeb":
        raise ParseError(path, "bad .BTF.ext header (not little-endian BTF.ext)", section=".BTF.ext")
    hdr_len, fi_off, fi_len, li_off, li_len = struct.unpack_from("<IIIII", data, 4)
    fi, fsz = _info(data, hdr_len + fi_off, fi_len, 8, strings_of, path)
    li, lsz = _info(data, hdr_len + li_off, li_len, 16, strings_of, path)
    return RawExt(fi, li, fsz or 8, lsz or 16)


def _info(data: bytes, start: int, length: int, min_rec: int, strings_of, path):
    out: dict[str, list[tuple[int, ...]]] = {}
    if not length:
        return out, 0
    end = start + length
    if end > len(data) or length < 4:
        raise ParseError(path, "info block runs past the section", section=".BTF.ext", offset=start)
    (rec_size,) = struct.unpack_from("<I", data, start)
    if rec_size < min_rec or rec_size % 4:
        raise ParseError(path, f"bad record size {rec_size}", section=".BTF.ext", offset=start)
    pos = start + 4
    while pos < end:
        if pos + 8 > end:
            raise ParseError(path, "truncated info header", section=".BTF.ext", offset=pos)
        name_off, count = struct.unpack_from("<II", data, pos)
        pos += 8
        if pos + count * rec_size > end:
            raise ParseError(path, "info records run past the block", section=".BTF.ext", offset=pos)
        fmt = "<" + "I" * (rec_size // 4)
        recs = []
        for i in range(count):
            rec = struct.unpack_from(fmt, data, pos + i * rec_size)
            recs.append((rec[0] // 8,) + rec[1:])
        out.setdefault(strings_of(name_off), []).extend(recs)
        pos += count * rec_size
    return out, rec_size


def pack(records: list[tuple[int, ...]], rec_size: int) -> bytes:
    fmt = "<" + "I" * (rec_size // 4)
    return b"".join(struct.pack(fmt, *r) for r in records)
