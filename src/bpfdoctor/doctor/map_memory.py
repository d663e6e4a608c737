"""How much memory a map charges: the kernel's own per-type formulas.

Before Linux 5.11 every map was charged, in whole pages, to the creating
user's ``RLIMIT_MEMLOCK`` (kernel/bpf/syscall.c: ``bpf_map_charge_init`` ->
``bpf_charge_memlock``: pages = round_up(cost, PAGE_SIZE) >> PAGE_SHIFT, and
the user's ``locked_vm`` may not pass the limit, else EPERM).  The ``cost``
each type computes is copied below from its ``*_map_alloc`` in v5.10; struct
sizes are those of x86_64 v5.10 builds.  Since 5.11 the same allocations are
charged to the memory cgroup instead, so the figures stay a good estimate.

Pure code: a function of the map's shape and the number of possible CPUs.
"""

from __future__ import annotations


from bpfdoctor.kernel.enums import MapType
from bpfdoctor.record import record

PAGE_SIZE = 4096
PTR = 8
# x86_64 v5.10 struct sizes (pahole); every map struct starts with a cache-aligned struct bpf_map.
SIZEOF = {
    "bpf_array": 320, "bpf_htab": 512, "htab_elem": 48, "bucket": 16, "lpm_trie": 320,
    "lpm_trie_node": 40, "bpf_stack_map": 320, "stack_map_bucket": 16, "bpf_queue_stack": 320,
    "bpf_ringbuf_map": 264, "bpf_ringbuf": 4096 * 2 + 64, "bpf_dtab": 320, "bpf_cpu_map": 320,
    "xsk_map": 320, "bpf_stab": 320, "bpf_shtab": 320, "bpf_shtab_elem": 48,
    "reuseport_array": 320, "bpf_cgroup_storage_map": 384, "bpf_local_storage_map": 320,
    "bpf_bloom_filter": 320, "bpf_struct_ops_map": 4096,
}
BPF_F_NO_PREALLOC, BPF_F_NO_COMMON_LRU, BPF_F_MMAPABLE = 0x1, 0x2, 0x400


@record
class MapMemory:
    """What one map charges, by its type's formula in the kernel; ``note``
    qualifies the figure (charged per use, max_entries not set) or is empty."""

    name: str
    type: MapType
    cost: int  # bytes the kernel computes
    charged: int  # bytes charged against RLIMIT_MEMLOCK: whole pages
    formula: str  # the kernel function the figure follows
    note: str = ""


def _round8(n: int) -> int:
    return (n + 7) & ~7


def _pow2(n: int) -> int:
    return 1 if n <= 1 else 1 << (n - 1).bit_length()


