"""A flat view of a ``Btf`` and its bases for whole-BTF passes (the C dumper).

``words`` holds the type sections of the base chain and this BTF back to back,
``pos[id]`` is where type ``id``'s header starts in it and ``kinds[id]`` its
kind (one byte; ``pos[0]``/``kinds[0]`` stand for void).  Reading a field is
then two subscripts instead of building a ``BtfType`` record.

``check`` validates every type reference and name offset at once: per info
word (kind, vlen) a cached mask says which words are type ids and which are
name offsets, and ``itertools.compress`` picks them out in C.
"""

from __future__ import annotations

import sys
from array import array
from itertools import compress
from operator import itemgetter

from bpfdoctor.btf.reader import Btf

# Byte of each info word that holds the kind bits, in the host's order.
_KIND_BYTE = 3 if sys.byteorder == "little" else 0
_KIND_OF = bytes(b & 0x1F for b in range(256))  # drop kflag (bit 31) and unused bits
_NAME, _REF = 1, 2

# kind: (slot bits of the three header words and the fixed extra words, slot bits of one item)
_SLOTS: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {
    1: ((_NAME, 0, 0, 0), ()),  # INT
    3: ((_NAME, 0, 0, _REF, _REF, 0), ()),  # ARRAY: elem type, index type
    4: ((_NAME, 0, 0), (_NAME, _REF, 0)),  # STRUCT members
    5: ((_NAME, 0, 0), (_NAME, _REF, 0)),  # UNION members
    6: ((_NAME, 0, 0), (_NAME, 0)),  # ENUM values
    7: ((_NAME, 0, 0), ()),  # FWD
    13: ((_NAME, 0, _REF), (_NAME, _REF)),  # FUNC_PROTO: return type, params
    14: ((_NAME, 0, _REF, 0), ()),  # VAR
    15: ((_NAME, 0, 0), (_REF, 0, 0)),  # DATASEC vars
    16: ((_NAME, 0, 0), ()),  # FLOAT
    17: ((_NAME, 0, _REF, 0), ()),  # DECL_TAG
    19: ((_NAME, 0, 0), (_NAME, 0, 0)),  # ENUM64 values
}
_REF_ONLY = ((_NAME, 0, _REF), ())  # PTR, TYPEDEF, modifiers, FUNC, TYPE_TAG
_REF_MASK = bytes((b & _REF) >> 1 for b in range(256))
_NAME_BYTES = bytes(0xFF if b & _NAME else 0 for b in range(256))


class _Masks(dict):
    """info word -> the slot bits of its type's words, four bytes per word (one per byte of it)."""

    def __missing__(self, info: int) -> bytes:
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        head, item = _SLOTS.get(kind, _REF_ONLY)
        mask = self[info] = bytes(_each_4_times(head)) + bytes(_each_4_times(item)) * vlen
        return mask


def _each_4_times(slots: tuple[int, ...]) -> list[int]:
    return [s for s in slots for _ in range(4)]


_MASKS = _Masks()


class Packed:
    def __init__(self, btf: Btf) -> None:
        chain = []
        b: Btf | None = btf
        while b is not None:
            chain.append(b)
            b = b.base
        chain.reverse()
        self.chain = chain
        self.type_count = btf.type_count
        self.str_end = btf._str_end
        words = array("I")
        pos = array("I", [0])
        for b in chain:
            base = len(words)
            words += b.words
            pos += b.starts if not base else array("I", [s + base for s in b.starts])
        self.words, self.pos = words, pos
        self.infos = _gather(words, [p + 1 for p in pos[1:]]) if len(pos) > 1 else ()
        kinds = array("I", self.infos).tobytes()[_KIND_BYTE::4].translate(_KIND_OF)
        self.kinds = b"\0" + kinds

    def check(self) -> set[int] | None:
        """The ids that some type refers to; None if a type id or name offset is out of range."""
        if not self.infos:
            return set()
        mask = []
        at = 0
        for b in self.chain:  # words after a kind we cannot size belong to no type
            n = b.count
            part = b"".join(map(_MASKS.__getitem__, self.infos[at: at + n]))
            mask.append(part + bytes(4 * len(b.words) - len(part)))
            at += n
        mask = b"".join(mask)
        refs = set(compress(self.words, mask[::4].translate(_REF_MASK)))
        if refs and max(refs) >= self.type_count:
            return None
        if not _all_below(self.words, mask.translate(_NAME_BYTES), self.str_end):
            return None
        return refs


def _all_below(words: array, selected: bytes, bound: int) -> bool:
    """Whether each word whose bytes ``selected`` sets to 0xFF is below ``bound``.

    ``max(compress(words, ...))`` makes an int of each of the ~800,000 words
    of a vmlinux; this is the same test in a few big-int operations over the
    whole section: keep the selected words, then see whether any reaches
    ``top`` (the power of two at or above ``bound``), or does once raised by
    ``top - bound``.  No word carries into the next: both terms are below
    ``top`` <= 2**31.
    """
    top = 1 << (bound - 1).bit_length() if bound > 0 else 0
    if not words or not 0 < top <= 1 << 31:
        return max(compress(words, selected[::4]), default=0) < bound
    n, order = len(words), sys.byteorder
    picked = int.from_bytes(words.tobytes(), order) & int.from_bytes(selected, order)
    high = int.from_bytes(((-top) & 0xFFFFFFFF).to_bytes(4, order) * n, order)
    if picked & high:
        return False
    raise_by = int.from_bytes((top - bound).to_bytes(4, order) * n, order)
    return not (picked + raise_by) & high


def _gather(words: array, at: list[int]) -> tuple:
    got = itemgetter(*at)(words)
    return got if len(at) > 1 else (got,)
