"""Why did BPF_MAP_CREATE say EINVAL?  The per-type rules the kernel enforces.

Each map type checks its attributes before allocating anything
(``map_alloc_check``/``*_map_alloc`` in kernel/bpf/*.c, v6.x); an attribute
outside the rules is a bare EINVAL.  ``map_create_problems`` re-checks a
map's shape against those rules and names the field, the value given and
the value to use.  Pure: a function of the attributes, shared by ``load``
(why MAP_CREATE failed) and ``compat`` (which maps a kernel would refuse).
Map types are plain numbers (``enum bpf_map_type``), named as in
``elf.object.MAP_TYPE_NAMES``.
"""

from __future__ import annotations

from bpfdoctor.record import record

from bpfdoctor.elf.object import MAP_TYPE_NAMES, map_type_name
from bpfdoctor.findings import Finding, Severity

PAGE_SIZE = 4096
BPF_F_NO_PREALLOC, BPF_F_NO_COMMON_LRU, BPF_F_NUMA_NODE = 0x1, 0x2, 0x4
BPF_F_RDONLY, BPF_F_WRONLY, BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG = 0x8, 0x10, 0x80, 0x100
BPF_F_MMAPABLE, BPF_F_INNER_MAP = 0x400, 0x1000

(HASH, ARRAY, PROG_ARRAY, PERF_EVENT_ARRAY, PERCPU_HASH, PERCPU_ARRAY, STACK_TRACE, CGROUP_ARRAY, LRU_HASH,
 LRU_PERCPU_HASH, LPM_TRIE, ARRAY_OF_MAPS, HASH_OF_MAPS, DEVMAP, SOCKMAP, CPUMAP, XSKMAP, SOCKHASH) = range(1, 19)
QUEUE, STACK, SK_STORAGE, DEVMAP_HASH = 22, 23, 24, 25
RINGBUF, INODE_STORAGE, TASK_STORAGE, BLOOM_FILTER, USER_RINGBUF, CGRP_STORAGE = range(27, 33)
assert MAP_TYPE_NAMES[SOCKHASH] == "sockhash" and MAP_TYPE_NAMES[CGRP_STORAGE] == "cgrp_storage"
_LOCAL_STORAGE = {SK_STORAGE, INODE_STORAGE, TASK_STORAGE, CGRP_STORAGE}
_HASHES = {HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, HASH_OF_MAPS}
_ARRAYS = {ARRAY, PERCPU_ARRAY, PROG_ARRAY, PERF_EVENT_ARRAY, CGROUP_ARRAY, ARRAY_OF_MAPS}


@record
class MapShape:
    """A map's attributes as BPF_MAP_CREATE gets them, which the per-type rules
    check; ``map_type`` is the ``enum bpf_map_type`` number."""

    name: str
    map_type: int
    key_size: int
    value_size: int
    max_entries: int
    flags: int = 0
    map_extra: int = 0
    btf_key_type_id: int = 0
    btf_value_type_id: int = 0


