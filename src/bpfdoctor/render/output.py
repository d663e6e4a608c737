"""Shared output plumbing for the CLI: JSON, plain text, and rich consoles.

Plain, high-volume output (disassembly, dumps) is written with ``write_text``
and never goes through rich, which costs tens of milliseconds to import.
Styled lines go to ``console()``: rich only when colour goes to a terminal;
``text_type(console)`` is the matching ``Text`` class.
"""

from __future__ import annotations

import os
import sys


_SURROGATE = None


def printable(text: str, encoding: str | None = "utf-8") -> str:
    """``text`` with what ``encoding`` cannot hold escaped.

    Names read from BTF keep their bytes that are not UTF-8 as lone
    surrogates (``surrogateescape``): those become ``\\xNN``, the byte they
    stand for; any other character the stream cannot encode becomes a
    backslash escape too.  Called only when a plain write failed.
    """
    global _SURROGATE
    if _SURROGATE is None:
        import re

        _SURROGATE = re.compile("[\ud800-\udfff]")
    text = _SURROGATE.sub(_escape_surrogate, text)
    enc = encoding or "utf-8"
    try:
        text.encode(enc)
    except (UnicodeEncodeError, LookupError):
        text = text.encode(enc, "backslashreplace").decode(enc, "replace")
    return text


def _escape_surrogate(m) -> str:
    code = ord(m.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def _write(stream, text: str) -> None:
    try:
        stream.write(text)  # TextIOWrapper encodes the whole string before writing any of it
    except UnicodeEncodeError:
        stream.write(printable(text, getattr(stream, "encoding", None)))


def write_text(text: str) -> None:
    """Write ``text`` to stdout as is (one call, no per-line overhead)."""
    _write(sys.stdout, text)
    sys.stdout.flush()


def write_notes(notes) -> None:
    """Side remarks to stderr, one ``note:`` line each (stdout stays the result)."""
    for note in notes:
        sys.stderr.write(f"note: {note}\n")


class PrintableStream:
    """A text stream that escapes what its encoding cannot hold (for rich)."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        _write(self._stream, text)
        return len(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


_LEAVES = frozenset({str, int, float, bool, type(None)})


def to_jsonable(value: object) -> object:
    """Records to plain JSON values: dataclasses via ``to_dict``/asdict, enums by value."""
    if value.__class__ in _LEAVES:  # most values: answered before any attribute lookup
        return value
    if isinstance(value, int):  # IntEnum, IntFlag and KeepUnknown members: the number
        return int(value)
    if isinstance(value, str):  # str enums and StrMembers (Severity): the string
        return str.__str__(value)
    import enum

    if hasattr(value, "to_dict"):
        return to_jsonable(value.to_dict())
    if hasattr(type(value), "__dataclass_fields__") and not isinstance(value, type):
        import dataclasses  # (dataclasses.is_dataclass, for a report made of dicts: not imported)

        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


def write_json(value: object) -> None:
    """Stable JSON on stdout: indented, keys in record order, newline at the end."""
    import json

    # ensure_ascii (the default) escapes every non-ASCII character, lone surrogates included.
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

        return PlainConsole(PrintableStream(stream))
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich exits 1 here, our "warnings" code: let the CLI's one
            # broken-pipe rule decide instead.
            self.quiet = True
            raise BrokenPipeError

    from bpfdoctor.render.plain import env_size

    # rich's int($COLUMNS) raises on values such as "²": hand it the
    # environment without the sizes that are not numbers
    bad = [k for k in ("COLUMNS", "LINES") if k in os.environ and env_size(k) is None]
    environ = {"_environ": {k: v for k, v in os.environ.items() if k not in bad}} if bad else {}
    return _Console(file=PrintableStream(stream), no_color=not color, force_terminal=color, highlight=False,
                    soft_wrap=True, emoji=False, **environ)


def text_type(con):
    """``rich.text.Text`` for a rich console, ``PlainText`` for a plain one."""
    from bpfdoctor.render.plain import PlainConsole, PlainText

    if isinstance(con, PlainConsole):
        return PlainText
    from rich.text import Text

    return Text
