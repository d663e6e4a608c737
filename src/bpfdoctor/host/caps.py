"""Capabilities of this process, from ``/proc/self/status``."""

from __future__ import annotations

import os

from bpfdoctor.host._files import read_text
from bpfdoctor.kernel.enums import Capability
from bpfdoctor.record import record


def decode_caps(mask: int) -> frozenset[Capability]:
    """Bit set -> capabilities (unknown bits kept as UNKNOWN_n)."""
    return frozenset(Capability(bit) for bit in range(64) if mask >> bit & 1)


@record
class ProcessCaps:
    """The uid, effective uid and capability sets (effective, permitted,
    bounding) of a process, from ``/proc/PID/status``."""

    uid: int
    euid: int
    effective: frozenset[Capability]
    permitted: frozenset[Capability]
    bounding: frozenset[Capability]

    def has(self, cap: Capability) -> bool:
        return cap in self.effective


def _field(text: str, name: str) -> str | None:
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return None


def read_caps(root: str | os.PathLike = "/", pid: str = "self") -> ProcessCaps | None:
    """Uid and capability sets of ``pid`` under ``root``; None if unreadable."""
    text = read_text(root, f"/proc/{pid}/status")
    if text is None:
        return None
    uids = (_field(text, "Uid") or "-1 -1").split()

    def mask(name: str) -> frozenset[Capability]:
        value = _field(text, name)
        return decode_caps(int(value, 16)) if value else frozenset()

    return ProcessCaps(int(uids[0]), int(uids[1]), mask("CapEff"), mask("CapPrm"), mask("CapBnd"))
