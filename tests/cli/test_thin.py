"""The command modules stay thin (ARCHITECTURE.md): they read options, call
the library and a renderer.  A module that builds report dicts or prints
lines itself has grown a second job; its code belongs in the library (a
record with ``to_dict``) or in ``render/``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CLI = Path(__file__).resolve().parents[2] / "src" / "bpfdoctor" / "cli"
# the command table, the argument parser and shell completion are the CLI's own
OWN = {"__init__.py", "args.py", "complete.py"}


def _second_jobs(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict) and node.keys and all(
                isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys if k is not None):
            found.append(f"line {node.lineno}: a dict built for output")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "print":
            found.append(f"line {node.lineno}: prints lines itself")
    return found


@pytest.mark.parametrize("module", sorted(p.name for p in CLI.glob("*.py") if p.name not in OWN))
def test_command_module_is_thin(module):
    assert _second_jobs((CLI / module).read_text()) == []


def test_the_check_sees_both_jobs():
    bad = 'def cmd():\n    write_json({"a": 1})\n    con.print(Text("x"))\n'
    assert len(_second_jobs(bad)) == 2
