"""Loaded maps: find them, list them, read their entries (``bpftool map``).

Selection follows bpftool's ``MAP`` argument (common.c ``map_parse_fds``):
``id N``, ``name NAME`` (every map with that kernel name) or ``pinned PATH``.
Maps are opened read-only (``BPF_F_RDONLY``), as ``bpftool map dump`` does,
so a dump never needs write access and never changes a map.

Reading walks ``BPF_MAP_GET_NEXT_KEY`` then ``BPF_MAP_LOOKUP_ELEM`` per key
(map.c ``map_dump``); a lookup that fails is kept as an entry with its errno
(bpftool prints it, except ENOENT in prog arrays and maps of maps, which
only means an empty slot).  ``limit`` bounds how many entries are read, so
a million-entry map does not flood a terminal; the dump says it stopped.
"""

from __future__ import annotations

import errno as E

from bpfdoctor.errors import NotFoundError, SyscallError, UsageError
from bpfdoctor.kernel import info as kinfo
from bpfdoctor.kernel import objects
from bpfdoctor.kernel.enums import MapType, ProgType
from bpfdoctor.kernel.maps import Map
from bpfdoctor.kernel.objects import KernelObject, ObjKind
from bpfdoctor.kernel.prog_list import fdinfo_field
from bpfdoctor.kernel.prog_refs import ProcRef, fd_holders, pinned_ids
from bpfdoctor.kernel.prog_select import open_pinned_kind, parse_id
from bpfdoctor.lazylog import get_logger
from bpfdoctor.record import record

log = get_logger(__name__)
BPF_F_RDONLY = 1 << 3
KINDS = ("id", "name", "pinned")
PERCPU = frozenset({MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_PERCPU_HASH,
                    MapType.PERCPU_CGROUP_STORAGE})
MAP_OF_MAPS = frozenset({MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS})


@record
class MapSelector:
    """A ``MAP`` argument: ``kind`` (id, name, pinned) and ``value`` as given;
    ``number`` is the id for ``id`` (else 0)."""

    kind: str
    value: str
    number: int = 0

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


def parse_selector(words) -> MapSelector:
    words = tuple(words)
    if len(words) == 1 and words[0].isascii() and words[0].isdigit():
        words = ("id", words[0])  # bpfdoctor accepts a bare id too
    if len(words) != 2:
        raise UsageError(f"MAP is two words (id|name|pinned VALUE), got {' '.join(words) or 'nothing'!r}")
    kind, value = words
    if kind not in KINDS:
        raise UsageError(f"unknown map selector {kind!r}: expected one of {', '.join(KINDS)}")
    if kind == "id":
        return MapSelector(kind, value, parse_id("map", value))
    if kind == "name" and not 0 < len(value) <= 15:
        raise UsageError(f"bad map name {value!r}: a kernel map name has 1 to 15 characters")
    return MapSelector(kind, value)


def open_maps(sel: MapSelector, open_flags: int = BPF_F_RDONLY) -> list[KernelObject]:
    """Descriptors of the maps ``sel`` names (owned by the caller)."""
    if sel.kind == "id":
        try:
            return [objects.fd_by_id(ObjKind.MAP, sel.number, open_flags)]
        except SyscallError as e:
            if e.errno == E.ENOENT:
                raise NotFoundError(f"no map with id {sel.number} exists") from None
            raise
    if sel.kind == "pinned":
        return [open_pinned(sel.value, open_flags)]
    found = objects.open_matching(ObjKind.MAP, lambda fd: kinfo.map_info(fd).name == sel.value, open_flags)
    if not found:
        raise NotFoundError(f"no map is named {sel.value!r}")
    return found


def open_pinned(path: str, open_flags: int = BPF_F_RDONLY) -> KernelObject:
    return open_pinned_kind(path, "map", open_flags)


# -- map list ------------------------------------------------------------------------

@record
class MapEntry:
    """One map as ``map list`` shows it: its info, what fdinfo adds (``memlock``
    in bytes, ``frozen``, the owner program's type and JIT for prog arrays;
    None where fdinfo has no such line), pinned paths and the processes holding
    it."""

    info: kinfo.MapInfoRecord
    memlock: int | None
    frozen: bool
    owner_prog_type: ProgType | None = None
    owner_jited: bool | None = None
    pinned: tuple[str, ...] = ()
    pids: tuple[ProcRef, ...] = ()


@record
class MapList:
    """``map list``: the maps, and whether any map is pinned (bpftool -j then
    gives every entry a ``"pinned"`` list)."""

    maps: tuple[MapEntry, ...]
    any_pinned: bool


def describe(fd: KernelObject, pinned: dict[int, list[str]] | None = None,
             holders: dict[int, list[ProcRef]] | None = None) -> MapEntry:
    """map.c ``show_map_close_plain``: info + the fdinfo lines bpftool reads."""
    rec = kinfo.map_info(fd)
    memlock = fdinfo_field(fd.fd, "memlock")
    frozen = fdinfo_field(fd.fd, "frozen")
    opt = fdinfo_field(fd.fd, "owner_prog_type")
    ojit = fdinfo_field(fd.fd, "owner_jited")
    return MapEntry(rec, int(memlock) if memlock and memlock.isdigit() else None,
                    bool(frozen and frozen.isdigit() and int(frozen)),
                    ProgType(int(opt)) if opt and opt.isdigit() else None,
                    bool(int(ojit)) if ojit and ojit.isdigit() else None,
                    tuple((pinned or {}).get(rec.id, [])), tuple((holders or {}).get(rec.id, [])))


