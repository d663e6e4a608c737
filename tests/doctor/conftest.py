"""Reuse the kernel fixtures (``bpf_kernel``) of tests/kernel/conftest.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "bpfdoctor_tests_kernel_fixtures", Path(__file__).parent.parent / "kernel" / "conftest.py")
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
bpf_kernel = _mod.bpf_kernel
