"""Shared fixtures; helpers live in testlib.py."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from testlib import BPF_DIR, BUILD, ensure_built  # noqa: E402


@pytest.fixture(scope="session")
def build_dir() -> Path:
    ensure_built()
    return BUILD


@pytest.fixture(scope="session")
def obj(build_dir):
    """``obj("multi_prog")`` -> path of tests/bpf/build/multi_prog.o."""
    def get(name: str) -> Path:
        p = build_dir / (name if name.endswith(".o") else name + ".o")
        if not p.exists():
            pytest.skip(f"fixture {p.name} is not built")
        return p
    return get


def pytest_configure(config):
    # Parametrised tests list the fixture objects at collection time.
    if not any(BUILD.glob("*.o")) and shutil.which("clang-19"):
        subprocess.run(["make", "-C", str(BPF_DIR), "-s", "-j2"], check=False)
