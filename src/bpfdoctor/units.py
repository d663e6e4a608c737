"""Byte counts as people read them (``16 MiB``, ``1.5 GiB``).  Pure."""

from __future__ import annotations


def fmt_bytes(n: int | None) -> str:
    """``None`` is ``unlimited`` (an rlimit of RLIM_INFINITY); round figures
    without decimals, others with one, never raw bytes above 1 KiB."""
    if n is None:
        return "unlimited"
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % (size // 4 or 1) == 0:
            value = n / size
            return f"{value:g} {unit}"
        if n >= size:
            return f"{n / size:.1f} {unit}"  # not a round figure: one decimal, never raw bytes
    return f"{n} B"
