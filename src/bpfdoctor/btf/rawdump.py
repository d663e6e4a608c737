"""bpftool's raw listing (``bpftool btf dump file F``), byte for byte.

The listing of vmlinux is ~300,000 lines, so the per-line work must happen in
C, not in a Python loop.  The trick: what a type's lines look like is a pure
function of its ``info`` word (kind, vlen, kflag); only names and numbers
vary.  So each distinct info word gets one *layout*, built once:

* a template of the type's lines, names as ``%s`` and numbers as ``%%d``;
* a mask over the type's words saying which word is printed as a name, which
  as a number, in the order the template uses them.

The joined masks pick the names and then the numbers out of the whole type
section (``itertools.compress``), and two ``%`` operations over the joined
templates (names first, then numbers, hence ``%%d``) write the listing.  The
id each header starts with is put in the type's info slot of a copy of the
words; the info is not needed any more.  Kinds whose text depends on word
values in other ways (INT, VAR, DATASEC, DECL_TAG, ENUM64, signed ENUM,
bitfield STRUCT/UNION) are rare: ``_one`` writes each such type, and its text
goes into the name stream in place of its name.

Formats follow ``dump_btf_type`` in tools/bpf/bpftool/btf.c.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from itertools import accumulate, compress, repeat
from operator import itemgetter, setitem

from bpfdoctor.btf.kinds import EXTRA_WORDS
from bpfdoctor.btf.reader import Btf

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterator

_KIND_NAMES = (b"UNKN", b"INT", b"PTR", b"ARRAY", b"STRUCT", b"UNION", b"ENUM", b"FWD", b"TYPEDEF",
               b"VOLATILE", b"CONST", b"RESTRICT", b"FUNC", b"FUNC_PROTO", b"VAR", b"DATASEC", b"FLOAT",
               b"DECL_TAG", b"TYPE_TAG", b"ENUM64") + (b"UNKNOWN",) * 12
_INT_ENC = {0: b"(none)", 1: b"SIGNED", 2: b"CHAR", 4: b"BOOL"}  # btf_int_enc_str
_LINKAGE = {0: b"static", 1: b"global", 2: b"extern"}  # btf_func_linkage_str, btf_var_linkage_str


_BLOCK = 2048  # types per block: small enough that a block's temporaries stay in cache


def dump_raw(btf: Btf) -> bytes:
    """The raw dump of ``btf``'s own types (not its base's), as bpftool prints it."""
    return b"".join(raw_blocks(btf))


def raw_blocks(btf: Btf) -> Iterator[bytes]:
    """``dump_raw`` in pieces of ``_BLOCK`` types, each as soon as it is made:
    written as they come, the reader of a pipe works while the next is made."""
    names = _Names(btf)
    words, starts = btf.words, btf.starts
    # In blocks: the memory of one block's temporaries is reused by the next,
    # which matters more than the loop itself (page faults cost ~0.4 ms/MB).
    for lo in range(0, btf.count, _BLOCK):
        hi = min(lo + _BLOCK, btf.count)
        first = starts[lo]
        end = starts[hi] if hi < btf.count else len(words)
        yield _dump_block(btf, names, words[first:end], starts[lo:hi], first, btf.start_id + lo)


def _dump_block(btf: Btf, names: _Names, words, starts, first: int, first_id: int) -> bytes:
    """Types ``first_id``... whose words (from word ``first`` of the section) are ``words``."""
    info_at = [s - first + 1 for s in starts]
    infos = itemgetter(*info_at)(words) if len(info_at) > 1 else (words[info_at[0]],)
    template = b"".join(map(_TEMPLATES.__getitem__, infos))
    mask = b"".join(map(_MASKS.__getitem__, infos))
    work = words.tolist()
    # The info slot becomes the id: the template prints it first ("[id] ...").
    deque(map(setitem, repeat(work), info_at, range(first_id, first_id + len(info_at))), 0)
    pos = mask.find(_RARE)
    while pos >= 0:  # a rare type: its name slot names its whole text instead
        key = -1 - first - pos  # cannot be a string offset
        names[key] = _one(btf, names, first + pos, first_id + bisect_left(info_at, pos + 1))
        work[pos] = key
        pos = mask.find(_RARE, pos + 1)
    with_names = template % tuple(map(names.escaped, compress(work, mask.translate(_NAME_SLOTS))))
    return with_names % tuple(compress(work, mask.translate(_NUMBER_SLOTS)))


# -- layouts ----------------------------------------------------------------------

# In a layout spec "@" is a name and "#" a number; each item of a vlen kind
# repeats the item spec.  Masks are strings over the words: "n" name, "d"
# number, "-" not printed.  A type's mask is bytes: 1 name, 2 number, 0 not
# printed, 3 the name slot of a rare type.
_HEAD = b"[#] %s '@'"
_SPECS: dict[int, tuple[bytes, str, bytes, str]] = {
    # kind: (header spec after the name, header mask, item spec, item mask)
    2: (b" type_id=#\n", "ndd", b"", ""),  # PTR
    3: (b" type_id=# index_type_id=# nr_elems=#\n", "nd-ddd", b"", ""),  # ARRAY
    4: (b" size=# vlen=%d\n", "ndd", b"\t'@' type_id=# bits_offset=#\n", "ndd"),  # STRUCT
    5: (b" size=# vlen=%d\n", "ndd", b"\t'@' type_id=# bits_offset=#\n", "ndd"),  # UNION
    6: (b" encoding=UNSIGNED size=# vlen=%d\n", "ndd", b"\t'@' val=#\n", "nd"),  # ENUM
    7: (b" fwd_kind=%s\n", "nd-", b"", ""),  # FWD
    8: (b" type_id=#\n", "ndd", b"", ""),  # TYPEDEF
    9: (b" type_id=#\n", "ndd", b"", ""),  # VOLATILE
    10: (b" type_id=#\n", "ndd", b"", ""),  # CONST
    11: (b" type_id=#\n", "ndd", b"", ""),  # RESTRICT
    12: (b" type_id=# linkage=%s\n", "ndd", b"", ""),  # FUNC
    13: (b" ret_type_id=# vlen=%d\n", "ndd", b"\t'@' type_id=#\n", "nd"),  # FUNC_PROTO
    16: (b" size=#\n", "ndd", b"", ""),  # FLOAT
    18: (b" type_id=#\n", "ndd", b"", ""),  # TYPE_TAG
}
_SLOT = {"n": b"\1", "d": b"\2", "-": b"\0"}
_RARE = b"\3"
_NAME_SLOTS = bytes([0, 1, 0, 1]) + bytes(252)
_NUMBER_SLOTS = bytes([0, 0, 1, 0]) + bytes(252)


def _layout(info: int) -> tuple[bytes, bytes]:
    """(template, mask) shared by every type with this info word."""
    kind, vlen, kflag = (info >> 24) & 0x1F, info & 0xFFFF, info >> 31
    spec = _SPECS.get(kind)
    if spec is None or (kflag and kind in (4, 5, 6)):
        # One of the rare kinds: _one writes its text, which takes the name's place.
        fixed, per = EXTRA_WORDS.get(kind, (0, 0))
        return b"%s", _RARE + bytes(2 + fixed + per * vlen)
    head, head_mask, item, item_mask = spec
    if kind == 7:
        head %= b"union" if kflag else b"struct"
    elif kind == 12:
        head %= _LINKAGE.get(vlen, b"(unknown)")
    elif item:
        head %= vlen
    text = (_HEAD % _KIND_NAMES[kind] + head + item * vlen).replace(b"%", b"%%")
    text = text.replace(b"@", b"%s").replace(b"#", b"%%d")
    return text, b"".join(_SLOT[c] for c in head_mask + item_mask * vlen)


class _Layouts(dict):
    def __missing__(self, info: int) -> bytes:
        _TEMPLATES[info], _MASKS[info] = _layout(info)
        return self[info]


_TEMPLATES = _Layouts()
_MASKS = _Layouts()


# -- names ------------------------------------------------------------------------

class _Names(dict):
    """Global string offset -> name bytes with bpftool's ``btf_str`` rules.

    Filled in bulk from the string sections (split once); an offset into the
    middle of a string (legal: suffix sharing) is resolved on a miss.
    """

    def __init__(self, btf: Btf) -> None:
        super().__init__()
        self.btf = btf
        chain = []
        b = btf
        while b is not None:
            chain.append(b)
            b = b.base
        for b in reversed(chain):
            parts = b.strings.split(b"\0")
            self.update(zip(accumulate(map((1).__add__, map(len, parts)), initial=b.start_str), parts))
        self[0] = b"(anon)"
        # Names go through a second %-format (the numbers): escape any "%".
        if any(b"%" in b.strings for b in chain):
            self.escaped = self._escape
        else:
            self.escaped = self.__getitem__

    def _escape(self, off: int) -> bytes:
        return self[off].replace(b"%", b"%%")

    def __missing__(self, off: int) -> bytes:
        btf = self.btf
        if not btf.has_str(off):
            raise btf.error(f"name offset {off} is outside the string section ({btf._str_end} bytes)")
        while off < btf.start_str:
            btf = btf.base
        local = off - btf.start_str
        s = btf.strings[local: btf.strings.index(b"\0", local)]
        self[off] = s
        return s


# -- the rare kinds, one type at a time ---------------------------------------------

def _ref_desc(btf: Btf, names: _Names, tid: int) -> bytes:
    if not 0 < tid < btf.type_count:
        return b""
    words, w = btf.raw(tid)
    return b" (%s '%s')" % (_KIND_NAMES[(words[w + 1] >> 24) & 0x1F], names[words[w]])


def _one(btf: Btf, names: _Names, w: int, tid: int) -> bytes:
    """The lines of one type whose layout is not a plain template."""
    words = btf.words
    info = words[w + 1]
    kind = (info >> 24) & 0x1F
    vlen = info & 0xFFFF
    signed = info >> 31
    st = words[w + 2]
    head = b"[%d] %s '%s'" % (tid, _KIND_NAMES[kind], names[words[w]])
    out = []
    if kind == 1:  # INT
        v = words[w + 3]
        out.append(b"%s size=%d bits_offset=%d nr_bits=%d encoding=%s\n"
                   % (head, st, (v >> 16) & 0xFF, v & 0xFF, _INT_ENC.get((v >> 24) & 0x0F, b"UNKN")))
    elif kind == 4 or kind == 5:  # STRUCT, UNION with bitfield members (kflag)
        out.append(b"%s size=%d vlen=%d\n" % (head, st, vlen))
        for j in range(w + 3, w + 3 + 3 * vlen, 3):
            off = words[j + 2]
            size = b" bitfield_size=%d" % (off >> 24) if off >> 24 else b""
            out.append(b"\t'%s' type_id=%d bits_offset=%d%s\n" % (names[words[j]], words[j + 1], off & 0xFFFFFF, size))
    elif kind == 6:  # ENUM with signed values (kflag)
        out.append(b"%s encoding=SIGNED size=%d vlen=%d\n" % (head, st, vlen))
        for j in range(w + 3, w + 3 + 2 * vlen, 2):
            v = words[j + 1]
            out.append(b"\t'%s' val=%d\n" % (names[words[j]], v - (1 << 32) if v & 0x80000000 else v))
    elif kind == 14:  # VAR
        out.append(b"%s type_id=%d, linkage=%s\n" % (head, st, _LINKAGE.get(words[w + 3], b"(unknown)")))
    elif kind == 15:  # DATASEC
        out.append(b"%s size=%d vlen=%d\n" % (head, st, vlen))
        for j in range(w + 3, w + 3 + 3 * vlen, 3):
            out.append(b"\ttype_id=%d offset=%d size=%d%s\n"
                       % (words[j], words[j + 1], words[j + 2], _ref_desc(btf, names, words[j])))
    elif kind == 17:  # DECL_TAG
        c = words[w + 3]
        out.append(b"%s type_id=%d component_idx=%d\n" % (head, st, c - (1 << 32) if c >> 31 else c))
    elif kind == 19:  # ENUM64
        out.append(b"%s encoding=%s size=%d vlen=%d\n" % (head, b"SIGNED" if signed else b"UNSIGNED", st, vlen))
        for j in range(w + 3, w + 3 + 3 * vlen, 3):
            v = words[j + 1] | (words[j + 2] << 32)
            if signed and v >> 63:
                v -= 1 << 64
            out.append(b"\t'%s' val=%d%s\n" % (names[words[j]], v, b"LL" if signed else b"ULL"))
    else:  # a kind bpftool does not know (the reader stops before these)
        out.append(head + b"\n")
    return b"".join(out)
