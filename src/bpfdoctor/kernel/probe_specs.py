"""What each probe needs the kernel to accept it: per program type load
options and per map type shapes (the rules of kernel/bpf/syscall.c
``bpf_prog_load_check_attach`` and each map's ``map_alloc_check``)."""

from __future__ import annotations

import ctypes
import errno as E
import struct

from bpfdoctor.kernel import syscall
from bpfdoctor.kernel.attrs import BtfLoadAttr, MapCreateAttr, used_size
from bpfdoctor.kernel.enums import AttachType, BpfCmd, MapType, ProgType
from bpfdoctor.record import record

ENOTSUPP = 524  # kernel-internal errno, leaks to user space from struct_ops
BPF_F_NO_PREALLOC, BPF_F_SLEEPABLE = 0x1, 0x10

# Types whose programs need an attach target (a BTF id) even to be verified:
# helper probes cannot be run without one (libbpf skips them too).
HELPER_SKIP = frozenset({ProgType.TRACING, ProgType.EXT, ProgType.LSM, ProgType.STRUCT_OPS})


def prog_load_opts(pt: ProgType, kern_version: int) -> dict[str, int]:
    """Extra PROG_LOAD fields a minimal program of type ``pt`` needs."""
    if pt == ProgType.KPROBE:
        return {"kern_version": kern_version}  # checked before 5.0
    if pt == ProgType.CGROUP_SOCK_ADDR:
        return {"expected_attach_type": AttachType.CGROUP_INET4_CONNECT}
    if pt == ProgType.CGROUP_SOCKOPT:
        return {"expected_attach_type": AttachType.CGROUP_GETSOCKOPT}
    if pt == ProgType.SK_LOOKUP:
        return {"expected_attach_type": AttachType.SK_LOOKUP}
    if pt == ProgType.SYSCALL:
        return {"prog_flags": BPF_F_SLEEPABLE}  # "Syscall programs can only be sleepable"
    if pt == ProgType.TRACING:
        # id 1 is never a function: a kernel that knows the type says so in the log
        return {"expected_attach_type": AttachType.TRACE_FENTRY, "attach_btf_id": 1}
    if pt == ProgType.LSM:
        return {"expected_attach_type": AttachType.LSM_MAC, "attach_btf_id": 1}
    if pt in (ProgType.EXT, ProgType.STRUCT_OPS):
        return {"attach_btf_id": 1}
    return {}


@record
class MapProbeSpec:
    """The attributes of a minimal map of one type, for its probe; ``needs_btf``
    (local storage: typed key and value) and ``inner_map`` (maps of maps) say
    what else the create needs."""

    key_size: int = 4
    value_size: int = 4
    max_entries: int = 1
    flags: int = 0
    needs_btf: bool = False
    inner_map: bool = False
    vmlinux_value_type_id: int = 0
    known_errno: int = 0  # an errno that still proves the type is known


