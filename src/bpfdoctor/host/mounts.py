"""Filesystems BPF tools need, from ``/proc/self/mountinfo``."""

from __future__ import annotations

import os

from bpfdoctor.host._files import read_text
from bpfdoctor.record import record


@record
class Mount:
    """One line of ``/proc/PID/mountinfo``: mount point, filesystem type,
    source, mount and superblock options (comma-separated), and ``root``, the
    directory of the filesystem that is mounted there."""

    mount_point: str
    fstype: str
    source: str
    options: str
    super_options: str = ""
    root: str = "/"


def _unescape(field: str) -> str:
    # mountinfo escapes space, tab, newline and backslash as \ooo (fs/proc_namespace.c: show_mountinfo)
    return field.encode().decode("unicode_escape") if "\\" in field else field


def parse_mountinfo(text: str) -> list[Mount]:
    """Lines of ``/proc/<pid>/mountinfo`` -> mounts (malformed lines skipped)."""
    mounts = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        lf, rf = left.split(), right.split()
        if len(lf) < 6 or len(rf) < 2:
            continue
        mounts.append(Mount(_unescape(lf[4]), rf[0], _unescape(rf[1]), lf[5],
                            rf[2] if len(rf) > 2 else "", _unescape(lf[3])))
    return mounts


def read_mounts(root: str | os.PathLike = "/") -> list[Mount]:
    text = read_text(root, "/proc/self/mountinfo")
    return parse_mountinfo(text) if text else []


def mounts_of(mounts: list[Mount], fstype: str) -> list[Mount]:
    return [m for m in mounts if m.fstype == fstype]
