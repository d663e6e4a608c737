"""BPF maps: create, update, lookup, delete, iterate keys, freeze."""

from __future__ import annotations

import ctypes
import errno as E
from collections.abc import Iterator

from bpfdoctor.errors import SyscallError
from bpfdoctor.kernel import syscall
from bpfdoctor.kernel.attrs import MapCreateAttr, MapElemAttr, MapFdAttr, used_size
from bpfdoctor.kernel.enums import BpfCmd, MapType
from bpfdoctor.kernel.fd import OwnedFd

# map_update_elem flags (include/uapi/linux/bpf.h)
BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK = 0, 1, 2, 4
# map_flags
BPF_F_NO_PREALLOC, BPF_F_NUMA_NODE, BPF_F_RDONLY_PROG, BPF_F_MMAPABLE = 0x1, 0x4, 0x80, 0x400
BPF_F_INNER_MAP = 0x1000

_PERCPU = {MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_PERCPU_HASH,
           MapType.PERCPU_CGROUP_STORAGE}


def _name_bytes(name: str) -> bytes:
    # The kernel accepts ASCII [A-Za-z0-9_.] only and 15 chars + NUL
    # (kernel/bpf/syscall.c: bpf_obj_name_cpy); we cut rather than fail.
    # (str.isalnum() alone let letters like "é" through: EINVAL from the
    # kernel, or more than the 16 bytes the field holds: ValueError.)
    return "".join(c for c in name if c.isascii() and (c.isalnum() or c in "_."))[:15].encode("ascii")


class Map(OwnedFd):
    """An owned map descriptor with its shape."""

    __slots__ = ("map_type", "key_size", "value_size", "max_entries", "name")
    kind = "map"

    def __init__(self, fd: int, map_type: int, key_size: int, value_size: int,
                 max_entries: int, name: str = "") -> None:
        super().__init__(fd)
        self.map_type = MapType(map_type)
        self.key_size, self.value_size, self.max_entries, self.name = key_size, value_size, max_entries, name

    @property
    def value_buffer_size(self) -> int:
        """Bytes user space exchanges per value: per-CPU maps carry one 8-aligned
        slot per possible CPU (kernel/bpf/syscall.c: bpf_map_value_size)."""
        if self.map_type in _PERCPU:
            from bpfdoctor.host.cpus import possible_cpus

            return ((self.value_size + 7) & ~7) * possible_cpus()
        return self.value_size

    def _elem(self, cmd: BpfCmd, key: bytes | None, value, flags: int = 0) -> None:
        kbuf = ctypes.create_string_buffer(key, len(key)) if key is not None else None
        attr = MapElemAttr(map_fd=self.fd, flags=flags)
        attr.key = ctypes.addressof(kbuf) if kbuf is not None else 0
        attr.value = ctypes.addressof(value) if value is not None else 0
        syscall.bpf(cmd, attr, used_size(attr))

    def _check_key(self, key: bytes) -> bytes:
        if len(key) != self.key_size:
            raise ValueError(f"key is {len(key)} bytes, map {self.name!r} wants {self.key_size}")
        return key

    def update(self, key: bytes, value: bytes, flags: int = BPF_ANY) -> None:
        if len(value) != self.value_buffer_size:
            raise ValueError(f"value is {len(value)} bytes, map wants {self.value_buffer_size}")
        vbuf = ctypes.create_string_buffer(value, len(value))
        self._elem(BpfCmd.MAP_UPDATE_ELEM, self._check_key(key), vbuf, flags)

    def lookup(self, key: bytes, flags: int = 0) -> bytes | None:
        """The value, or None when the key is absent (ENOENT)."""
        vbuf = ctypes.create_string_buffer(max(1, self.value_buffer_size))
        try:
            self._elem(BpfCmd.MAP_LOOKUP_ELEM, self._check_key(key), vbuf, flags)
        except SyscallError as e:
            if e.errno == E.ENOENT:
                return None
            raise
        return vbuf.raw[: self.value_buffer_size]

    def delete(self, key: bytes) -> bool:
        """True if the key was there."""
        try:
            self._elem(BpfCmd.MAP_DELETE_ELEM, self._check_key(key), None)
        except SyscallError as e:
            if e.errno == E.ENOENT:
                return False
            raise
        return True

    def next_key(self, key: bytes | None) -> bytes | None:
        """The key after ``key`` (the first key for None); None at the end."""
        nbuf = ctypes.create_string_buffer(max(1, self.key_size))
        try:
            self._elem(BpfCmd.MAP_GET_NEXT_KEY, None if key is None else self._check_key(key), nbuf)
        except SyscallError as e:
            if e.errno == E.ENOENT:
                return None
            raise
        return nbuf.raw[: self.key_size]

    def keys(self) -> Iterator[bytes]:
        key = self.next_key(None)
        while key is not None:
            yield key
            key = self.next_key(key)

    def freeze(self) -> None:
        """Make the map read-only for user space (MAP_FREEZE, 5.2+)."""
        syscall.bpf(BpfCmd.MAP_FREEZE, MapFdAttr(map_fd=self.fd))


def create_map(map_type: int, key_size: int, value_size: int, max_entries: int, *,
               flags: int = 0, name: str = "", inner_map_fd: int = 0, numa_node: int | None = None,
               btf_fd: int = 0, btf_key_type_id: int = 0, btf_value_type_id: int = 0,
               btf_vmlinux_value_type_id: int = 0, map_extra: int = 0, ifindex: int = 0) -> Map:
    """BPF_MAP_CREATE.  Raises ``SyscallError`` with the kernel's errno."""
    attr = map_create_attr(map_type, key_size, value_size, max_entries, flags=flags, name=name,
                           inner_map_fd=inner_map_fd, numa_node=numa_node, btf_fd=btf_fd,
                           btf_key_type_id=btf_key_type_id, btf_value_type_id=btf_value_type_id,
                           btf_vmlinux_value_type_id=btf_vmlinux_value_type_id, map_extra=map_extra,
                           ifindex=ifindex)
    fd = syscall.bpf(BpfCmd.MAP_CREATE, attr, used_size(attr))
    return Map(fd, map_type, key_size, value_size, max_entries, name)


def map_create_attr(map_type: int, key_size: int, value_size: int, max_entries: int, *,
                    flags: int = 0, name: str = "", inner_map_fd: int = 0, numa_node: int | None = None,
                    btf_fd: int = 0, btf_key_type_id: int = 0, btf_value_type_id: int = 0,
                    btf_vmlinux_value_type_id: int = 0, map_extra: int = 0, ifindex: int = 0) -> MapCreateAttr:
    """The BPF_MAP_CREATE attributes for these arguments (no system call)."""
    attr = MapCreateAttr(map_type=int(map_type), key_size=key_size, value_size=value_size,
                         max_entries=max_entries, map_flags=flags, inner_map_fd=inner_map_fd,
                         map_name=_name_bytes(name), map_ifindex=ifindex, btf_fd=btf_fd,
                         btf_key_type_id=btf_key_type_id, btf_value_type_id=btf_value_type_id,
                         btf_vmlinux_value_type_id=btf_vmlinux_value_type_id, map_extra=map_extra)
    if numa_node is not None:
        attr.numa_node = numa_node
        attr.map_flags |= BPF_F_NUMA_NODE
    return attr
