"""Paths and kernel access for the verifier tests."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LOGS = HERE / "logs"
FIXTURES = ROOT / "tests" / "bpf" / "verifier"
BUILD = FIXTURES / "build"

sys.path.insert(0, str(HERE))  # rawbpf


def _load_tool():
    spec = importlib.util.spec_from_file_location("capture_verifier_logs",
                                                  ROOT / "tools" / "capture_verifier_logs.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses need the module registered
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def capture_tool():
    return _load_tool()


@pytest.fixture(scope="session")
def built_fixtures():
    """Build tests/bpf/verifier (skip with the reason when clang is missing)."""
    if shutil.which("clang-19") is None:
        pytest.skip("clang-19 not installed: cannot build the verifier fixtures")
    subprocess.run(["make", "-s", "-C", str(FIXTURES)], check=True)
    return BUILD


@pytest.fixture(scope="session")
def bpf_loader(built_fixtures, capture_tool):
    """bpftool and a bpf() that loads programs, or a skip saying which is missing."""
    if os.geteuid() != 0:
        pytest.skip("kernel tests need root (CAP_BPF, CAP_SYS_ADMIN to mount bpffs)")
    for tool in ("bpftool", "unshare", "capsh"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed")
    import rawbpf

    probe = rawbpf.load(rawbpf.insn(0xB7, dst=0, imm=0) + rawbpf.insn(0x95), log_level=0)
    if not probe.ok:
        pytest.skip(f"the kernel refuses BPF_PROG_LOAD: {os.strerror(probe.errno)}")
    return capture_tool
