"""Shared output plumbing for the CLI: JSON, plain text, and rich consoles.

Plain, high-volume output (disassembly, dumps) is written with ``write_text``
and never goes through rich, which costs tens of milliseconds to import.
Styled lines go to ``console()``: rich only when colour goes to a terminal;
``text_type(console)`` is the matching ``Text`` class.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def write_text(text: str) -> None:
    """Write ``text`` to stdout as is (one call, no per-line overhead)."""
    sys.stdout.write(text)
    sys.stdout.flush()


def write_notes(notes) -> None:
    """Side remarks to stderr, one ``note:`` line each (stdout stays the result)."""
    for note in notes:
        sys.stderr.write(f"note: {note}\n")


def to_jsonable(value: Any) -> Any:
    """Records to plain JSON values: dataclasses via ``to_dict``/asdict, enums by value."""
    import dataclasses
    import enum

    if hasattr(value, "to_dict"):
        return to_jsonable(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value if not isinstance(value, int) else int(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


def write_json(value: Any) -> None:
    """Stable JSON on stdout: indented, keys in record order, newline at the end."""
    import json

    sys.stdout.write(json.dumps(to_jsonable(value), indent=2) + "\n")
    sys.stdout.flush()


def use_color(forced: bool | None = None, stream=None) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set."""
    if forced is not None:
        return forced
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty()


def console(forced_color: bool | None = None, stderr: bool = False):
    """A rich Console when colour is on (``use_color``), else a PlainConsole
    that prints the same characters without importing rich."""
    stream = sys.stderr if stderr else sys.stdout
    color = use_color(forced_color, stream)
    if not color:
        from bpfdoctor.render.plain import PlainConsole

        return PlainConsole(stream)
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich exits 1 here, our "warnings" code: let the CLI's one
            # broken-pipe rule decide instead.
            self.quiet = True
            raise BrokenPipeError

    return _Console(file=stream, no_color=not color, force_terminal=color, highlight=False,
                   soft_wrap=True, emoji=False)


def text_type(con):
    """``rich.text.Text`` for a rich console, ``PlainText`` for a plain one."""
    from bpfdoctor.render.plain import PlainConsole, PlainText

    if isinstance(con, PlainConsole):
        return PlainText
    from rich.text import Text

    return Text
