"""Kernel lockdown and the active security modules (securityfs)."""

from __future__ import annotations

import os
import re

from bpfdoctor.host._files import read_text
from bpfdoctor.record import record

SECURITYFS = "/sys/kernel/security"


@record
class Security:
    """``lockdown`` is ``none``/``integrity``/``confidentiality``, or None when
    it cannot be read (no securityfs mounted, or no lockdown LSM)."""

    lockdown: str | None
    lsms: tuple[str, ...] | None
    securityfs_mounted: bool


def parse_lockdown(text: str) -> str | None:
    """``none [integrity] confidentiality`` -> ``integrity``."""
    m = re.search(r"\[(\w+)\]", text)
    return m.group(1) if m else None


def read_security(root: str | os.PathLike = "/") -> Security:
    lockdown_text = read_text(root, SECURITYFS + "/lockdown")
    lsm_text = read_text(root, SECURITYFS + "/lsm")
    mounted = os.path.isdir(os.path.join(os.fspath(root), SECURITYFS.lstrip("/"), "")) and (
        lockdown_text is not None or lsm_text is not None)
    return Security(parse_lockdown(lockdown_text) if lockdown_text else None,
                    tuple(x for x in lsm_text.strip().split(",") if x) if lsm_text else None,
                    mounted)
