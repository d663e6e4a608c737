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

from bpfdoctor.btf.reader import Btf, gather

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


class _Masks(dict):
    """info word -> the slot bits of each of its type's words (one byte per word)."""

    def __missing__(self, info: int) -> bytes:
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        head, item = _SLOTS.get(kind, _REF_ONLY)
        mask = self[info] = bytes(head) + bytes(item) * vlen
        return mask


_MASKS = _Masks()
_NAME_MASK = bytes(b & _NAME for b in range(256))
_REF_MASK = bytes((b & _REF) >> 1 for b in range(256))


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
        # Lists, not arrays: reading a list makes no int object (an array
        # makes one for each word read), and subscripting one is the
        # interpreter's fast path.
        self.words, self.pos = words.tolist(), pos.tolist()
        self.infos = gather(self.words[1:], pos[1:])  # the second word of each header
        kinds = array("I", self.infos).tobytes()[_KIND_BYTE::4].translate(_KIND_OF)
        self.kinds = b"\0" + kinds

    def check(self, asked: set[int]) -> set[int] | None:
        """The ids in ``asked`` that some type refers to; None if a type id or
        name offset is out of range.

        A mask per info word says which words are type ids and which name
        offsets; ``itertools.compress`` picks them out in C.
        """
        if not self.infos:
            return set()
        mask = []
        at = 0
        for b in self.chain:  # words after a kind we cannot size belong to no type
            part = b"".join(map(_MASKS.__getitem__, self.infos[at:at + b.count]))
            mask.append(part + bytes(len(b.words) - len(part)))
            at += b.count
        mask = b"".join(mask)
        refs = list(compress(self.words, mask.translate(_REF_MASK)))
        if refs and max(refs) >= self.type_count:
            return None
        if max(compress(self.words, mask.translate(_NAME_MASK))) >= self.str_end:
            return None
        return asked.intersection(refs)
