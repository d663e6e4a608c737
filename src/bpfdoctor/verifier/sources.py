"""Source files named by BTF line_info, read on demand (deterministic file reads).

line_info gives the text of lines that have instructions only; a declaration,
a `return` that clang merged into the epilogue, or a `const` global have
none.  When the source file is readable at the path the object recorded (the
usual case on the build machine), ``refine`` uses it to move the primary
span to such a line.  Files are read once, up to ``MAX_BYTES``.
"""

from __future__ import annotations

import os

MAX_BYTES = 2 << 20


class SourceCache:
    """``lines(path)`` -> the file's lines (1-based via ``line(path, n)``), or None."""

    def __init__(self, roots: tuple[str, ...] = ()) -> None:
        self.roots = roots
        self._files: dict[str, list[str] | None] = {}

    def lines(self, path: str | None) -> list[str] | None:
        if not path:
            return None
        if path not in self._files:
            self._files[path] = self._read(path)
        return self._files[path]

    def _read(self, path: str) -> list[str] | None:
        candidates = [path] + [os.path.join(r, os.path.basename(path)) for r in self.roots]
        for cand in candidates:
            try:
                with open(cand, "rb") as f:
                    data = f.read(MAX_BYTES + 1)
            except (OSError, ValueError):  # ValueError: a NUL in the name (a log or BTF can hold one)
                continue
            if len(data) > MAX_BYTES or b"\0" in data:
                return None
            return data.decode("utf-8", "replace").splitlines()
        return None
