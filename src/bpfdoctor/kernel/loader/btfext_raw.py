"""func_info and line_info records of ``.BTF.ext`` in the form the kernel takes.

``bpfdoctor.btf.ext`` parses the section; the kernel wants the records as
stored (``struct bpf_func_info``: insn_off, type_id; ``struct bpf_line_info``:
insn_off, file_name_off, line_off, line_col), with instruction indexes rather
than the file's byte offsets (libbpf.c ``adjust_prog_btf_ext_info``).
"""

from __future__ import annotations

import struct
from bpfdoctor.record import field, record

# The record sizes the loader packs (the fields above, u32 each).
FUNC_REC_SIZE = 8
LINE_REC_SIZE = 16


@record
class RawExt:
    """Per ELF section: records as tuples whose first field is the section insn index."""

    func_info: dict[str, list[tuple[int, ...]]]
    line_info: dict[str, list[tuple[int, ...]]]
    func_rec_size: int = FUNC_REC_SIZE
    line_rec_size: int = LINE_REC_SIZE
    # (what, section) -> relocate.Spans, filled as programs are linked
    index: dict = field(default_factory=dict, compare=False, repr=False)


def raw_ext(ext) -> RawExt:
    """The kernel's records from a parsed ``BtfExt``."""
    return RawExt(
        func_info={sec: [(f.insn, f.type_id) for f in recs] for sec, recs in ext.func_info.items()},
        line_info={sec: [(li.insn, *li.raw) for li in recs] for sec, recs in ext.line_info.items()})


def pack(records: list[tuple[int, ...]], rec_size: int) -> bytes:
    fmt = "<" + "I" * (rec_size // 4)
    return b"".join(struct.pack(fmt, *r) for r in records)
