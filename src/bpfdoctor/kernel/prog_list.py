"""Every loaded program with what ``bpftool prog show`` prints about it.

Sources, as bpftool uses them (tools/bpf/bpftool/prog.c ``show_prog``,
``print_prog_plain``, ``print_prog_json``):

- ``BPF_OBJ_GET_INFO_BY_FD`` for the program record and its map ids;
- ``memlock:`` from ``/proc/self/fdinfo/<fd>`` of our descriptor
  (common.c ``get_fdinfo``; the kernel's ``bpf_prog_show_fdinfo``);
- ``loaded_at``: ``load_time`` is boot-relative (CLOCK_BOOTTIME) ns;
  prog.c ``print_boot_time`` adds the REALTIME-BOOTTIME offset;
- pinned paths (``-f``): every file under every bpf mount
  (common.c ``build_pinned_obj_table``, an ``nftw`` walk);
- pids: bpftool runs a BPF task_file iterator (pids.c); we have no libbpf,
  so we scan ``/proc/<pid>/fdinfo/*`` for ``prog_id:`` lines instead.  Both
  see every process holding a descriptor; neither sees a program held only
  by a link, a pin or an attachment (the kernel keeps those references).
"""

from __future__ import annotations

import os
import time

from bpfdoctor.kernel import info as kinfo
from bpfdoctor.kernel import objects, prog_select
from bpfdoctor.kernel.objects import KernelObject, ObjKind
from bpfdoctor.kernel.prog_refs import ProcRef, pinned_programs, program_holders
from bpfdoctor.lazylog import get_logger
from bpfdoctor.record import record

log = get_logger(__name__)


@record
class ProgramEntry:
    """One loaded program as ``prog show`` prints it: its info, its full name
    (``prog_select.full_name``), ``memlock`` from fdinfo in bytes (None if
    absent), pinned paths and the processes holding it."""

    info: kinfo.ProgInfoRecord
    full_name: str
    memlock: int | None
    loaded_at: int | None          # wall-clock seconds since the epoch (None: load_time 0)
    pinned: tuple[str, ...] = ()
    pids: tuple[ProcRef, ...] = ()


@record
class ProgramList:
    """``prog show``: the programs, and whether pinned paths and holding
    processes were looked for; ``pids_method`` says how holders were found."""

    programs: tuple[ProgramEntry, ...]
    pinned_scanned: bool
    pids_scanned: bool
    any_pinned: bool = False       # bpftool -j adds "pinned": [] to every entry then
    pids_method: str = "procfs fdinfo scan (prog_id:)"


def boot_to_wall(load_time_ns: int) -> int:
    """prog.c ``print_boot_time``: (REALTIME - BOOTTIME) + ns, in whole seconds."""
    real = time.clock_gettime_ns(time.CLOCK_REALTIME)
    boot = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
    rs, rn = divmod(real, 1_000_000_000)
    bs, bn = divmod(boot, 1_000_000_000)
    # (real.tv_nsec - boot.tv_nsec + nsecs) is computed in unsigned 64 bits there.
    return (rs - bs) + ((rn - bn + load_time_ns) % (1 << 64)) // 1_000_000_000


def fdinfo_field(fd: int, name: str, pid: str = "self") -> str | None:
    """common.c ``get_fdinfo``: the value after ``name:`` (tabs stripped)."""
    try:
        with open(f"/proc/{pid}/fdinfo/{fd}") as f:
            for line in f:
                key, sep, value = line.partition(":")
                if sep and key == name:
                    return value.strip()
    except OSError as e:
        log.debug("fdinfo of fd %d: %s", fd, e)
    return None


def describe(fd: KernelObject, *, pinned: dict[int, list[str]] | None = None,
             holders: dict[int, list[ProcRef]] | None = None) -> ProgramEntry:
    """One program's entry from an open descriptor."""
    rec = kinfo.prog_info(fd, arrays=frozenset({"map_ids"}))
    memlock = fdinfo_field(fd.fd, "memlock")
    return ProgramEntry(
        info=rec,
        full_name=prog_select.full_name(fd, rec) if rec.name else "",
        memlock=int(memlock) if memlock and memlock.isdigit() else None,
        loaded_at=boot_to_wall(rec.load_time_ns) if rec.load_time_ns else None,
        pinned=tuple((pinned or {}).get(rec.id, [])),
        pids=tuple((holders or {}).get(rec.id, [])),
    )


def list_programs(selector: prog_select.Selector | None = None, *, with_pinned: bool = True,
                  with_pids: bool = True) -> ProgramList:
    """All programs (or those ``selector`` names), in id order as bpftool shows them.

    Pinned paths come in walk order (readdir order: bpffs lists the newest
    entry first), which is the order bpftool 7.1 prints them in.
    """
    pinned = pinned_programs() if with_pinned else None
    holders = program_holders() if with_pids else None
    entries = []
    for fd in _open_all(selector):
        with fd:
            entries.append(describe(fd, pinned=pinned, holders=holders))
    return ProgramList(tuple(entries), with_pinned, with_pids, bool(pinned))


def _open_all(selector: prog_select.Selector | None):
    if selector is not None:
        yield from prog_select.open_programs(selector)
        return
    yield from objects.open_all(ObjKind.PROG)
