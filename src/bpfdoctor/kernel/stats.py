"""``bpfdoctor prog stats``: how often each program runs and how long it takes.

The kernel counts runs and run time per program only while statistics are
on (include/linux/filter.h ``__bpf_prog_run``: ``bpf_stats_enabled_key``).
Two switches turn them on: the ``kernel.bpf_stats_enabled`` sysctl, and
``BPF_ENABLE_STATS`` (5.8), which returns a descriptor that keeps them on
while it is open (kernel/bpf/syscall.c ``bpf_enable_runtime_stats``).  We
use the descriptor, so nothing on the host stays changed when we exit, even
on Ctrl-C or a crash: the kernel drops the count with the descriptor.

Counters are cumulative (``run_cnt``, ``run_time_ns`` of
``bpf_prog_info``); a sample is the difference of two snapshots.
"""

from __future__ import annotations

import ctypes
import errno as E
import time
from collections.abc import Callable, Iterator

from bpfdoctor.errors import SyscallError
from bpfdoctor.host.sysctl import read_sysctl
from bpfdoctor.kernel import info as kinfo
from bpfdoctor.kernel import objects, syscall
from bpfdoctor.kernel.enums import BpfCmd
from bpfdoctor.kernel.fd import OwnedFd
from bpfdoctor.kernel.objects import ObjKind
from bpfdoctor.record import record

BPF_STATS_RUN_TIME = 0  # enum bpf_stats_type


class EnableStatsAttr(ctypes.Structure):
    """``union bpf_attr`` for BPF_ENABLE_STATS: ``struct { __u32 type; } enable_stats``."""

    _fields_ = [("type", ctypes.c_uint32)]


class StatsHandle(OwnedFd):
    kind = "stats"


def enable_stats() -> StatsHandle:
    """Statistics on until the handle is closed."""
    try:
        return StatsHandle(syscall.bpf(BpfCmd.ENABLE_STATS, EnableStatsAttr(type=BPF_STATS_RUN_TIME)))
    except SyscallError as e:
        why = {E.EINVAL: "this kernel has no BPF_ENABLE_STATS (added in 5.8)",
               E.EPERM: "BPF_ENABLE_STATS needs CAP_SYS_ADMIN",
               E.EBUSY: "statistics are held in a state that cannot change now"}.get(e.errno, e.errno_name)
        raise SyscallError("bpf(BPF_ENABLE_STATS)", e.errno, f"cannot enable run-time statistics: {why}",
                           hint="or set kernel.bpf_stats_enabled=1 for a while (and back to 0 after)"
                           if e.errno == E.EINVAL else None) from None


@record
class Counters:
    """One program's cumulative counters at a snapshot (``bpf_prog_info``);
    ``type`` is the program type's name in lower case."""

    id: int
    type: str
    name: str
    run_cnt: int
    run_time_ns: int
    recursion_misses: int


def snapshot() -> dict[int, Counters]:
    """Counters of every loaded program now."""
    out: dict[int, Counters] = {}
    for fd in objects.open_all(ObjKind.PROG):
        with fd:
            r = kinfo.prog_info(fd, arrays=None)
        out[r.id] = Counters(r.id, r.type.name.lower(), r.name, r.run_cnt, r.run_time_ns, r.recursion_misses)
    return out


@record
class ProgRate:
    """One program in one sample: what it did in the interval, and its totals;
    times in ns."""

    id: int
    type: str
    name: str
    runs: int                 # in this interval
    rate: float               # runs per second
    avg_ns: float | None      # average run time in this interval
    total_runs: int           # since statistics were first on
    total_ns: int
    recursion_misses: int


@record
class StatsSample:
    """The ``index``-th sample (from 1): the programs that ran in the
    ``interval_s`` seconds it covers, and how many programs are loaded."""

    index: int
    interval_s: float
    programs: tuple[ProgRate, ...]   # those that ran, busiest first
    idle: int                        # loaded programs that did not run
    loaded: int


def diff(before: dict[int, Counters], after: dict[int, Counters], interval_s: float,
         index: int = 1) -> StatsSample:
    """The sample between two snapshots (programs loaded in between count from 0)."""
    rows = []
    for pid, c in after.items():
        b = before.get(pid)
        runs = c.run_cnt - (b.run_cnt if b else 0)
        ns = c.run_time_ns - (b.run_time_ns if b else 0)
        if runs <= 0:
            continue
        rows.append(ProgRate(pid, c.type, c.name, runs, runs / interval_s if interval_s > 0 else 0.0,
                             ns / runs, c.run_cnt, c.run_time_ns, c.recursion_misses))
    rows.sort(key=lambda r: (-r.runs, r.id))
    return StatsSample(index, interval_s, tuple(rows), len(after) - len(rows), len(after))


@record
class StatsSession:
    """What was on before we started, for the closing note."""

    sysctl_before: int | None


def watch(interval: float, count: int | None, *, sleep: Callable[[float], None] = time.sleep,
          clock: Callable[[], float] = time.monotonic) -> Iterator[StatsSample | StatsSession]:
    """Yield a ``StatsSession`` first, then one ``StatsSample`` per interval
    (``count`` of them, or until the caller stops).  Statistics are on, through
    our descriptor, exactly while this generator runs."""
    yield StatsSession(read_sysctl("kernel.bpf_stats_enabled"))
    with enable_stats():
        prev, t0 = snapshot(), clock()
        n = 0
        while count is None or n < count:
            sleep(interval)
            cur, t1 = snapshot(), clock()
            n += 1
            yield diff(prev, cur, t1 - t0, n)
            prev, t0 = cur, t1
