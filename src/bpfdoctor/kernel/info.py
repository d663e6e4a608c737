"""BPF_OBJ_GET_INFO_BY_FD for programs, maps, BTF and links.

Two calls, as the kernel intends (kernel/bpf/syscall.c:
``bpf_prog_get_info_by_fd``): the first, with every count zero, returns the
lengths; the second passes buffers of those lengths.  An array is requested
only when the first call reported it, so an older kernel never sees a
non-zero field it does not know (``bpf_check_uarg_tail_zero``).
"""

from __future__ import annotations

import ctypes
import struct
from bpfdoctor.record import record

from bpfdoctor.kernel import syscall
from bpfdoctor.kernel.attrs import BtfInfo, InfoAttr, LinkInfo, MapInfo, ProgInfo
from bpfdoctor.kernel.enums import BpfCmd, MapType, ProgType
from bpfdoctor.kernel.fd import OwnedFd

# count field, pointer field, element size (int) or the field holding the record size
_PROG_ARRAYS = (
    ("jited_prog_len", "jited_prog_insns", 1),
    ("xlated_prog_len", "xlated_prog_insns", 1),
    ("nr_map_ids", "map_ids", 4),
    ("nr_jited_ksyms", "jited_ksyms", 8),
    ("nr_jited_func_lens", "jited_func_lens", 4),
    ("nr_func_info", "func_info", "func_info_rec_size"),
    ("nr_line_info", "line_info", "line_info_rec_size"),
    ("nr_jited_line_info", "jited_line_info", "jited_line_info_rec_size"),
    ("nr_prog_tags", "prog_tags", 8),
)
PROG_ARRAYS = frozenset(p for _, p, _ in _PROG_ARRAYS)


def _fdnum(fd: int | OwnedFd) -> int:
    return fd.fd if isinstance(fd, OwnedFd) else fd


def _get_info(fd: int, info: ctypes.Structure) -> int:
    attr = InfoAttr(bpf_fd=fd, info_len=ctypes.sizeof(info), info=ctypes.addressof(info))
    syscall.bpf(BpfCmd.OBJ_GET_INFO_BY_FD, attr)
    return attr.info_len


