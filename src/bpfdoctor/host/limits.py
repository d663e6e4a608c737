"""Resource limits: ``RLIMIT_MEMLOCK`` from ``/proc/<pid>/limits`` (any tree)
and from ``getrlimit`` (this process), and :func:`raise_memlock`."""

from __future__ import annotations

import os
import resource

from bpfdoctor.host._files import read_text
from bpfdoctor.lazylog import get_logger
from bpfdoctor.record import record

log = get_logger(__name__)


@record
class Limit:
    """Soft and hard limit in bytes; None is unlimited."""

    soft: int | None
    hard: int | None


def _value(text: str) -> int | None:
    return None if text == "unlimited" else int(text)


def parse_limits(text: str) -> dict[str, Limit]:
    """``/proc/<pid>/limits`` -> {"Max locked memory": Limit, ...}.

    Columns are fixed-width (fs/proc/base.c: proc_pid_limits): the name is
    25 characters wide, then soft, hard and units."""
    out: dict[str, Limit] = {}
    for line in text.splitlines()[1:]:
        name, rest = line[:26].strip(), line[26:].split()
        if len(rest) >= 2:
            try:
                out[name] = Limit(_value(rest[0]), _value(rest[1]))
            except ValueError:
                continue
    return out


def read_memlock(root: str | os.PathLike = "/", pid: str = "self") -> Limit | None:
    """RLIMIT_MEMLOCK of ``pid`` under ``root`` (None if unreadable)."""
    text = read_text(root, f"/proc/{pid}/limits")
    return parse_limits(text).get("Max locked memory") if text else None


def _from_rlim(v: int) -> int | None:
    return None if v == resource.RLIM_INFINITY else v


def live_memlock() -> Limit:
    """RLIMIT_MEMLOCK of this very process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    return Limit(_from_rlim(soft), _from_rlim(hard))


@record
class MemlockChange:
    """This process's RLIMIT_MEMLOCK before and after ``raise_memlock``."""

    before: Limit
    after: Limit

    @property
    def changed(self) -> bool:
        return self.before != self.after


def raise_memlock() -> MemlockChange:
    """Raise this process's RLIMIT_MEMLOCK for programs that load BPF themselves.

    Unlimited when allowed (CAP_SYS_RESOURCE), otherwise the soft limit up to
    the hard one.  Only kernels before 5.11 charge BPF memory to this limit
    (kernel/bpf/syscall.c: ``bpf_charge_memlock``, removed when memory-cgroup
    accounting came); on newer kernels this is harmless.
    """
    before = live_memlock()
    try:
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    except (ValueError, OSError):
        _, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
        try:
            resource.setrlimit(resource.RLIMIT_MEMLOCK, (hard, hard))
        except (ValueError, OSError) as e:  # pragma: no cover - soft <= hard is always allowed
            log.warning("cannot raise RLIMIT_MEMLOCK: %s", e)
    after = live_memlock()
    log.debug("RLIMIT_MEMLOCK %s -> %s", before, after)
    return MemlockChange(before, after)
