"""Create the planned maps in the kernel (libbpf.c ``bpf_object__create_maps``).

Per map, as libbpf does: sizes the kernel decides at run time (perf event
arrays get one slot per possible CPU, ring buffers a power-of-two number of
pages), the inner map template of a map-in-map created first and closed once
the outer exists, a retry without BTF when the kernel refuses the key/value
types, internal maps filled with the section bytes and ``.rodata``/
``.kconfig`` frozen (``bpf_object__populate_internal_map``), then the
``.values`` slots of map-in-maps (``init_map_in_map_slots``).
"""

from __future__ import annotations

import struct

from bpfdoctor.errors import InputError, SyscallError
from bpfdoctor.kernel.enums import MapType
from bpfdoctor.kernel.loader.mapplan import MapPlan
from bpfdoctor.kernel.maps import Map, create_map
from bpfdoctor.lazylog import get_logger

log = get_logger(__name__)


def runtime_shape(plan: MapPlan) -> MapPlan:
    if plan.map_type == MapType.PERF_EVENT_ARRAY and not plan.max_entries:
        from bpfdoctor.record import replace

        from bpfdoctor.host.cpus import possible_cpus

        return replace(plan, max_entries=possible_cpus())
    if plan.map_type in (MapType.RINGBUF, MapType.USER_RINGBUF):  # libbpf.c map_is_ringbuf
        import mmap
        from bpfdoctor.record import replace

        from bpfdoctor.elf.map_rules import ringbuf_size

        return replace(plan, max_entries=ringbuf_size(plan.max_entries, mmap.PAGESIZE))
    return plan


def create_args(plan: MapPlan, btf_fd: int, inner_fd: int) -> dict:
    """``kernel.maps.create_map``'s arguments for a plan (``map_create_attr`` takes the same)."""
    return dict(map_type=plan.map_type, key_size=plan.key_size, value_size=plan.value_size,
                max_entries=plan.max_entries, flags=plan.flags, name=plan.kernel_name, inner_map_fd=inner_fd,
                numa_node=plan.numa_node, btf_fd=btf_fd if (plan.btf_key_type_id or plan.btf_value_type_id) else 0,
                btf_key_type_id=plan.btf_key_type_id, btf_value_type_id=plan.btf_value_type_id,
                map_extra=plan.map_extra)


def _create(plan: MapPlan, btf_fd: int, inner_fd: int) -> Map:
    return create_map(**create_args(plan, btf_fd, inner_fd))


def create_one(plan: MapPlan, btf_fd: int | None, inner_fd: int = 0) -> tuple[Map, list[str]]:
    """Create one map; notes say what was adjusted (retry without BTF)."""
    notes: list[str] = []
    plan = runtime_shape(plan)
    if btf_fd is None:
        plan = plan.without_btf()
    try:
        return _create(plan, btf_fd or 0, inner_fd), notes
    except SyscallError as e:
        if not (plan.btf_key_type_id or plan.btf_value_type_id):
            raise SyscallError(e.command, e.errno, f"map {plan.name!r}: {e}") from None
        # libbpf.c bpf_object__create_map: "Retrying without BTF."
        notes.append(f"map {plan.name}: kernel refused its BTF types ({e.errno_name}); created without BTF")
        try:
            return _create(plan.without_btf(), 0, inner_fd), notes
        except SyscallError as e2:
            raise SyscallError(e2.command, e2.errno, f"map {plan.name!r}: {e2}") from None


def create_with_inner(plan: MapPlan, btf_fd: int | None, by_index: list[Map]) -> tuple[Map, list[str]]:
    if plan.inner is not None:
        template, notes = create_one(plan.inner, btf_fd)
        with template:  # the template only gives the kernel the inner shape
            outer, more = create_one(plan, btf_fd, template.fd)
        return outer, notes + more
    if plan.inner_map_idx is not None:
        if plan.inner_map_idx >= len(by_index):
            raise InputError(None, f"map {plan.name!r}: inner_map_idx {plan.inner_map_idx} names a map "
                             "defined after it")
        return create_one(plan, btf_fd, by_index[plan.inner_map_idx].fd)
    return create_one(plan, btf_fd)


def populate(plan: MapPlan, m: Map) -> None:
    if not plan.is_internal:
        return
    data = plan.initial if plan.initial is not None else bytes(plan.value_size)
    m.update(b"\0\0\0\0", data)
    if plan.freeze:
        m.freeze()


def fill_slots(plan: MapPlan, m: Map, fd_of) -> list[str]:
    """Write ``.values`` entries: fd_of(name) gives the map/program fd or None."""
    updates, notes = slot_updates(plan, fd_of)
    for key, value in updates:
        m.update(key, value)
    return notes


def slot_updates(plan: MapPlan, fd_of) -> tuple[list[tuple[bytes, bytes]], list[str]]:
    """The (key, value) updates that fill ``plan``'s ``.values`` slots, and notes on the ones left empty."""
    updates, notes = [], []
    for index, target in plan.slots:
        fd = fd_of(target)
        if fd is None:
            notes.append(f"map {plan.name}: slot {index} ({target}) left empty: {target} is not loaded")
            continue
        updates.append((struct.pack("<I", index), struct.pack("<I", fd)))
    return updates, notes
