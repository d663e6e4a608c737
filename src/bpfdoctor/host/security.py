"""Kernel lockdown and the active security modules (securityfs)."""

from __future__ import annotations

import os

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
    """``none [integrity] confidentiality`` -> ``integrity``: the first run of
    word characters (``\\w+``) in brackets.  String methods, not ``re``: its
    import is 4 ms of ``check``'s start-up."""
    start = text.find("[")
    while start >= 0:
        end = text.find("]", start + 1)
        if end < 0:
            return None
        word = text[start + 1:end]
        if word and all(c.isalnum() or c == "_" for c in word):
            return word
        inner = word.rfind("[")  # a later "[" before this "]" may open a word
        start = start + 1 + inner if inner >= 0 else text.find("[", end)
    return None


def read_security(root: str | os.PathLike = "/") -> Security:
    lockdown_text = read_text(root, SECURITYFS + "/lockdown")
    lsm_text = read_text(root, SECURITYFS + "/lsm")
    mounted = os.path.isdir(os.path.join(os.fspath(root), SECURITYFS.lstrip("/"), "")) and (
        lockdown_text is not None or lsm_text is not None)
    return Security(parse_lockdown(lockdown_text) if lockdown_text else None,
                    tuple(x for x in lsm_text.strip().split(",") if x) if lsm_text else None,
                    mounted)