def list_maps(sel: MapSelector | None = None, *, with_pinned: bool = True,
              with_pids: bool = True) -> MapList:
    pinned = pinned_maps() if with_pinned else None
    holders = map_holders() if with_pids else None
    fds = open_maps(sel, 0) if sel else objects.open_all(ObjKind.MAP)
    out = []
    for fd in fds:
        with fd:
            out.append(describe(fd, pinned, holders))
    return MapList(tuple(out), bool(pinned))


def pinned_maps(mount_points: list[str] | None = None) -> dict[int, list[str]]:
    """map id -> pinned paths (common.c ``build_pinned_obj_table`` for maps)."""
    return pinned_ids("map", lambda fd: kinfo.map_info(fd).id, mount_points, BPF_F_RDONLY)


def map_holders() -> dict[int, list[ProcRef]]:
    """map id -> processes holding a descriptor of it (``map_id:`` in fdinfo)."""
    return fd_holders("anon_inode:bpf-map", "map_id")


# -- map dump ------------------------------------------------------------------------

@record
class DumpEntry:
    """One key of a map dump and its value; a per-CPU map's value holds every
    possible CPU's, each padded to 8 bytes."""

    key: bytes
    value: bytes | None          # None: the lookup failed with ``errno``
    errno: int = 0


@record
class MapDump:
    """A map's entries in GET_NEXT_KEY order (at most ``limit``), with what
    formatting them needs: the BTF and the number of CPUs (1 unless per-CPU)."""

    info: kinfo.MapInfoRecord
    entries: tuple[DumpEntry, ...]
    btf: object | None           # parsed Btf for key/value types, or None
    ncpus: int
    truncated: bool              # stopped at ``limit`` with more keys left
    notes: tuple[str, ...] = ()

    @property
    def percpu(self) -> bool:
        return self.info.type in PERCPU


def dump_map(fd: KernelObject, *, limit: int | None = None, btf_cache: dict | None = None) -> MapDump:
    """Every entry of the map behind ``fd`` (at most ``limit``)."""
    rec = kinfo.map_info(fd)
    m = Map(fd.fd, int(rec.type), rec.key_size, rec.value_size, rec.max_entries, rec.name)
    try:
        ncpus = 1
        if rec.type in PERCPU:
            from bpfdoctor.host.cpus import possible_cpus

            ncpus = possible_cpus()
        entries: list[DumpEntry] = []
        truncated = False
        notes: list[str] = []
        if rec.type == MapType.REUSEPORT_SOCKARRAY and rec.value_size != 8:
            notes.append("cannot read values from reuseport_sockarray map with value_size != 8")
        if rec.type in (MapType.RINGBUF, MapType.USER_RINGBUF):
            notes.append(f"{rec.type.name.lower()} maps carry a stream of records, not entries: "
                         "read them with a consumer (the dump shows no elements)")
        key = _next_key(m, None)
        while key is not None:
            if limit is not None and len(entries) >= limit:
                truncated = True
                break
            entries.append(_lookup(m, key))
            key = _next_key(m, key)
    finally:
        m.detach()  # the descriptor belongs to ``fd``
    return MapDump(rec, tuple(entries), _kv_btf(rec, btf_cache), ncpus, truncated, tuple(notes))


def _next_key(m: Map, key: bytes | None) -> bytes | None:
    if m.key_size == 0:
        return None  # queue/stack/ringbuf: no keys to walk (bpftool gets EINVAL and stops)
    try:
        return m.next_key(key)
    except SyscallError as e:
        if e.errno in (E.EINVAL, E.ENOTSUP, E.EOPNOTSUPP, 524):  # no keys to walk (ringbuf: ENOTSUPP)
            return None
        raise


def _lookup(m: Map, key: bytes) -> DumpEntry:
    try:
        value = m.lookup(key)
    except SyscallError as e:
        return DumpEntry(key, None, e.errno)
    return DumpEntry(key, None, E.ENOENT) if value is None else DumpEntry(key, value)


def _kv_btf(rec: kinfo.MapInfoRecord, cache: dict | None):
    """map.c ``get_map_kv_btf``: vmlinux BTF for struct_ops values, else the map's BTF."""
    from bpfdoctor.kernel.prog_btf import program_btf, vmlinux_btf

    if rec.btf_vmlinux_value_type_id:
        return vmlinux_btf()
    if rec.btf_value_type_id and rec.btf_id:
        return program_btf(rec.btf_id, cache)
    return None


def dump_selected(sel: MapSelector, *, limit: int | None = None) -> list[MapDump]:
    cache: dict = {}
    out = []
    for fd in open_maps(sel):
        with fd:
            out.append(dump_map(fd, limit=limit, btf_cache=cache))
    return out
