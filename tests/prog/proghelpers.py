"""Running bpftool and bpfdoctor side by side (shared by the prog tests)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest


def bpftool(*args: str, prefix: tuple[str, ...] = ()) -> str:
    tool = shutil.which("bpftool")
    if tool is None:
        pytest.skip("bpftool is not installed")
    run = subprocess.run([*prefix, tool, *args], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, f"bpftool {' '.join(args)}: {run.stderr}"
    return run.stdout


def bpftool_json(*args: str, prefix: tuple[str, ...] = ()):
    return json.loads(bpftool("-j", *args, prefix=prefix))


def ours(*args: str, prefix: tuple[str, ...] = (), check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), NO_COLOR="1")
    run = subprocess.run([*prefix, sys.executable, "-m", "bpfdoctor", *args], capture_output=True, text=True,
                         env=env, timeout=120)
    if check:
        assert run.returncode == 0, f"bpfdoctor {' '.join(args)}: {run.stderr}"
    return run
