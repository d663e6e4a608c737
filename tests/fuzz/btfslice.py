"""Cut a small, self-contained raw BTF out of a big one (vmlinux), for seeds.

Starts from a named type and takes what it references, breadth first, up to
``max_types``; references past the budget become void (0), so the result
parses and still holds real kernel shapes (bitfields, anonymous unions,
function pointers, flexible arrays).
"""

from __future__ import annotations

import struct
from collections import deque

from bpfdoctor.btf.packed import _NAME, _REF, _REF_ONLY, _SLOTS


def _slots(info: int) -> bytes:
    kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
    head, item = _SLOTS.get(kind, _REF_ONLY)
    return bytes(head) + bytes(item) * vlen


def slice_btf(btf, name: str, *, max_types: int = 300) -> bytes:
    root = btf.find(name)
    order: list[int] = []
    new_id: dict[int, int] = {}
    queue = deque([root])
    while queue and len(order) < max_types:
        tid = queue.popleft()
        if tid == 0 or tid in new_id:
            continue
        new_id[tid] = len(order) + 1
        order.append(tid)
        words, w = btf.raw(tid)
        for k, slot in enumerate(_slots(words[w + 1])):
            if slot == _REF:
                queue.append(words[w + k])
    strings = bytearray(b"\0")
    str_off: dict[int, int] = {0: 0}
    out_words: list[int] = []
    for tid in order:
        words, w = btf.raw(tid)
        for k, slot in enumerate(_slots(words[w + 1])):
            v = words[w + k]
            if slot == _NAME:
                if v not in str_off:
                    str_off[v] = len(strings)
                    strings += btf.str_at(v).encode("utf-8", "surrogateescape") + b"\0"
                v = str_off[v]
            elif slot == _REF:
                v = new_id.get(v, 0)
            out_words.append(v)
    types = struct.pack(f"<{len(out_words)}I", *out_words)
    header = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types), len(strings))
    return header + types + bytes(strings)
