"""``check --fix``: the safe changes, applied only on request, each reported.

Safe means: reversible, and only what the report itself suggests: turn the
JIT on where the sysctl can change, mount bpffs, raise this process's soft
RLIMIT_MEMLOCK to its hard limit.  Limits of other services are printed as
config, never changed.
"""

from __future__ import annotations

import ctypes
import os

from bpfdoctor.doctor.checks_fs import BPFFS
from bpfdoctor.host.limits import raise_memlock
from bpfdoctor.host.sysctl import sysctl_path
from bpfdoctor.lazylog import get_logger
from bpfdoctor.record import record

log = get_logger(__name__)


@record
class FixAction:
    """One ``--fix`` change: the id of the finding it answers, the action in words
    (a command), whether it was applied, and why not."""

    finding: str
    action: str
    applied: bool
    error: str | None = None

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__}


def _enable_jit(root: str) -> FixAction:
    path = os.path.join(root, sysctl_path("net.core.bpf_jit_enable").lstrip("/"))
    action = "sysctl -w net.core.bpf_jit_enable=1"
    try:
        with open(path, "w") as f:
            f.write("1\n")
    except OSError as e:
        return FixAction("jit-enabled", action, False, e.strerror)
    return FixAction("jit-enabled", action, True)


def _mount_bpffs() -> FixAction:
    action = f"mount -t bpf bpffs {BPFFS}"
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = (ctypes.c_char_p,) * 4 + (ctypes.c_void_p,)
    os.makedirs(BPFFS, exist_ok=True)
    if libc.mount(b"bpffs", BPFFS.encode(), b"bpf", None, None) != 0:
        return FixAction("fs-bpffs", action, False, os.strerror(ctypes.get_errno()))
    return FixAction("fs-bpffs", action, True)


def _raise_memlock() -> FixAction:
    change = raise_memlock()
    action = f"raise RLIMIT_MEMLOCK of this process from {change.before.soft} to {change.after.soft} bytes"
    return FixAction("memlock-rlimit", action, change.changed,
                     None if change.changed else "already at the hard limit")


def apply_fixes(report) -> tuple[FixAction, ...]:
    """Apply the safe fixes for the findings of ``report`` that need them."""
    live_host = os.path.realpath(report.root) == "/"
    actions = []
    for f in report.findings:
        if f.severity.rank < 2:  # only warnings and failures
            continue
        if f.id == "jit-enabled" and f.evidence.get("net.core.bpf_jit_enable") == 0:
            actions.append(_enable_jit(report.root))
        elif f.id == "fs-bpffs" and live_host:
            actions.append(_mount_bpffs())
        elif f.id == "memlock-rlimit" and live_host:
            actions.append(_raise_memlock())
    for a in actions:
        log.info("fix %s: %s (%s)", a.finding, a.action, "done" if a.applied else a.error)
    return tuple(actions)
