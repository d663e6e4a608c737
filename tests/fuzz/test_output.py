"""Names that are not UTF-8 (kept as lone surrogates by surrogateescape)
print escaped on a strict UTF-8 stdout, in plain, rich and JSON output, and
error messages stay on one line."""

import io
import json
import sys

from bpfdoctor.cli import one_line
from bpfdoctor.render.output import console, printable, write_json, write_text

NAME = b"map\xffname".decode("utf-8", "surrogateescape")


def _strict(monkeypatch):
    buf = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(buf, encoding="utf-8", errors="strict", write_through=True))
    return buf


def test_plain_text(monkeypatch):
    buf = _strict(monkeypatch)
    write_text(f"{NAME} ok é\n")
    assert buf.getvalue().decode() == "map\\xffname ok é\n"


def test_rich_console(monkeypatch):
    buf = _strict(monkeypatch)
    console(False).print(NAME)
    assert "map\\xffname" in buf.getvalue().decode()


def test_json(monkeypatch):
    buf = _strict(monkeypatch)
    write_json({"name": NAME})
    assert json.loads(buf.getvalue()) == {"name": NAME}


def test_printable_for_a_narrow_encoding():
    assert printable("é\udc80\ud800", "ascii") == "\\xe9\\x80\\ud800"


def test_one_line():
    assert one_line("a\nb\x1b[31m\tc") == "a\\nb\\x1b[31m\\tc"
