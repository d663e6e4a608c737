"""Dependencies point one way (ARCHITECTURE.md): the pure packages never
import the system ones (kernel, host), the checks (doctor) or the command
line, nor ctypes.  The one documented exception is ``jit/cslib.py``, which
calls capstone's bundled library through ctypes (no system calls)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "bpfdoctor"
PURE = ("isa", "elf", "btf", "verifier", "jit", "render", "compat")
FORBIDDEN = ("bpfdoctor.kernel", "bpfdoctor.host", "bpfdoctor.doctor", "bpfdoctor.cli", "ctypes")
EXCEPTIONS = {("jit/cslib.py", "ctypes")}


def forbidden_imports(source: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        else:
            continue
        out += [n for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)]
    return out


@pytest.mark.parametrize("package", PURE)
def test_pure_package_imports_no_system_code(package):
    bad = []
    for path in sorted((SRC / package).rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        bad += [f"{rel}: {m}" for m in forbidden_imports(path.read_text()) if (rel, m) not in EXCEPTIONS]
    assert bad == []


def test_the_check_sees_a_system_import():
    src = "def f():\n    from bpfdoctor.kernel.syscall import bpf\n    import ctypes.util\n"
    assert forbidden_imports(src) == ["bpfdoctor.kernel.syscall", "ctypes.util"]
