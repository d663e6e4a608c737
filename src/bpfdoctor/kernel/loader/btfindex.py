"""vmlinux BTF for the loader, with its index kept for the rest of the boot.

Loading a CO-RE object spends most of its own time on two things about
vmlinux BTF (~150k types): walking the type section to find where each type
starts (``Btf._index_types``), and name lookups that scan the whole string
section (2.5 MB) once per candidate name (``Btf.find_ids`` from
``btf.core.find_candidates``, kfunc/ksym and attach-target searches).
Neither changes until the kernel does, so both are kept in
``$XDG_CACHE_HOME/bpfdoctor/vmlinux-<boot id>-<key>.idx``: the type starts,
and the types sorted by name, where a name is found by bisection.

The key says which BTF an index describes, so that it can only ever be used
for that BTF.  The running kernel's (``/sys/kernel/btf/vmlinux``) cannot
change until the next boot, which the file name already names, so its key is
its size; any other file's key is its CRC-32 and size.  The index carries a
CRC-32 of itself; a file that does not fit is rebuilt, never trusted.  (CRC-32
and not a cryptographic hash: the file is ours, in our own cache directory,
and ``hashlib`` alone costs a CO-RE ``load`` ~4 ms to import, blake2b ~11 ms
to hash vmlinux.)

``IndexedBtf`` answers exactly what ``Btf`` answers (same ids, same order):
``Btf.find_ids`` finds names by their string offsets, so a type whose
``name_off`` does not start a string is never found; such types are left out
of the name index too.
"""

from __future__ import annotations

import struct
import sys
from array import array
from bisect import bisect_left

from bpfdoctor.btf.reader import Btf
from bpfdoctor.host import cache as host_cache
from bpfdoctor.lazylog import get_logger

log = get_logger(__name__)

SYSFS_VMLINUX = "/sys/kernel/btf/vmlinux"
MAGIC = b"BPFDIDX3"
# magic, key of the BTF, CRC-32 of the payload, type count, type-section
# words, entries of the name index; then two uint32 arrays: the ``count``
# type starts and the name index (type indices sorted by name)
_HEAD = struct.Struct("<8s16sIIII")


class IndexedBtf(Btf):
    """A base (non-split) BTF with a type-start table and a name index."""

    def __init__(self, data: bytes, *, path: str | None = None,
                 index: tuple[array, array] | None = None) -> None:
        self._given = index
        super().__init__(data, path=path)
        self.by_name = self._build_name_index() if index is None else index[1]

    def _type_words(self, data: bytes, off: int, length: int):
        """A view of the type section in the bytes read, in host byte order:
        no 3 MB copy (and its page faults) on every CO-RE load.  ``words[i]``
        reads what the array's would."""
        if self.little_endian == (sys.byteorder == "little") and off % 4 == 0:
            return memoryview(data)[off:off + length].cast("I")
        return super()._type_words(data, off, length)

    def _index_types(self) -> None:
        if self._given is None:
            super()._index_types()
            return
        self.starts = self._given[0]
        self.count = len(self.starts)
        self.type_count = self.start_id + self.count

    def _name_at(self, i: int) -> bytes:
        """The name of the type with index ``i`` (id ``start_id + i``) as bytes."""
        strs = self.strings
        off = self.words[self.starts[i]]
        return strs[off:strs.index(b"\0", off)]

    def _build_name_index(self) -> array:
        strs = self.strings
        offs = self.name_offsets()
        n = len(strs)
        # only names that start a string (what the string search of Btf.find_ids finds)
        found = [i for i, off in enumerate(offs) if 0 < off < n and strs[off - 1] == 0]
        return array("I", sorted(found, key=self._name_at))

    def find_ids(self, name: str, kind: int | None = None, *, prefix: bool = False) -> list[int]:
        """``Btf.find_ids``, by bisection in the name index."""
        needle = name.encode("utf-8", "surrogateescape")
        if not needle or b"\0" in needle:
            return super().find_ids(name, kind, prefix=prefix)  # no name is empty or holds a NUL
        by_name, name_at = self.by_name, self._name_at
        i = bisect_left(by_name, needle, key=name_at)
        mine = []
        while i < len(by_name):
            got = name_at(by_name[i])
            if not (got.startswith(needle) if prefix else got == needle):
                break
            mine.append(self.start_id + by_name[i])
            i += 1
        mine.sort()
        if kind is None:
            return mine
        words, starts, start = self.words, self.starts, self.start_id
        return [tid for tid in mine if (words[starts[tid - start] + 1] >> 24) & 0x1F == kind]


