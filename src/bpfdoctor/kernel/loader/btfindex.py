"""vmlinux BTF for the loader, with its index kept for the rest of the boot.

Loading a CO-RE object spends most of its own time on two things about
vmlinux BTF (~150k types): walking the type section to find where each type
starts (``Btf._index_types``), and name lookups that scan the table of
``name_off`` values linearly, once per candidate string (``Btf.find_ids``
from ``btf.core.find_candidates``, kfunc/ksym and attach-target searches).
Neither changes until the kernel does, so both are kept in
``$XDG_CACHE_HOME/bpfdoctor/vmlinux-<boot id>-<hash>.idx``: the type starts,
and the type indices sorted by ``name_off`` (found by bisection).  The key
includes a hash of the BTF bytes, so an index can only ever describe the BTF
it was built from; a file that does not fit is rebuilt, never trusted.

``IndexedBtf`` answers exactly what ``Btf`` answers (same ids, same order);
only the work to get there differs.
"""

from __future__ import annotations

import hashlib
from bpfdoctor.lazylog import get_logger
import struct
import sys
from array import array
from bisect import bisect_left, bisect_right

from bpfdoctor.btf.reader import Btf
from bpfdoctor.host import cache as host_cache

log = get_logger(__name__)

MAGIC = b"BPFDIDX2"
# magic, digest of the BTF, digest of the payload, type count, type-section words;
# then three uint32 arrays of ``count``: starts, order, sorted name offsets
_HEAD = struct.Struct("<8s16s16sII")


class IndexedBtf(Btf):
    """A base (non-split) BTF with a type-start table and a sorted name index."""

    def __init__(self, data: bytes, *, path: str | None = None,
                 index: tuple[array, array, array] | None = None) -> None:
        self._given = index
        super().__init__(data, path=path)
        if index is None:
            offs = self.name_offsets()
            self.order = array("I", sorted(range(len(self.starts)), key=offs.__getitem__))
            self._sorted_offs = array("I", [offs[i] for i in self.order])
        else:
            self.order, self._sorted_offs = index[1], index[2]

    def _index_types(self) -> None:
        if self._given is None:
            super()._index_types()
            return
        self.starts = self._given[0]
        self.count = len(self.starts)
        self.type_count = self.start_id + self.count

    def find_ids(self, name: str, kind: int | None = None, *, prefix: bool = False) -> list[int]:
        """``Btf.find_ids``, by bisection in the sorted name index."""
        needle = name.encode("utf-8", "surrogateescape")
        offsets = self._string_offsets(needle, exact=not prefix)
        if not offsets:
            return []
        sorted_offs, order, start = self._sorted_offs, self.order, self.start_id
        mine = []
        for off in offsets:
            lo = bisect_left(sorted_offs, off)
            hi = bisect_right(sorted_offs, off, lo)
            mine.extend(start + i for i in order[lo:hi])
        mine.sort()
        if kind is None:
            return mine
        words, starts = self.words, self.starts
        return [tid for tid in mine if (words[starts[tid - start] + 1] >> 24) & 0x1F == kind]


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _file_name(boot: str, digest: bytes) -> str:
    return f"vmlinux-{boot}-{digest.hex()}.idx"


def _read_index(raw: bytes, digest: bytes, words: int) -> tuple[array, array, array] | None:
    if len(raw) < _HEAD.size:
        return None
    magic, got, payload_digest, count, nwords = _HEAD.unpack_from(raw)
    payload = raw[_HEAD.size:]
    if (magic != MAGIC or got != digest or nwords != words or len(payload) != 12 * count
            or _digest(payload) != payload_digest):
        return None
    tables = []
    for k in range(3):
        a = array("I")
        a.frombytes(payload[4 * count * k:4 * count * (k + 1)])
        if sys.byteorder != "little":
            a.byteswap()
        tables.append(a)
    return tables[0], tables[1], tables[2]


def _write_index(btf: IndexedBtf, digest: bytes) -> bytes:
    parts = []
    for a in (btf.starts, btf.order, btf._sorted_offs):
        a = array("I", a)
        if sys.byteorder != "little":
            a.byteswap()
        parts.append(a.tobytes())
    payload = b"".join(parts)
    return _HEAD.pack(MAGIC, digest, _digest(payload), len(btf.starts), len(btf.words)) + payload


def load_vmlinux(data: bytes, path: str) -> Btf:
    """vmlinux BTF with its index from this boot's cache (built and stored when missing)."""
    boot = host_cache.boot_id()
    if boot is None:
        return IndexedBtf(data, path=path)
    digest = _digest(data)
    name = _file_name(boot, digest)
    index = None
    f = host_cache.open_own(f"{host_cache.cache_dir()}/{name}")
    if f is not None:
        with f:
            raw = f.read()
        # the type section's word count, from the header (as Btf reads it)
        index = _read_index(raw, digest, _type_words(data))
        if index is None:
            log.debug("vmlinux index %s does not fit; rebuilding", name)
    if index is not None:
        return IndexedBtf(data, path=path, index=index)
    btf = IndexedBtf(data, path=path)
    if not btf.problems:
        host_cache.write_atomic(name, _write_index(btf, digest), stale_prefix="vmlinux-")
    return btf


def _type_words(data: bytes) -> int:
    if len(data) < 24:
        return -1
    order = "<" if data[:2] == b"\x9f\xeb" else ">"
    return struct.unpack_from(order + "I", data, 12)[0] // 4
