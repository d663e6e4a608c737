"""Small file helpers shared by the readers.

pathlib is imported only by ``under`` (it pulls in urllib.parse and
ipaddress, a measurable share of a small command's start-up).
"""

from __future__ import annotations

import os
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing

if TYPE_CHECKING:
    from pathlib import Path


def under(root: str | os.PathLike, path: str) -> Path:
    """``path`` (absolute, as on the host) inside ``root``."""
    from pathlib import Path

    return Path(root, path.lstrip("/"))


def read_text(root: str | os.PathLike, path: str) -> str | None:
    """The file's text, or None when it is missing or unreadable."""
    try:
        with open(os.path.join(root, path.lstrip("/")), errors="replace") as f:
            return f.read()
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