def _key(data: bytes, path: str | None) -> bytes:
    """16 bytes naming the BTF an index describes (see the module docstring)."""
    if path == SYSFS_VMLINUX:
        return struct.pack("<4sIQ", b"boot", 0, len(data))
    import zlib

    return struct.pack("<4sIQ", b"crc3", zlib.crc32(data), len(data))


def _crc(payload: bytes) -> int:
    import zlib

    return zlib.crc32(payload)


# "vmlinux3-": this format; "vmlinux-" files are the earlier format's, kept
# by an earlier bpfdoctor for the boot it ran in.
PREFIX, OLD_PREFIX = "vmlinux3-", "vmlinux-"


def _file_name(boot: str, key: bytes) -> str:
    return f"{PREFIX}{boot}-{key.hex()}.idx"


def _remove_old_format(boot: str) -> None:
    """Earlier-format indexes of earlier boots (an earlier bpfdoctor may still
    use this boot's)."""
    import os

    directory = host_cache.cache_dir()
    try:
        for other in os.listdir(directory):
            if other.startswith(OLD_PREFIX) and boot not in other:
                os.unlink(os.path.join(directory, other))
    except OSError:
        pass


def _read_index(raw: bytes, key: bytes, words: int) -> tuple[array, array] | None:
    if len(raw) < _HEAD.size:
        return None
    magic, got, crc, count, nwords, nnames = _HEAD.unpack_from(raw)
    payload = memoryview(raw)[_HEAD.size:]  # a view: no copy of the 0.8 MB
    if (magic != MAGIC or got != key or nwords != words or nnames > count
            or len(payload) != 4 * (count + nnames) or _crc(payload) != crc):
        return None
    tables = []
    for lo, hi in ((0, count), (count, count + nnames)):
        a = array("I")
        a.frombytes(payload[4 * lo:4 * hi])
        if sys.byteorder != "little":
            a.byteswap()
        tables.append(a)
    return tables[0], tables[1]


def _write_index(btf: IndexedBtf, key: bytes) -> bytes:
    parts = []
    for a in (btf.starts, btf.by_name):
        a = array("I", a)
        if sys.byteorder != "little":
            a.byteswap()
        parts.append(a.tobytes())
    payload = b"".join(parts)
    return _HEAD.pack(MAGIC, key, _crc(payload), len(btf.starts), len(btf.words), len(btf.by_name)) + payload


def load_vmlinux(data: bytes, path: str) -> Btf:
    """vmlinux BTF with its index from this boot's cache (built and stored when missing)."""
    boot = host_cache.boot_id()
    if boot is None:
        return IndexedBtf(data, path=path)
    key = _key(data, path)
    name = _file_name(boot, key)
    index = None
    f = host_cache.open_own(f"{host_cache.cache_dir()}/{name}")
    if f is not None:
        with f:
            raw = f.read()
        # the type section's word count, from the header (as Btf reads it)
        index = _read_index(raw, key, _type_words(data))
        if index is None:
            log.debug("vmlinux index %s does not fit; rebuilding", name)
    if index is not None:
        return IndexedBtf(data, path=path, index=index)
    btf = IndexedBtf(data, path=path)
    if not btf.problems:
        host_cache.write_atomic(name, _write_index(btf, key), stale_prefix=PREFIX)
        _remove_old_format(boot)
    return btf


def _type_words(data: bytes) -> int:
    if len(data) < 24:
        return -1
    order = "<" if data[:2] == b"\x9f\xeb" else ">"
    return struct.unpack_from(order + "I", data, 12)[0] // 4
