"""Plain text with the API the renderers use of rich, without importing rich.

When colour is off (not a terminal, ``NO_COLOR``, ``--no-color``) rich prints
a ``Text`` as its characters and nothing else, yet importing it costs more
than the interpreter's own start (bench/run.py).  ``PlainConsole`` and
``PlainText`` print exactly what ``rich.console.Console(no_color=True,
soft_wrap=True, highlight=False, emoji=False)`` prints for ``Text`` values:
control codes rich strips are stripped (rich/control.py
``STRIP_CONTROL_CODES``) and tabs are expanded to 8-cell stops
(rich/text.py ``Text.expand_tabs``).  A line that mixes a tab with non-ASCII
text (where cell widths decide the stop) is handed to rich itself, so the
output stays byte-identical.  tests/render/test_plain.py compares the two.
"""

from __future__ import annotations

import sys

# rich/control.py STRIP_CONTROL_CODES: bell, backspace, vertical tab, form feed, carriage return
_STRIP = {7: None, 8: None, 11: None, 12: None, 13: None}
TAB_SIZE = 8
# other C0 controls and DEL take no cell in rich, which moves the tab stops
_ZERO_WIDTH = {c: None for c in [*range(0, 9), *range(11, 32), 127]}


class PlainText:
    """The part of ``rich.text.Text`` the renderers use: a string with a style
    that is not printed, concatenation with ``+``."""

    __slots__ = ("plain",)

    def __init__(self, text: str = "", style: str = "") -> None:
        self.plain = text.translate(_STRIP)

    def __add__(self, other: PlainText | str) -> PlainText:
        out = PlainText()
        out.plain = self.plain + (other.plain if isinstance(other, PlainText) else other.translate(_STRIP))
        return out

    def __str__(self) -> str:
        return self.plain

    def stylize(self, style: str, start: int = 0, end: int | None = None) -> None:
        """Styles are not printed without colour."""


def env_size(name: str) -> int | None:
    """$COLUMNS or $LINES as a number, None when unset or not one.

    rich reads them with ``str.isdigit`` and ``int``, which lets "²" and
    5,000-digit values through to a ``ValueError``; only ASCII digits, and
    no more than a terminal could have, count here."""
    import os

    value = os.environ.get(name, "")
    if value.isascii() and value.isdigit() and len(value) <= 6:
        return int(value)
    return None


def _expand_tabs(text: str) -> str:
    # rich replaces a tab with a space and pads to the next multiple of 8
    # cells: str.expandtabs for printable ASCII, where a character is one cell
    if text.isascii() and len(text.translate(_ZERO_WIDTH)) == len(text):
        return text.expandtabs(TAB_SIZE)
    return "\n".join(_rich_line(line) if "\t" in line else line for line in text.split("\n"))


def _rich_console(file):
    from rich.console import Console

    # render/output.py console()'s settings without colour
    return Console(file=file, no_color=True, force_terminal=False, highlight=False, soft_wrap=True, emoji=False)


def _is_rich(obj) -> bool:
    """A rich renderable other than plain text (rich's Text prints as its ``plain``)."""
    if type(obj).__module__.startswith("rich.") and type(obj).__name__ == "Text":
        return False
    return hasattr(obj, "__rich_console__") or hasattr(obj, "__rich__")


def _rich_line(line: str) -> str:
    import io

    from rich.text import Text

    buf = io.StringIO()
    _rich_console(buf).print(Text(line), end="")
    return buf.getvalue()


class PlainConsole:
    """``print`` of ``PlainText`` values (or ``str``, taken literally) to a stream."""

    def __init__(self, file=None) -> None:
        self.file = file

    @property
    def is_terminal(self) -> bool:
        """As rich decides it: the stream is a terminal (NO_COLOR on a terminal
        still wraps to its width)."""
        isatty = getattr(self.file or sys.stdout, "isatty", None)
        try:
            return bool(isatty and isatty())
        except ValueError:  # a closed stream
            return False

    @property
    def width(self) -> int:
        """The columns as rich finds them: $COLUMNS, else the terminal's, else 80."""
        import os

        columns = env_size("COLUMNS")
        if columns:
            return columns
        try:
            return os.get_terminal_size((self.file or sys.stdout).fileno()).columns
        except (OSError, ValueError, AttributeError):
            return 80

    def print(self, *objects, end: str = "\n") -> None:
        if any(not isinstance(o, (PlainText, str)) and _is_rich(o) for o in objects):
            # a rich renderable (a Table, say) from code written for rich: let rich lay it out
            _rich_console(self.file or sys.stdout).print(*objects, end=end)
            return
        text = " ".join(o.plain if isinstance(o, PlainText) else str(o).translate(_STRIP) for o in objects)
        if "\t" in text:
            text = _expand_tabs(text)
        (self.file or sys.stdout).write(text + end)