def _page_align(n: int) -> int:
    return (n + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


def _array(t, k, v, n, flags, cpus):
    # kernel/bpf/arraymap.c: array_map_alloc (fd arrays store 4-byte fds the same way)
    elem = _round8(v)
    percpu = t == MapType.PERCPU_ARRAY
    if flags & BPF_F_MMAPABLE:
        cost = _page_align(SIZEOF["bpf_array"]) + _page_align(n * elem)
    else:
        cost = SIZEOF["bpf_array"] + n * (PTR if percpu else elem)
    if percpu:
        cost += n * elem * cpus
    return cost, "kernel/bpf/arraymap.c: array_map_alloc"


def _hash(t, k, v, n, flags, cpus):
    # kernel/bpf/hashtab.c: htab_map_alloc
    percpu = t in (MapType.PERCPU_HASH, MapType.LRU_PERCPU_HASH)
    if t in (MapType.LRU_HASH, MapType.LRU_PERCPU_HASH) and flags & BPF_F_NO_COMMON_LRU:
        n = -(-n // cpus) * cpus  # each CPU's LRU list gets the same share
    buckets = _pow2(n)
    elem = SIZEOF["htab_elem"] + _round8(k) + (PTR if percpu else _round8(v))
    full = buckets * SIZEOF["bucket"] + elem * n
    full += _round8(v) * cpus * n if percpu else elem * cpus  # per-CPU values / extra_elems
    lru = t in (MapType.LRU_HASH, MapType.LRU_PERCPU_HASH)
    if flags & BPF_F_NO_PREALLOC and not lru:
        # htab_map_alloc preallocates elements only without BPF_F_NO_PREALLOC
        # (LRU maps always do: htab_map_alloc_check refuses the flag for them);
        # otherwise alloc_htab_elem allocates, and charges, each element as it
        # is inserted.  Kernels before 5.11 still charged `full` to
        # RLIMIT_MEMLOCK up front (v5.10 htab_map_alloc computes it either way).
        cost = buckets * SIZEOF["bucket"]
        return cost, "kernel/bpf/hashtab.c: htab_map_alloc (no prealloc)", \
            f"elements charged on insert: up to {full - cost} bytes more when full (before 5.11: all at creation)"
    return full, "kernel/bpf/hashtab.c: htab_map_alloc"


def _lpm(t, k, v, n, flags, cpus):
    # kernel/bpf/lpm_trie.c: trie_alloc (data_size = key_size - sizeof(prefixlen))
    return (SIZEOF["lpm_trie"] + n * (SIZEOF["lpm_trie_node"] + (k - 4) + v),
            "kernel/bpf/lpm_trie.c: trie_alloc")


def _stack_trace(t, k, v, n, flags, cpus):
    # kernel/bpf/stackmap.c: stack_map_alloc
    buckets = _pow2(n)
    cost = buckets * PTR + SIZEOF["bpf_stack_map"] + buckets * (SIZEOF["stack_map_bucket"] + v)
    return cost, "kernel/bpf/stackmap.c: stack_map_alloc"


def _queue(t, k, v, n, flags, cpus):
    # kernel/bpf/queue_stack_maps.c: queue_stack_map_alloc (one slot more than asked)
    return SIZEOF["bpf_queue_stack"] + (n + 1) * v, "kernel/bpf/queue_stack_maps.c: queue_stack_map_alloc"


def _ringbuf(t, k, v, n, flags, cpus):
    # kernel/bpf/ringbuf.c: ringbuf_map_alloc (data pages plus the two position pages)
    return (SIZEOF["bpf_ringbuf_map"] + SIZEOF["bpf_ringbuf"] + n,
            "kernel/bpf/ringbuf.c: ringbuf_map_alloc")


def _ptr_array(struct):
    def f(t, k, v, n, flags, cpus):
        # kernel/bpf/devmap.c: dev_map_init_map, cpumap.c: cpu_map_alloc,
        # xskmap.c: xsk_map_alloc, net/core/sock_map.c: sock_map_alloc,
        # reuseport_array.c: reuseport_array_alloc: a header and one pointer per entry
        return SIZEOF[struct] + n * PTR, f"{struct}: one pointer per entry"
    return f


def _hash_of_ptrs(struct, elem):
    def f(t, k, v, n, flags, cpus):
        # kernel/bpf/devmap.c (DEVMAP_HASH), net/core/sock_map.c: sock_hash_alloc
        buckets = _pow2(n)
        return SIZEOF[struct] + buckets * SIZEOF["bucket"] + n * (SIZEOF[elem] + _round8(k)), \
            f"{struct}: buckets plus one element per entry"
    return f


def _bloom(t, k, v, n, flags, cpus):
    # kernel/bpf/bloom_filter.c: bloom_map_alloc (5.16+, always memcg-charged):
    # n * nr_hashes (default 5) / ln 2 bits, rounded to a power of two
    bits = _pow2(max(n * 5 * 100 // 69, 32))
    return SIZEOF["bpf_bloom_filter"] + bits // 8, "kernel/bpf/bloom_filter.c: bloom_map_alloc"


_FORMULAS = {
    MapType.ARRAY: _array, MapType.PERCPU_ARRAY: _array, MapType.PROG_ARRAY: _array,
    MapType.PERF_EVENT_ARRAY: _array, MapType.CGROUP_ARRAY: _array, MapType.ARRAY_OF_MAPS: _array,
    MapType.HASH: _hash, MapType.PERCPU_HASH: _hash, MapType.LRU_HASH: _hash,
    MapType.LRU_PERCPU_HASH: _hash, MapType.HASH_OF_MAPS: _hash,
    MapType.LPM_TRIE: _lpm, MapType.STACK_TRACE: _stack_trace,
    MapType.QUEUE: _queue, MapType.STACK: _queue, MapType.RINGBUF: _ringbuf,
    MapType.USER_RINGBUF: _ringbuf,
    MapType.DEVMAP: _ptr_array("bpf_dtab"), MapType.CPUMAP: _ptr_array("bpf_cpu_map"),
    MapType.XSKMAP: _ptr_array("xsk_map"), MapType.SOCKMAP: _ptr_array("bpf_stab"),
    MapType.REUSEPORT_SOCKARRAY: _ptr_array("reuseport_array"),
    MapType.DEVMAP_HASH: _hash_of_ptrs("bpf_dtab", "bpf_shtab_elem"),
    MapType.SOCKHASH: _hash_of_ptrs("bpf_shtab", "bpf_shtab_elem"),
    MapType.BLOOM_FILTER: _bloom,
}
# Maps whose memory is allocated per object as it is used, not at creation.
_ON_USE = {
    MapType.CGROUP_STORAGE: ("bpf_cgroup_storage_map", "charged per attached cgroup"),
    MapType.PERCPU_CGROUP_STORAGE: ("bpf_cgroup_storage_map", "charged per attached cgroup"),
    MapType.SK_STORAGE: ("bpf_local_storage_map", "charged per socket as values are stored"),
    MapType.INODE_STORAGE: ("bpf_local_storage_map", "charged per inode as values are stored"),
    MapType.TASK_STORAGE: ("bpf_local_storage_map", "charged per task as values are stored"),
    MapType.STRUCT_OPS: ("bpf_struct_ops_map", "one page of trampolines"),
}


def map_memory(name: str, map_type: int, key_size: int, value_size: int, max_entries: int,
               flags: int = 0, cpus: int = 1) -> MapMemory:
    """The memory one map charges when created (see the module docstring)."""
    t = MapType(map_type)
    if t in _FORMULAS:
        cost, formula, *rest = _FORMULAS[t](t, key_size, value_size, max_entries, flags, cpus)
        note = rest[0] if rest else ""
    elif t in _ON_USE:
        struct, note = _ON_USE[t]
        cost, formula = SIZEOF[struct], f"{struct}: map header only"
    else:
        cost, formula, note = 0, "unknown", f"no formula for map type {t._name_.lower()}"
    return MapMemory(name, t, cost, _page_align(cost), formula, note)


def maps_memory(specs, cpus: int) -> list[MapMemory]:
    """For records with ``name, type, key_size, value_size, max_entries, flags``
    (``bpfdoctor.elf`` ``MapSpec``)."""
    out = []
    for s in specs:
        sizes = (s.key_size, s.value_size, s.max_entries)
        m = map_memory(s.name, int(s.type or 0), *(v or 0 for v in sizes), getattr(s, "flags", 0) or 0, cpus)
        if s.max_entries is None:  # a BTF map definition may leave it to the loader
            m = MapMemory(m.name, m.type, m.cost, m.charged, m.formula,
                          (m.note + "; " if m.note else "") + "max_entries not set in the object: counted as 0")
        out.append(m)
    return out
