"""Kernel access and bpftool helpers for the loader tests."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid

import pytest



@pytest.fixture(scope="session")
def kernel(bpf_kernel):
    if os.geteuid() != 0:
        pytest.skip("loader tests need root (CAP_BPF, CAP_SYS_ADMIN for ids and bpffs)")
    return True


@pytest.fixture(scope="session")
def bpftool(kernel):
    path = shutil.which("bpftool")
    if path is None:
        pytest.skip("bpftool is not installed")
    from bpfdoctor.kernel.loader.pin import BPF_FS_MAGIC, fs_magic

    if fs_magic("/sys/fs/bpf") != BPF_FS_MAGIC:
        pytest.skip("bpffs is not mounted at /sys/fs/bpf (mount -t bpf bpffs /sys/fs/bpf)")
    return path


@pytest.fixture
def pin_root():
    """A fresh path under /sys/fs/bpf, removed (with everything in it) afterwards."""
    path = f"/sys/fs/bpf/bpfdoctor-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run_bpftool(*args: str, debug: bool = False) -> subprocess.CompletedProcess:
    cmd = ["bpftool"] + (["-d"] if debug else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def pinned_prog_id(path: str) -> int:
    out = run_bpftool("prog", "show", "pinned", path, "-j")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["id"]


_MAP_ID = re.compile(r"map\[id:\d+\]")


def xlated(prog_id: int) -> str:
    """``bpftool prog dump xlated`` with map ids masked (they differ per load)."""
    out = run_bpftool("prog", "dump", "xlated", "id", str(prog_id))
    assert out.returncode == 0, out.stderr
    return _MAP_ID.sub("map[id:N]", out.stdout)


_FAIL = re.compile(r"libbpf: prog '([^']+)': BPF program load failed: (.+)")


def bpftool_rejection(text: str) -> tuple[str, str, str] | None:
    """(program, strerror text, verifier log) of the first failed load in libbpf's output."""
    m = _FAIL.search(text)
    if m is None:
        return None
    begin = text.find("-- BEGIN PROG LOAD LOG --", m.end())
    end = text.find("-- END PROG LOAD LOG --", begin)
    log = text[begin + len("-- BEGIN PROG LOAD LOG --"):end] if begin >= 0 and end > begin else ""
    return m.group(1), m.group(2).strip(), log.strip("\n")


def kernel_ids() -> tuple[set[int], set[int]]:
    from bpfdoctor.kernel.objects import ObjKind, ids

    return set(ids(ObjKind.PROG)), set(ids(ObjKind.MAP))


from testlib import open_fds  # noqa: E402,F401  (re-exported for the loader tests)
