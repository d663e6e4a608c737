"""bpftool's raw BTF format (``bpftool btf dump file F``), byte for byte.

The layout copies bpftool's ``dump_btf_type`` (tools/bpf/bpftool/btf.c).  This
is the hot path for ``/sys/kernel/btf/vmlinux`` (100k+ types), so it reads the
packed u32 words directly, resolves names through one offset->string table
built with a single split of the string section, and produces one ``bytes``.
Strings are decoded as latin-1 so that every byte maps to one character: the
offsets stay byte offsets and the output re-encodes to the exact input bytes.
"""

from __future__ import annotations

from itertools import accumulate

from bpfdoctor.btf.kinds import Kind
from bpfdoctor.btf.reader import Btf

_KIND_NAMES = [Kind(k).name if k <= 19 else "UNKNOWN" for k in range(32)]
_INT_ENC = {0: "(none)", 1: "SIGNED", 2: "CHAR", 4: "BOOL"}  # btf_int_enc_str
_FUNC_LINKAGE = {0: "static", 1: "global", 2: "extern"}  # btf_func_linkage_str
_VAR_LINKAGE = {0: "static", 1: "global", 2: "extern"}  # btf_var_linkage_str


def string_table(btf: Btf) -> dict[int, str]:
    """Global string offset -> latin-1 string, for every string start of ``btf`` and its bases."""
    table = string_table(btf.base) if btf.base is not None else {}
    parts = btf.strings.decode("latin-1").split("\0")
    lengths = [len(p) + 1 for p in parts]
    table.update(zip(accumulate(lengths, initial=btf.start_str), parts))
    return table


class _Names(dict):
    """Offset -> name with bpftool's ``btf_str`` rules; odd offsets resolved on miss."""

    def __init__(self, btf: Btf) -> None:
        super().__init__(string_table(btf))
        self.btf = btf
        self[0] = "(anon)"

    def __missing__(self, off: int) -> str:
        # An offset into the middle of a string is legal BTF (suffix sharing).
        btf = self.btf
        if not btf.has_str(off):
            raise btf.error(f"name offset {off} is outside the string section ({btf._str_end} bytes)")
        while off < btf.start_str:
            btf = btf.base
        local = off - btf.start_str
        s = btf.strings[local: btf.strings.index(b"\0", local)].decode("latin-1")
        self[off] = s
        return s


def dump_raw(btf: Btf) -> bytes:
    """The raw dump of ``btf``'s own types (not its base's), as bpftool prints it."""
    lines = _format(btf, _Names(btf))
    return "".join(lines).encode("latin-1")


def _ref_desc(btf: Btf, names: _Names, tid: int) -> str:
    if not 0 < tid < btf.type_count:
        return ""
    words, w = btf.raw(tid)
    return f" ({_KIND_NAMES[(words[w + 1] >> 24) & 0x1F]} '{names[words[w]]}')"


def _format(btf: Btf, S: _Names) -> list[str]:  # noqa: C901 - one tight loop by design
    words = btf.words
    out: list[str] = []
    add = out.append
    kn = _KIND_NAMES
    tid = btf.start_id
    for w in btf.starts:
        info = words[w + 1]
        kind = (info >> 24) & 0x1F
        st = words[w + 2]
        head = f"[{tid}] {kn[kind]} '{S[words[w]]}'"
        if kind == 12:  # FUNC
            add(f"{head} type_id={st} linkage={_FUNC_LINKAGE.get(info & 0xFFFF, '(unknown)')}\n")
        elif kind == 13:  # FUNC_PROTO
            vlen = info & 0xFFFF
            add(f"{head} ret_type_id={st} vlen={vlen}\n")
            for j in range(w + 3, w + 3 + 2 * vlen, 2):
                add(f"\t'{S[words[j]]}' type_id={words[j + 1]}\n")
        elif kind == 2 or kind == 10 or kind == 8 or kind == 9 or kind == 11 or kind == 18:
            add(f"{head} type_id={st}\n")
        elif kind == 4 or kind == 5:  # STRUCT, UNION
            vlen = info & 0xFFFF
            add(f"{head} size={st} vlen={vlen}\n")
            end = w + 3 + 3 * vlen
            if info >> 31:
                for j in range(w + 3, end, 3):
                    off = words[j + 2]
                    if off >> 24:
                        add(f"\t'{S[words[j]]}' type_id={words[j + 1]} bits_offset={off & 0xFFFFFF}"
                            f" bitfield_size={off >> 24}\n")
                    else:
                        add(f"\t'{S[words[j]]}' type_id={words[j + 1]} bits_offset={off}\n")
            else:
                for j in range(w + 3, end, 3):
                    add(f"\t'{S[words[j]]}' type_id={words[j + 1]} bits_offset={words[j + 2]}\n")
        elif kind == 3:  # ARRAY
            add(f"{head} type_id={words[w + 3]} index_type_id={words[w + 4]} nr_elems={words[w + 5]}\n")
        elif kind == 6:  # ENUM
            vlen = info & 0xFFFF
            signed = info >> 31
            add(f"{head} encoding={'SIGNED' if signed else 'UNSIGNED'} size={st} vlen={vlen}\n")
            for j in range(w + 3, w + 3 + 2 * vlen, 2):
                v = words[j + 1]
                if signed and v & 0x80000000:
                    v -= 1 << 32
                add(f"\t'{S[words[j]]}' val={v}\n")
        elif kind == 1:  # INT
            v = words[w + 3]
            add(f"{head} size={st} bits_offset={(v >> 16) & 0xFF} nr_bits={v & 0xFF}"
                f" encoding={_INT_ENC.get((v >> 24) & 0x0F, 'UNKN')}\n")
        elif kind == 14:  # VAR
            add(f"{head} type_id={st}, linkage={_VAR_LINKAGE.get(words[w + 3], '(unknown)')}\n")
        elif kind == 15:  # DATASEC
            vlen = info & 0xFFFF
            add(f"{head} size={st} vlen={vlen}\n")
            for j in range(w + 3, w + 3 + 3 * vlen, 3):
                add(f"\ttype_id={words[j]} offset={words[j + 1]} size={words[j + 2]}"
                    f"{_ref_desc(btf, S, words[j])}\n")
        elif kind == 7:  # FWD
            add(f"{head} fwd_kind={'union' if info >> 31 else 'struct'}\n")
        elif kind == 19:  # ENUM64
            vlen = info & 0xFFFF
            signed = info >> 31
            add(f"{head} encoding={'SIGNED' if signed else 'UNSIGNED'} size={st} vlen={vlen}\n")
            for j in range(w + 3, w + 3 + 3 * vlen, 3):
                v = words[j + 1] | (words[j + 2] << 32)
                if signed:
                    if v >> 63:
                        v -= 1 << 64
                    add(f"\t'{S[words[j]]}' val={v}LL\n")
                else:
                    add(f"\t'{S[words[j]]}' val={v}ULL\n")
        elif kind == 16:  # FLOAT
            add(f"{head} size={st}\n")
        elif kind == 17:  # DECL_TAG
            c = words[w + 3]
            add(f"{head} type_id={st} component_idx={c - (1 << 32) if c >> 31 else c}\n")
        else:
            add(f"{head}\n")
        tid += 1
    return out
