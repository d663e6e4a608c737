"""Plain aligned text columns (no rich: the listings that use it are fast paths)."""

from __future__ import annotations

from collections.abc import Sequence


def columns(rows: Sequence[Sequence[object]], indent: str = "") -> list[str]:
    """One line per row, every column padded to its widest cell (two spaces
    apart, trailing spaces removed).  ``None`` cells show as ``-``."""
    cells = [["-" if c is None else str(c) for c in r] for r in rows]
    if not cells:
        return []
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
