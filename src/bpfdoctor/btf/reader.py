"""Parse a ``.BTF`` blob (from an object or a raw file such as
``/sys/kernel/btf/vmlinux``), in either byte order, optionally split on top
of a base BTF.

Parsing is one pass that only finds where each type starts: the type section
is held as one ``array('I')`` (every field of every BTF record is 32 bits) and
strings stay bytes, decoded when asked.  Checks follow libbpf's
``btf_parse_hdr``/``btf_parse_str_sec``/``btf_parse_type_sec`` (tools/lib/bpf/btf.c):
what libbpf refuses we refuse with a ``ParseError`` naming file, section and
offset; oddities libbpf tolerates are collected in ``Btf.problems``.
"""

from __future__ import annotations

import struct
import sys
from array import array
from bisect import bisect_left
from operator import itemgetter

from bpfdoctor.btf.kinds import EXTRA_WORDS, Kind
from bpfdoctor.errors import ParseError
from bpfdoctor.lazylog import get_logger

log = get_logger(__name__)

BTF_MAGIC = 0xEB9F
HEADER = struct.Struct("<HBBIIIII")
HEADER_LEN = HEADER.size
MAX_TYPES = 0xFFFFF  # BTF_MAX_TYPE in include/uapi/linux/btf.h: ids are 20 bits wide
MAX_STR_OFFSET = 0x7FFFFFFF  # BTF_MAX_NAME_OFFSET

# Words of a type by ``info >> 24`` (kind and kflag): header plus fixed extra
# words, and words per vlen item.  None marks a kind we do not know, whose
# length we therefore cannot know.
_FIXED: list[int | None] = [3 + EXTRA_WORDS[k & 0x1F][0] if k & 0x1F in EXTRA_WORDS else None
                            for k in range(256)]
_PER: list[int] = [EXTRA_WORDS.get(k & 0x1F, (0, 0))[1] for k in range(256)]


def gather(seq, at) -> tuple:
    """``tuple(seq[i] for i in at)``, in one C call (``operator.itemgetter``)."""
    if len(at) < 2:
        return (seq[at[0]],) if at else ()
    return itemgetter(*at)(seq)


def detect_byte_order(data: bytes) -> str | None:
    """'<' or '>' from the magic, None when ``data`` is not BTF."""
    if len(data) < 2:
        return None
    if data[0] == 0x9F and data[1] == 0xEB:
        return "<"
    if data[0] == 0xEB and data[1] == 0x9F:
        return ">"
    return None


