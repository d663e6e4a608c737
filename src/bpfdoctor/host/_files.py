"""Small file helpers shared by the readers."""

from __future__ import annotations

import os
from pathlib import Path


def under(root: str | os.PathLike, path: str) -> Path:
    """``path`` (absolute, as on the host) inside ``root``."""
    return Path(root, path.lstrip("/"))


def read_text(root: str | os.PathLike, path: str) -> str | None:
    """The file's text, or None when it is missing or unreadable."""
    try:
        return under(root, path).read_text(errors="replace")
    except OSError:
        return None


def read_int(root: str | os.PathLike, path: str) -> int | None:
    text = read_text(root, path)
    if text is None:
        return None
    try:
        return int(text.split()[0])
    except (ValueError, IndexError):
        return None
