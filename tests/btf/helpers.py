"""Shared helpers for the BTF tests (skip reasons for missing tools)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

VMLINUX = Path("/sys/kernel/btf/vmlinux")
CLANG = shutil.which("clang-19") or shutil.which("clang")
BPFTOOL = shutil.which("bpftool") or ("/usr/sbin/bpftool" if os.path.exists("/usr/sbin/bpftool") else None)


def need_bpftool() -> str:
    if BPFTOOL is None:
        pytest.skip("bpftool is not installed")
    return BPFTOOL


def need_clang() -> str:
    if CLANG is None:
        pytest.skip("clang-19 is not installed")
    return CLANG
