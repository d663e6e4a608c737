"""A tiny BTF encoder for hand-made test inputs (split BTF, malformed data)."""

from __future__ import annotations

import struct


class BtfBuilder:
    """Append types as raw words; ``encode()`` gives a complete .BTF blob."""

    def __init__(self, *, order: str = "<", base_str_len: int = 0, first_id: int = 1) -> None:
        self.order = order
        self.strings = bytearray(b"" if base_str_len else b"\0")
        self.base_str_len = base_str_len
        self._offsets: dict[str, int] = {}
        self.words: list[int] = []
        self.next_id = first_id

    def s(self, name: str) -> int:
        """The offset of ``name``, added once (as libbpf's btf__add_str)."""
        if not name:
            return 0
        if name not in self._offsets:
            self._offsets[name] = self.base_str_len + len(self.strings)
            self.strings += name.encode() + b"\0"
        return self._offsets[name]

    def add(self, kind: int, name: str, size_or_type: int, vlen: int = 0, kflag: int = 0,
            extra: list[int] | None = None) -> int:
        self.words += [self.s(name), (kflag << 31) | (kind << 24) | vlen, size_or_type]
        self.words += extra or []
        tid = self.next_id
        self.next_id += 1
        return tid

    def int_(self, name: str, size: int, bits: int, enc: int = 0) -> int:
        return self.add(1, name, size, extra=[(enc << 24) | bits])

    def ptr(self, to: int) -> int:
        return self.add(2, "", to)

    def typedef(self, name: str, to: int) -> int:
        return self.add(8, name, to)

    def struct(self, name: str, size: int, members: list[tuple[str, int, int]], kflag: int = 0) -> int:
        extra = []
        for mname, mtype, off in members:
            extra += [self.s(mname), mtype, off]
        return self.add(4, name, size, len(members), kflag, extra)

    def encode(self, *, hdr_len: int = 24, magic: int = 0xEB9F) -> bytes:
        types = struct.pack(f"{self.order}{len(self.words)}I", *self.words)
        hdr = struct.pack(self.order + "HBBIIIII", magic, 1, 0, hdr_len, 0, len(types),
                          len(types), len(self.strings))
        return hdr + b"\0" * (hdr_len - 24) + types + bytes(self.strings)