def _pow2(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def _rules(m: MapShape) -> list[tuple[str, str, str]]:
    """(field, problem, what to use) for every rule ``m`` breaks, with the kernel function."""
    t, k, v, n, f = m.map_type, m.key_size, m.value_size, m.max_entries, m.flags
    out: list[tuple[str, str, str]] = []

    def need(cond: bool, field: str, problem: str, use: str) -> None:
        if not cond:
            out.append((field, problem, use))

    if f & BPF_F_RDONLY and f & BPF_F_WRONLY or f & BPF_F_RDONLY_PROG and f & BPF_F_WRONLY_PROG:
        out.append(("map_flags", "both read-only and write-only flags are set (bpf_map_flags_access_ok)",
                    "at most one of BPF_F_RDONLY/BPF_F_WRONLY and of BPF_F_RDONLY_PROG/BPF_F_WRONLY_PROG"))
    if t in _ARRAYS:  # kernel/bpf/arraymap.c: array_map_alloc_check (+ fd_array_map_alloc_check)
        need(n > 0, "max_entries", "is 0", "max_entries >= 1")
        need(k == 4, "key_size", f"is {k}: array keys are a u32 index", "key_size = 4 (__type(key, __u32))")
        if t in (PROG_ARRAY, PERF_EVENT_ARRAY, CGROUP_ARRAY, ARRAY_OF_MAPS):
            need(v == 4, "value_size", f"is {v}: this map holds file descriptors (fd_array_map_alloc_check)",
                 "value_size = 4 (__type(value, __u32)), or leave it out in a BTF definition")
        else:
            need(v > 0, "value_size", "is 0", "the size of the value type (value_size >= 1)")
        if t != ARRAY:
            need(not f & (BPF_F_MMAPABLE | BPF_F_INNER_MAP), "map_flags",
                 "has BPF_F_MMAPABLE/BPF_F_INNER_MAP, which only BPF_MAP_TYPE_ARRAY takes", "drop those flags")
        if t == PERCPU_ARRAY:
            need(not f & BPF_F_NUMA_NODE, "map_flags", "BPF_F_NUMA_NODE on a per-CPU map", "drop BPF_F_NUMA_NODE")
    elif t in _HASHES:  # kernel/bpf/hashtab.c: htab_map_alloc_check
        lru = t in (LRU_HASH, LRU_PERCPU_HASH)
        need(n > 0, "max_entries", "is 0", "max_entries >= 1")
        need(k > 0, "key_size", "is 0", "the size of the key type (key_size >= 1)")
        need(v > 0, "value_size", "is 0", "the size of the value type (value_size >= 1)")
        need(lru or not f & BPF_F_NO_COMMON_LRU, "map_flags", "BPF_F_NO_COMMON_LRU on a map that is not LRU",
             "drop BPF_F_NO_COMMON_LRU")
        need(not (lru and f & BPF_F_NO_PREALLOC), "map_flags",
             "BPF_F_NO_PREALLOC on an LRU map (ENOTSUPP: LRU maps always preallocate)", "drop BPF_F_NO_PREALLOC")
        if t == HASH_OF_MAPS:
            need(v == 4, "value_size", f"is {v}: this map holds map fds", "value_size = 4")
    elif t == LPM_TRIE:  # kernel/bpf/lpm_trie.c: trie_alloc
        need(n > 0, "max_entries", "is 0", "max_entries >= 1")
        need(bool(f & BPF_F_NO_PREALLOC), "map_flags", "lacks BPF_F_NO_PREALLOC: LPM tries are never "
             "preallocated", "__uint(map_flags, BPF_F_NO_PREALLOC)")
        need(5 <= k <= 4 + 256, "key_size", f"is {k}: a struct bpf_lpm_trie_key (u32 prefixlen) "
             "followed by 1 to 256 data bytes", "key_size between 5 and 260 (8 for an IPv4 prefix, 20 for IPv6)")
        need(1 <= v <= (1 << 16) - 1 - (4 + 256) - 40, "value_size", f"is {v}", "value_size >= 1")
    elif t == RINGBUF or t == USER_RINGBUF:  # kernel/bpf/ringbuf.c: ringbuf_map_alloc
        need(k == 0, "key_size", f"is {k}: ring buffers have no key", "leave key out (key_size = 0)")
        need(v == 0, "value_size", f"is {v}: ring buffers have no value", "leave value out (value_size = 0)")
        pages = max(1, -(-n // PAGE_SIZE))
        size = PAGE_SIZE << max(0, (pages - 1).bit_length())
        need(_pow2(n) and n % PAGE_SIZE == 0, "max_entries",
             f"is {n}: the buffer size must be a power-of-two multiple of the page size ({PAGE_SIZE})",
             f"max_entries = {size} (e.g. 256 * 1024)")
    elif t in _LOCAL_STORAGE:  # kernel/bpf/bpf_local_storage.c: bpf_local_storage_map_alloc_check
        need(bool(f & BPF_F_NO_PREALLOC), "map_flags", "lacks BPF_F_NO_PREALLOC: local storage is allocated "
             "per object", "__uint(map_flags, BPF_F_NO_PREALLOC)")
        need(n == 0, "max_entries", f"is {n}: local storage has no max_entries", "leave max_entries out (0)")
        need(k == 4, "key_size", f"is {k}: the key is the owner's fd", "__type(key, int)")
        need(v > 0, "value_size", "is 0", "the size of the value type")
        need(bool(m.btf_key_type_id and m.btf_value_type_id), "btf", "local storage needs BTF key and value "
             "types", "define the map with __type(key, int) and __type(value, ...) in SEC(\".maps\")")
    elif t in (QUEUE, STACK):  # kernel/bpf/queue_stack_maps.c: queue_stack_map_alloc_check
        need(n > 0, "max_entries", "is 0", "max_entries >= 1")
        need(k == 0, "key_size", f"is {k}: queues and stacks have no key", "leave key out (key_size = 0)")
        need(v > 0, "value_size", "is 0", "the size of the value type")
    elif t == BLOOM_FILTER:  # kernel/bpf/bloom_filter.c: bloom_map_alloc_check
        need(k == 0, "key_size", f"is {k}: a bloom filter has no key", "leave key out (key_size = 0)")
        need(v > 0, "value_size", "is 0", "the size of the value type")
        need(n > 0, "max_entries", "is 0", "max_entries >= 1")
        need(not m.map_extra & ~0xF, "map_extra", f"is {m.map_extra}: only the number of hash functions "
             "(0-15) goes there", "map_extra <= 15")
    elif t == STACK_TRACE:  # kernel/bpf/stackmap.c: stack_map_alloc
        need(n > 0, "max_entries", "is 0", "max_entries >= 1")
        need(k == 4, "key_size", f"is {k}: the key is a u32 stack id", "key_size = 4")
        need(v >= 8 and v % 8 == 0, "value_size", f"is {v}: an array of u64 addresses",
             "value_size = 8 * depth (e.g. 127 * 8)")
    elif t in (DEVMAP, DEVMAP_HASH, CPUMAP, SOCKMAP, SOCKHASH):
        # devmap.c dev_map_alloc_check, cpumap.c cpu_map_alloc, sock_map.c sock_map_alloc
        need(n > 0, "max_entries", "is 0", "max_entries >= 1")
        if t != SOCKHASH:
            need(k == 4, "key_size", f"is {k}", "key_size = 4")
        need(v in (4, 8), "value_size", f"is {v}: an fd or ifindex, optionally with a program fd",
             "value_size = 4 (or 8 with a program fd)")
    elif t == XSKMAP:  # kernel/bpf/xskmap.c: xsk_map_alloc
        need(n > 0, "max_entries", "is 0", "max_entries >= 1")
        need(k == 4 and v == 4, "key_size/value_size", f"are {k}/{v}", "key_size = 4, value_size = 4")
    return out


def map_create_problems(m: MapShape) -> list[Finding]:
    """Findings for each rule the map breaks; [] when its shape looks valid (the
    EINVAL then comes from elsewhere: BTF types, flags this kernel lacks)."""
    out = []
    for field, problem, use in _rules(m):
        out.append(Finding(
            "map-create-einval", Severity.FAIL,
            f"map {m.name!r} ({_type_label(m.map_type)}): {field} {problem}", "maps",
            {"map": m.name, "type": _type_label(m.map_type), "field": field, "key_size": m.key_size,
             "value_size": m.value_size, "max_entries": m.max_entries, "map_flags": m.flags},
            use, "kernel/bpf/syscall.c: map_create -> the type's map_alloc_check"))
    return out


def _type_label(t: int) -> str:
    return map_type_name(t)


def ringbuf_size(size: int, page: int = PAGE_SIZE) -> int:
    """libbpf.c adjust_ringbuf_sz (v0.8+): the size libbpf gives a ring buffer,
    the smallest power-of-2 multiple of the page size that holds ``size``.
    0 stays 0 ("if user forgot to set any size, make sure they see error"),
    and so does a size whose rounding would not fit max_entries (u32)."""
    if size <= 0:
        return size
    mul = 1
    while mul * page < size:
        mul <<= 1
    return mul * page if mul * page < 1 << 32 else size


def map_rule_source(t: int | None) -> str:
    """The kernel function whose rules ``_rules`` copies for map type ``t``."""
    if t in _ARRAYS:
        return "kernel/bpf/arraymap.c array_map_alloc_check"
    if t in _HASHES:
        return "kernel/bpf/hashtab.c htab_map_alloc_check"
    if t in _LOCAL_STORAGE:
        return "kernel/bpf/bpf_local_storage.c bpf_local_storage_map_alloc_check"
    return _SOURCES.get(t, "kernel/bpf/syscall.c map_create")


_SOURCES = {
    LPM_TRIE: "kernel/bpf/lpm_trie.c trie_alloc", RINGBUF: "kernel/bpf/ringbuf.c ringbuf_map_alloc",
    USER_RINGBUF: "kernel/bpf/ringbuf.c ringbuf_map_alloc",
    QUEUE: "kernel/bpf/queue_stack_maps.c queue_stack_map_alloc_check",
    STACK: "kernel/bpf/queue_stack_maps.c queue_stack_map_alloc_check",
    BLOOM_FILTER: "kernel/bpf/bloom_filter.c bloom_map_alloc_check", STACK_TRACE: "kernel/bpf/stackmap.c stack_map_alloc",
    DEVMAP: "kernel/bpf/devmap.c dev_map_alloc_check", DEVMAP_HASH: "kernel/bpf/devmap.c dev_map_alloc_check",
    CPUMAP: "kernel/bpf/cpumap.c cpu_map_alloc", SOCKMAP: "net/core/sock_map.c sock_map_alloc",
    SOCKHASH: "net/core/sock_map.c sock_hash_alloc", XSKMAP: "net/xdp/xskmap.c xsk_map_alloc",
}
