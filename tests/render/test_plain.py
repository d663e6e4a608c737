"""PlainConsole prints byte for byte what rich prints without colour."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from bpfdoctor.render.plain import PlainConsole, PlainText

STYLES = ["", "bold", "red", "bold green", "dim", "cyan", "yellow"]
# ASCII with the control characters rich strips or keeps, plus wide and combining characters
CHARS = st.one_of(st.characters(min_codepoint=0, max_codepoint=127),
                  st.sampled_from(["\t", "\r", "\n", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "é", "中", "\u0301",
                                   "[bold]", "[/]", "\\["]),
                  st.characters())
TEXT = st.lists(CHARS, max_size=40).map("".join)


def rich_out(parts: list[list[tuple[str, str]]]) -> str:
    buf = io.StringIO()
    con = Console(file=buf, no_color=True, force_terminal=False, highlight=False, soft_wrap=True, emoji=False)
    for line in parts:
        if not line:
            con.print()
            continue
        t = Text(line[0][0], style=line[0][1])
        for text, style in line[1:]:
            t = t + Text(text, style=style)
        con.print(t)
    return buf.getvalue()


def plain_out(parts: list[list[tuple[str, str]]]) -> str:
    buf = io.StringIO()
    con = PlainConsole(buf)
    for line in parts:
        if not line:
            con.print()
            continue
        t = PlainText(line[0][0], style=line[0][1])
        for text, style in line[1:]:
            t = t + PlainText(text, style=style)
        con.print(t)
    return buf.getvalue()


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.tuples(TEXT, st.sampled_from(STYLES)), max_size=3), max_size=4))
def test_plain_matches_rich(parts):
    assert plain_out(parts) == rich_out(parts)


def test_tabs_and_controls():
    parts = [[("a\tb\t\tc", "bold")], [("1234567\tx\r\x07y", "")], [("中\tx", ""), ("\tz", "dim")], [],
             [("  label    ", "bold"), ("value\twith tab", "")]]
    assert plain_out(parts) == rich_out(parts)


def test_rich_objects_given_to_the_plain_console():
    """Code written for rich (rich Text, a Table) prints what rich prints."""
    from rich.table import Table

    table = Table("a", "b")
    table.add_row("1", "x\ty")
    for obj in (Text("tab\there", style="bold"), table):
        buf, ref = io.StringIO(), io.StringIO()
        PlainConsole(buf).print(obj)
        Console(file=ref, no_color=True, force_terminal=False, highlight=False, soft_wrap=True,
                emoji=False).print(obj)
        assert buf.getvalue() == ref.getvalue()


@pytest.mark.parametrize("value", ["\u00b2", "1" * 5000, "-3", " 80", "0x50"])
def test_sizes_that_are_not_numbers_are_ignored(monkeypatch, value):
    # rich reads $COLUMNS with str.isdigit and int(): "²" and 5,000 digits
    # raised ValueError, in rich's Console and in ours
    from bpfdoctor.render.output import console
    from bpfdoctor.render.plain import env_size

    monkeypatch.setenv("COLUMNS", value)
    monkeypatch.setenv("LINES", value)
    assert env_size("COLUMNS") is None
    assert PlainConsole(io.StringIO()).width > 0
    rich_console = console(forced_color=True)
    assert rich_console.width > 0 and rich_console.height > 0


def test_sizes_that_are_numbers_are_used(monkeypatch):
    from bpfdoctor.render.output import console

    monkeypatch.setenv("COLUMNS", "123")
    monkeypatch.setenv("LINES", "45")
    assert PlainConsole(io.StringIO()).width == 123
    assert console(forced_color=True).size == (123, 45)
