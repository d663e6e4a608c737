"""CPU counts the BPF code needs: per-CPU map values are sized by the number
of *possible* CPUs (kernel/bpf/syscall.c: ``bpf_map_value_size`` uses
``num_possible_cpus()``), not the online ones."""

from __future__ import annotations

import os
from pathlib import Path


def parse_cpu_list(text: str) -> int:
    """Count CPUs in a kernel cpu list such as ``0-3,8,10-11``."""
    count = 0
    for part in text.strip().split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        count += (int(hi) - int(lo) + 1) if hi else 1
    return count


def possible_cpus(root: str | os.PathLike = "/") -> int:
    """Number of possible CPUs (``/sys/devices/system/cpu/possible``)."""
    path = Path(root, "sys/devices/system/cpu/possible")
    try:
        return max(1, parse_cpu_list(path.read_text()))
    except (OSError, ValueError):
        return os.cpu_count() or 1