def _u64s(raw: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(raw) // 8}Q", raw[: len(raw) // 8 * 8])


def _u32s(raw: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(raw) // 4}I", raw[: len(raw) // 4 * 4])


@record
class ProgInfoRecord:
    """``struct bpf_prog_info`` as the kernel filled it, fields by its names
    (``load_time_ns`` is ``load_time``: ns since boot); ``tag`` and
    ``prog_tags`` in hex.  The arrays are empty unless ``prog_info`` asked for
    them and the kernel handed them out."""

    type: ProgType
    id: int
    tag: str
    name: str
    jited_prog_len: int
    xlated_prog_len: int
    load_time_ns: int
    created_by_uid: int
    map_ids: tuple[int, ...]
    gpl_compatible: bool
    btf_id: int
    verified_insns: int
    run_time_ns: int
    run_cnt: int
    recursion_misses: int
    attach_btf_obj_id: int
    attach_btf_id: int
    ifindex: int
    netns_dev: int
    netns_ino: int
    xlated_insns: bytes = b""
    jited_insns: bytes = b""
    jited_ksyms: tuple[int, ...] = ()
    jited_func_lens: tuple[int, ...] = ()
    func_info: bytes = b""
    func_info_rec_size: int = 0
    line_info: bytes = b""
    line_info_rec_size: int = 0
    jited_line_info: tuple[int, ...] = ()
    prog_tags: tuple[str, ...] = ()
    # The counts the kernel reports even when it withholds the arrays
    # (bpf_dump_raw_ok false: pointers zeroed, counts kept).
    nr_jited_ksyms: int = 0
    nr_jited_func_lens: int = 0
    nr_jited_line_info: int = 0


def prog_info(fd: int | OwnedFd, arrays: frozenset[str] | None = PROG_ARRAYS) -> ProgInfoRecord:
    """Program info; ``arrays`` names the pointer fields to fetch (None: only counts).

    Instruction dumps come back empty where the kernel hides them
    (``bpf_dump_raw_ok``: kptr_restrict or missing CAP_SYSLOG-like rights).
    """
    info = ProgInfo()
    num = _fdnum(fd)
    _get_info(num, info)
    bufs: dict[str, ctypes.Array] = {}
    first = ProgInfo.from_buffer_copy(info)  # the counts, should no array be fetched
    if arrays:
        for count, ptr, elem in _PROG_ARRAYS:
            n = getattr(info, count)
            if ptr not in arrays or not n:
                setattr(info, count, 0)
                continue
            size = n * (getattr(info, elem) if isinstance(elem, str) else elem)
            bufs[ptr] = ctypes.create_string_buffer(max(1, size))
            setattr(info, ptr, ctypes.addressof(bufs[ptr]))
        if bufs:
            _get_info(num, info)
        else:
            info = first  # nothing to fetch: keep the lengths the kernel reported
    return _prog_record(info, bufs)


def _prog_record(info: ProgInfo, bufs: dict[str, ctypes.Array]) -> ProgInfoRecord:
    def raw(ptr: str, count: str, elem) -> bytes:
        if ptr not in bufs or not getattr(info, ptr):
            return b""
        size = getattr(info, count) * (getattr(info, elem) if isinstance(elem, str) else elem)
        return bufs[ptr].raw[:size]

    get = {p: raw(p, c, e) for c, p, e in _PROG_ARRAYS}
    return ProgInfoRecord(
        type=ProgType(info.type), id=info.id, tag=bytes(info.tag).hex(),
        name=info.name.decode(errors="replace"), jited_prog_len=info.jited_prog_len,
        xlated_prog_len=info.xlated_prog_len, load_time_ns=info.load_time,
        created_by_uid=info.created_by_uid, map_ids=_u32s(get["map_ids"]),
        gpl_compatible=bool(info.gpl_compatible & 1), btf_id=info.btf_id,
        verified_insns=info.verified_insns, run_time_ns=info.run_time_ns, run_cnt=info.run_cnt,
        recursion_misses=info.recursion_misses, attach_btf_obj_id=info.attach_btf_obj_id,
        attach_btf_id=info.attach_btf_id, ifindex=info.ifindex, netns_dev=info.netns_dev,
        netns_ino=info.netns_ino, xlated_insns=get["xlated_prog_insns"],
        jited_insns=get["jited_prog_insns"], jited_ksyms=_u64s(get["jited_ksyms"]),
        jited_func_lens=_u32s(get["jited_func_lens"]), func_info=get["func_info"],
        func_info_rec_size=info.func_info_rec_size, line_info=get["line_info"],
        line_info_rec_size=info.line_info_rec_size, jited_line_info=_u64s(get["jited_line_info"]),
        prog_tags=tuple(get["prog_tags"][i:i + 8].hex() for i in range(0, len(get["prog_tags"]), 8)),
        nr_jited_ksyms=info.nr_jited_ksyms, nr_jited_func_lens=info.nr_jited_func_lens,
        nr_jited_line_info=info.nr_jited_line_info,
    )


@record
class MapInfoRecord:
    """``struct bpf_map_info``, fields by the kernel's names."""

    type: MapType
    id: int
    name: str
    key_size: int
    value_size: int
    max_entries: int
    map_flags: int
    btf_id: int
    btf_key_type_id: int
    btf_value_type_id: int
    btf_vmlinux_value_type_id: int
    map_extra: int
    ifindex: int


def map_info(fd: int | OwnedFd) -> MapInfoRecord:
    info = MapInfo()
    _get_info(_fdnum(fd), info)
    return MapInfoRecord(MapType(info.type), info.id, info.name.decode(errors="replace"), info.key_size,
                         info.value_size, info.max_entries, info.map_flags, info.btf_id,
                         info.btf_key_type_id, info.btf_value_type_id, info.btf_vmlinux_value_type_id,
                         info.map_extra, info.ifindex)


@record
class BtfInfoRecord:
    """``struct bpf_btf_info``: ``size`` is the BTF's length in bytes, ``data``
    the BTF itself when ``btf_info`` fetched it (else empty)."""

    id: int
    name: str
    size: int
    kernel_btf: bool
    data: bytes = b""


def btf_info(fd: int | OwnedFd, with_data: bool = False) -> BtfInfoRecord:
    """BTF object info; ``with_data`` also fetches the raw BTF bytes."""
    num = _fdnum(fd)
    info = BtfInfo()
    _get_info(num, info)
    name = ctypes.create_string_buffer(max(1, info.name_len + 1))
    info.name, info.name_len = ctypes.addressof(name), len(name)
    data = ctypes.create_string_buffer(max(1, info.btf_size)) if with_data else None
    if data is not None:
        info.btf = ctypes.addressof(data)
    else:
        info.btf_size = 0
    _get_info(num, info)
    return BtfInfoRecord(info.id, name.value.decode(errors="replace"), info.btf_size,
                         bool(info.kernel_btf), data.raw[: info.btf_size] if data is not None else b"")


@record
class LinkInfoRecord:
    """``struct bpf_link_info``: the link's type, id and program id."""

    type: LinkType
    id: int
    prog_id: int
    raw: bytes  # the per-type union, undecoded


def link_info(fd: int | OwnedFd) -> LinkInfoRecord:
    from bpfdoctor.kernel.enums import LinkType

    info = LinkInfo()
    _get_info(_fdnum(fd), info)
    return LinkInfoRecord(LinkType(info.type), info.id, info.prog_id, bytes(info.union))