_PAGE = 4096
MAP_PROBE_SPECS: dict[MapType, MapProbeSpec] = {
    MapType.STACK_TRACE: MapProbeSpec(value_size=8),
    MapType.LPM_TRIE: MapProbeSpec(key_size=8, value_size=8, flags=BPF_F_NO_PREALLOC),
    MapType.CGROUP_STORAGE: MapProbeSpec(key_size=16, value_size=8, max_entries=0),
    MapType.PERCPU_CGROUP_STORAGE: MapProbeSpec(key_size=16, value_size=8, max_entries=0),
    MapType.QUEUE: MapProbeSpec(key_size=0),
    MapType.STACK: MapProbeSpec(key_size=0),
    MapType.BLOOM_FILTER: MapProbeSpec(key_size=0),
    MapType.RINGBUF: MapProbeSpec(key_size=0, value_size=0, max_entries=_PAGE),
    MapType.USER_RINGBUF: MapProbeSpec(key_size=0, value_size=0, max_entries=_PAGE),
    MapType.SK_STORAGE: MapProbeSpec(max_entries=0, flags=BPF_F_NO_PREALLOC, needs_btf=True),
    MapType.INODE_STORAGE: MapProbeSpec(max_entries=0, flags=BPF_F_NO_PREALLOC, needs_btf=True),
    MapType.TASK_STORAGE: MapProbeSpec(max_entries=0, flags=BPF_F_NO_PREALLOC, needs_btf=True),
    MapType.ARRAY_OF_MAPS: MapProbeSpec(inner_map=True),
    MapType.HASH_OF_MAPS: MapProbeSpec(inner_map=True),
    MapType.REUSEPORT_SOCKARRAY: MapProbeSpec(value_size=8),
    # bpf_struct_ops_map_alloc: an unknown vmlinux value type id gives ENOTSUPP,
    # which only a kernel that has struct_ops maps can say.
    MapType.STRUCT_OPS: MapProbeSpec(vmlinux_value_type_id=1, known_errno=ENOTSUPP),
}


def storage_btf() -> bytes:
    """Raw BTF for local-storage probes: [1] int, [2] struct val { int cnt; }.

    Layout: include/uapi/linux/btf.h (header, then types, then strings)."""
    strings = b"\0int\0val\0cnt\0"
    types = struct.pack("<III", 1, 1 << 24, 4) + struct.pack("<I", (1 << 24) | 32)  # INT, signed, 32 bits
    types += struct.pack("<III", 5, (4 << 24) | 1, 4) + struct.pack("<III", 9, 1, 0)  # STRUCT val {cnt}
    header = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types), len(strings))
    return header + types + strings


def _raw_fd(cmd: BpfCmd, attr, size: int) -> tuple[int, int]:
    return syscall.invoke(int(cmd), ctypes.addressof(attr), size)


def _load_storage_btf() -> tuple[int, int]:
    data = storage_btf()
    blob = ctypes.create_string_buffer(data, len(data))
    attr = BtfLoadAttr(btf=ctypes.addressof(blob), btf_size=len(data))
    return _raw_fd(BpfCmd.BTF_LOAD, attr, used_size(attr))


def create_probe_map(mt: MapType) -> tuple[bool, int]:
    """Create and close a minimal map of type ``mt``: (created, errno)."""
    spec = MAP_PROBE_SPECS.get(mt, MapProbeSpec())
    owned: list[int] = []
    try:
        attr = MapCreateAttr(map_type=int(mt), key_size=spec.key_size, value_size=spec.value_size,
                             max_entries=spec.max_entries, map_flags=spec.flags,
                             btf_vmlinux_value_type_id=spec.vmlinux_value_type_id)
        if spec.needs_btf:
            btf_fd, err = _load_storage_btf()
            if btf_fd < 0:
                # EPERM here is privilege, not a missing map type: pass it on
                return False, err if err == E.EPERM else E.EINVAL
            owned.append(btf_fd)
            attr.btf_fd, attr.btf_key_type_id, attr.btf_value_type_id = btf_fd, 1, 2
        if spec.inner_map:
            inner = MapCreateAttr(map_type=int(MapType.ARRAY), key_size=4, value_size=4, max_entries=1)
            inner_fd, err = _raw_fd(BpfCmd.MAP_CREATE, inner, used_size(inner))
            if inner_fd < 0:
                return False, err
            owned.append(inner_fd)
            attr.inner_map_fd = inner_fd
        fd, err = _raw_fd(BpfCmd.MAP_CREATE, attr, used_size(attr))
        if fd >= 0:
            owned.append(fd)
        return fd >= 0, err
    finally:
        for fd in owned:
            syscall.close_fd(fd)


__all__ = ["HELPER_SKIP", "MAP_PROBE_SPECS", "MapProbeSpec", "create_probe_map", "prog_load_opts",
           "storage_btf", "MapCreateAttr"]