class Btf:
    """Parsed BTF.  Pure: built from bytes; ``path`` only names errors.

    Type ids are global: with a ``base``, this BTF's first type has id
    ``base.type_count`` (libbpf ``btf__type_cnt``) and lower ids live in the base.
    """

    section = ".BTF"

    def __init__(self, data: bytes, *, path: str | None = None, base: Btf | None = None,
                 section: str | None = None) -> None:
        self.path = path
        self.base = base
        if section:
            self.section = section
        self.problems: list[str] = []
        self._parse_header(bytes(data))
        self.start_id = base.type_count if base is not None else 1
        self.start_str = base._str_end if base is not None else 0
        self._str_end = self.start_str + len(self.strings)
        self._index_types()
        self._names: dict[int, str] = {}
        self._records: dict = {}
        self._name_offs: array | None = None
        self._name_index: dict[str, list[int]] | None = None

    # -- parsing -------------------------------------------------------------

    def error(self, problem: str, offset: int | None = None) -> ParseError:
        return ParseError(self.path, problem, section=self.section, offset=offset)

    def _parse_header(self, data: bytes) -> None:
        order = detect_byte_order(data)
        if order is None:
            raise self.error(f"not BTF: bad magic {data[:2].hex() or '(empty)'}", 0)
        if len(data) < HEADER_LEN:
            raise self.error(f"header truncated: {len(data)} bytes, need {HEADER_LEN}", 0)
        self.byte_order = order
        self.little_endian = order == "<"
        hdr = struct.Struct(order + "HBBIIIII").unpack_from(data)
        _, version, flags, hdr_len, type_off, type_len, str_off, str_len = hdr
        self.version, self.flags = version, flags
        if version != 1:
            raise self.error(f"unsupported BTF version {version}", 2)
        if flags:
            self.problems.append(f"header flags {flags:#x} are not defined")
        if hdr_len < HEADER_LEN or hdr_len > len(data):
            raise self.error(f"bad header length {hdr_len} (data is {len(data)} bytes)", 4)
        if any(data[HEADER_LEN:hdr_len]):
            # Kernel btf_parse_hdr: unknown header fields must be zero.
            raise self.error("unknown non-zero fields after the header", HEADER_LEN)
        body = len(data) - hdr_len
        if type_off % 4:
            raise self.error(f"type section offset {type_off} is not 4-byte aligned", 8)
        if type_off + type_len > body or str_off + str_len > body:
            raise self.error(f"types ({type_off}+{type_len}) or strings ({str_off}+{str_len})"
                             f" extend past the end of the data ({body} bytes after the header)", 8)
        if type_len % 4:
            raise self.error(f"type section length {type_len} is not a multiple of 4", 12)
        if type_len and str_len and type_off < str_off + str_len and str_off < type_off + type_len:
            # (the kernel's btf_check_sec_info; sections that start together overlap too)
            raise self.error(f"type ({type_off}+{type_len}) and string ({str_off}+{str_len}) sections overlap", 8)
        self.hdr_len = hdr_len
        self.type_off = hdr_len + type_off
        self.strings = data[hdr_len + str_off: hdr_len + str_off + str_len]
        self._check_strings()
        self.words = self._type_words(data, self.type_off, type_len)

    def _type_words(self, data: bytes, off: int, length: int):
        """The type section as 32-bit words in host byte order (a copy)."""
        words = array("I")
        # from a view: a slice would copy the type section once more
        words.frombytes(memoryview(data)[off:off + length])
        if self.little_endian != (sys.byteorder == "little"):
            words.byteswap()
        return words

    def _check_strings(self) -> None:
        s = self.strings
        str_at = self.hdr_len
        if self.base is None:
            # libbpf btf_parse_str_sec: base strings start with "" and are terminated.
            if not s or s[0] != 0:
                if s:
                    # split BTF (a module's) continues its base's strings
                    raise ParseError(self.path, "string section does not start with an empty string: "
                                     "this looks like split BTF (a kernel module's), which needs its base BTF",
                                     section=self.section, offset=str_at,
                                     hint=f"pass its base with --base, e.g. bpfdoctor btf dump --base "
                                          f"/sys/kernel/btf/vmlinux {self.path or 'FILE'}")
                raise self.error("string section must start with an empty string", str_at)
        if s and s[-1] != 0:
            raise self.error("string section is not NUL-terminated", str_at + len(s) - 1)
        if len(s) > MAX_STR_OFFSET:
            raise self.error("string section too large", str_at)

    def _index_types(self) -> None:
        """Record where each type starts (word index); one tight loop.

        The tables are indexed by ``info >> 24`` (kind plus the kflag bit), so
        the loop does no masking; an unknown kind's ``None`` raises TypeError,
        which ends the walk there.
        """
        words = self.words
        n = len(words)
        last = n - 3  # a type header needs three words
        starts = array("I")
        append = starts.append
        fixed, per = _FIXED, _PER
        i = 0
        try:
            while i <= last:
                append(i)
                info = words[i + 1]
                k = info >> 24
                p = per[k]
                i += fixed[k] + p * (info & 0xFFFF) if p else fixed[k]
        except TypeError:
            self._unknown_kind(len(starts) - 1, words[i + 1], i)
            starts.pop()
            i = n
        if i > n:
            self._overrun(starts[-1], len(starts) - 1, i, n)
        if i < n:
            self._overrun(i, len(starts), i + 3, n)  # 1 or 2 words: a truncated header
        self.starts = starts
        self.count = len(starts)
        self.type_count = self.start_id + self.count
        if self.type_count - 1 > MAX_TYPES:
            raise self.error(f"{self.type_count - 1} types exceed the BTF limit of {MAX_TYPES}")

    def _unknown_kind(self, index: int, info: int, word: int) -> None:
        # A kind we cannot size ends the walk: what follows cannot be located.
        kind = (info >> 24) & 0x1F
        self.problems.append(
            f"type [{self.start_id + index}] has unknown kind {kind} at offset "
            f"{self.type_off + 4 * word:#x}; it and the {len(self.words) - word} words after it were skipped")
        log.warning("%s: %s", self.path, self.problems[-1])

    def _overrun(self, word: int, index: int, end: int, n: int) -> None:
        if word + 3 > n:
            raise self.error(f"type section truncated inside the header of type [{self.start_id + index}]",
                             self.type_off + 4 * word)
        info = self.words[word + 1]
        kind = Kind((info >> 24) & 0x1F)
        raise self.error(
            f"type [{self.start_id + index}] {kind.name} vlen={info & 0xFFFF} needs {4 * (end - word)} bytes"
            f" but only {4 * (n - word)} remain in the type section", self.type_off + 4 * word)

    # -- strings -------------------------------------------------------------

    def str_at(self, off: int) -> str:
        """The string at offset ``off`` (global offset: base strings come first)."""
        s = self._names.get(off)
        if s is not None:
            return s
        if off < self.start_str:
            return self.base.str_at(off)
        local = off - self.start_str
        strs = self.strings
        if local >= len(strs):
            raise self.error(f"string offset {off} is past the end of the string section"
                             f" ({self._str_end} bytes)")
        end = strs.index(b"\0", local)
        s = strs[local:end].decode("utf-8", "surrogateescape")
        self._names[off] = s
        return s

    def has_str(self, off: int) -> bool:
        return 0 <= off < self._str_end

    # -- type access ---------------------------------------------------------

    def __len__(self) -> int:
        return self.type_count

    def _locate(self, type_id: int) -> tuple[Btf, int]:
        """(btf that holds ``type_id``, word index of its header)."""
        btf = self
        while type_id < btf.start_id:
            btf = btf.base
            if btf is None:
                break
        if btf is None or type_id <= 0 or type_id >= btf.type_count:
            raise self.error(f"type id {type_id} out of range (1..{self.type_count - 1})")
        return btf, btf.starts[type_id - btf.start_id]

    def kind(self, type_id: int) -> Kind:
        if type_id == 0:
            return Kind.UNKN
        btf, w = self._locate(type_id)
        return Kind((btf.words[w + 1] >> 24) & 0x1F)

    def name(self, type_id: int) -> str:
        if type_id == 0:
            return ""
        btf, w = self._locate(type_id)
        return self.str_at(btf.words[w])

    def header(self, type_id: int) -> tuple[int, int, int, int]:
        """(kind, vlen, kflag, size_or_type) without building a record."""
        btf, w = self._locate(type_id)
        info = btf.words[w + 1]
        return (info >> 24) & 0x1F, info & 0xFFFF, info >> 31, btf.words[w + 2]

    def raw(self, type_id: int) -> tuple[array, int]:
        """(words, index of the type's header) for fast paths."""
        btf, w = self._locate(type_id)
        return btf.words, w

    def type(self, type_id: int):
        """The ``BtfType`` record for ``type_id`` (cached)."""
        rec = self._records.get(type_id)
        if rec is None:
            from bpfdoctor.btf.records import build_record

            btf, w = self._locate(type_id)
            rec = build_record(self, btf.words, w, type_id)
            self._records[type_id] = rec
        return rec

    def types(self, *, include_base: bool = False):
        """Every type record in id order (this BTF only unless ``include_base``)."""
        first = 1 if include_base else self.start_id
        for tid in range(first, self.type_count):
            yield self.type(tid)

    # -- lookup by name -----------------------------------------------------

    def name_offsets(self) -> array:
        """name_off of each local type, built once (used by name lookups)."""
        if self._name_offs is None:
            self._name_offs = array("I", gather(self.words, self.starts))
        return self._name_offs

    def _string_offsets(self, needle: bytes, exact: bool) -> list[int]:
        """Global offsets of strings equal to (or starting with) ``needle``."""
        strs = self.strings
        pat = b"\0" + needle + (b"\0" if exact else b"")
        found = []
        pos = strs.find(pat)
        while pos >= 0:
            found.append(self.start_str + pos + 1)
            pos = strs.find(pat, pos + 1)
        return found

    def find_ids(self, name: str, kind: int | None = None, *, prefix: bool = False) -> list[int]:
        """Ids of types called ``name`` (or whose name starts with it), base first."""
        ids = self.base.find_ids(name, kind, prefix=prefix) if self.base is not None else []
        needle = name.encode("utf-8", "surrogateescape")
        offsets = self._string_offsets(needle, exact=not prefix)
        if not offsets:
            return ids
        # Types of a base BTF may use this BTF's strings only if this is the
        # base; split types may point into base strings, so search those too.
        mine = self._named_at(offsets + (self.base._all_offsets_of(needle, prefix) if self.base is not None else []))
        mine.sort()
        words, starts = self.words, self.starts
        for tid in mine:
            if kind is None or (words[starts[tid - self.start_id] + 1] >> 24) & 0x1F == kind:
                ids.append(tid)
        return ids

    def _named_at(self, offsets: list[int]) -> list[int]:
        """Ids of this BTF's types whose name offset is one of ``offsets``."""
        found = []
        if self._name_offs is None and len(offsets) <= 4:
            # A few offsets: look for each in the type section's bytes (a type's
            # first word is its name) rather than build the index of every type's
            # name (127,000 of them in a vmlinux) for one lookup.
            section, starts = self.words.tobytes(), self.starts
            for off in offsets:
                needle = off.to_bytes(4, sys.byteorder)
                at = section.find(needle)
                while at >= 0:
                    i = bisect_left(starts, at >> 2)
                    if not at & 3 and i < len(starts) and starts[i] == at >> 2:
                        found.append(self.start_id + i)
                    at = section.find(needle, at + 1)
            return found
        name_offs = self.name_offsets()
        if len(offsets) > 8:
            # Many offsets (a short prefix): one pass over the names, not one
            # scan of all of them per offset.
            wanted = set(offsets)
            start = self.start_id
            return [start + i for i, off in enumerate(name_offs) if off in wanted]
        for off in offsets:
            i = -1
            try:
                while True:
                    i = name_offs.index(off, i + 1)
                    found.append(self.start_id + i)
            except ValueError:
                pass
        return found

    def _all_offsets_of(self, needle: bytes, prefix: bool) -> list[int]:
        own = self._string_offsets(needle, exact=not prefix)
        if self.base is not None:
            own += self.base._all_offsets_of(needle, prefix)
        return own

    def find(self, name: str, kind: int | None = None) -> int:
        """The id of the one type called ``name`` (of ``kind``); NotFoundError if none."""
        ids = self.find_ids(name, kind)
        if not ids:
            from bpfdoctor.errors import NotFoundError

            what = f"{Kind(kind).name.lower()} " if kind is not None else ""
            raise NotFoundError(f"{self.path or 'BTF'}: no {what}type named {name!r}")
        return ids[0]

    def name_index(self) -> dict[str, list[int]]:
        """name -> ids for every named type (this BTF and its bases), built lazily."""
        if self._name_index is None:
            index: dict[str, list[int]] = {}
            if self.base is not None:
                for k, v in self.base.name_index().items():
                    index[k] = list(v)
            str_at = self.str_at
            tid = self.start_id
            for off in self.name_offsets():
                if off:
                    index.setdefault(str_at(off), []).append(tid)
                tid += 1
            self._name_index = index
        return self._name_index


def parse_btf(data: bytes, *, path: str | None = None, base: Btf | None = None) -> Btf:
    """Parse a ``.BTF`` blob.  ``base`` makes it split BTF (e.g. a kernel module's)."""
    return Btf(data, path=path, base=base)
