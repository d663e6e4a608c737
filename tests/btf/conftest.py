"""Fixtures for the BTF tests: compiled fixture objects and the kernel's BTF."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BPF_SRC = ROOT / "tests" / "bpf"
from .helpers import CLANG, VMLINUX


def _build(src: Path, out: Path, target: str) -> Path | None:
    if CLANG is None:
        return None
    cmd = [CLANG, "-g", "-O2", "-target", target, "-mcpu=v3", "-I/usr/include/x86_64-linux-gnu",
           "-D__TARGET_ARCH_x86", "-c", str(src), "-o", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return out if r.returncode == 0 else None


@pytest.fixture(scope="session")
def bpf_objects(tmp_path_factory) -> dict[str, Path]:
    """name -> object for every tests/bpf/*.c that builds, both byte orders.

    Uses tests/bpf/build/ when the Makefile has built it, else compiles here.
    """
    built = BPF_SRC / "build"
    out: dict[str, Path] = {}
    tmp = tmp_path_factory.mktemp("bpf")
    for src in sorted(BPF_SRC.glob("*.c")):
        for suffix, target in ((".o", "bpfel"), (".bpfeb.o", "bpfeb")):
            name = src.stem + suffix
            obj = built / name if (built / name).exists() else _build(src, tmp / name, target)
            if obj is not None:
                out[name] = obj
    if "btf_kinds.o" not in out:
        pytest.skip("cannot build tests/bpf/btf_kinds.c (no clang-19?)")
    return out


@pytest.fixture(scope="session")
def kinds_obj(bpf_objects) -> Path:
    return bpf_objects["btf_kinds.o"]


@pytest.fixture(scope="session")
def vmlinux():
    if not VMLINUX.exists():
        pytest.skip("this kernel has no /sys/kernel/btf/vmlinux")
    from bpfdoctor.btf import parse_btf

    return parse_btf(VMLINUX.read_bytes(), path=str(VMLINUX))
