"""Shared fixtures; helpers live in testlib.py."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from testlib import BPF_DIR, BUILD, bpf_refusal, ensure_built, open_fds  # noqa: E402


@pytest.fixture(scope="session")
def bpf_kernel():
    """Skips, with the kernel's own reason, where bpf() is refused (no CAP_BPF,
    unprivileged BPF disabled, no BPF syscall)."""
    reason = bpf_refusal()
    if reason:
        pytest.skip(reason)
    return True


@pytest.fixture
def no_fd_leak(bpf_kernel):
    """Fails the test if it leaves a descriptor open."""
    import gc

    before = open_fds()
    yield
    gc.collect()
    leaked = open_fds() - before
    assert not leaked, f"descriptors left open: {sorted(leaked)}"


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


# -- Nothing the suite does may stay in the kernel -------------------------------
# Programs, maps and bpffs pins that exist at the end of the run but not at its
# start fail the session.  (Another process loading programs at the same time
# would trip this too; CI runs the suite alone.)  BPFDOCTOR_SKIP_LEAK_CHECK=1
# turns it off for development on a shared machine.
_KERNEL_BEFORE: dict[str, set] | None = None


def _kernel_snapshot() -> dict[str, set] | None:
    import os

    try:
        from bpfdoctor.errors import BpfDoctorError
        from bpfdoctor.kernel.objects import ObjKind, ids

        snap = {"programs": set(ids(ObjKind.PROG)), "maps": set(ids(ObjKind.MAP))}
    except (BpfDoctorError, OSError):
        return None  # no bpf() here: nothing can leak
    pins = set()
    for top, _dirs, files in os.walk("/sys/fs/bpf"):
        pins.update(os.path.join(top, f) for f in files)
    snap["pins"] = pins
    return snap


def pytest_sessionstart(session):
    import os

    global _KERNEL_BEFORE
    if not os.environ.get("BPFDOCTOR_SKIP_LEAK_CHECK"):
        _KERNEL_BEFORE = _kernel_snapshot()


def pytest_sessionfinish(session, exitstatus):
    import gc
    import time

    if _KERNEL_BEFORE is None:
        return
    gc.collect()  # fds owned by dropped objects
    # The kernel frees a program's maps from a workqueue after the program
    # goes (bpf_map_put -> bpf_map_free_deferred): give it a few seconds.
    deadline = time.monotonic() + 5
    while True:
        after = _kernel_snapshot() or {}
        left = {k: sorted(after.get(k, set()) - v) for k, v in _KERNEL_BEFORE.items()}
        left = {k: v for k, v in left.items() if v}
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if left:
        session.config.get_terminal_writer().line(
            f"bpfdoctor tests left objects in the kernel: {left}", red=True)
        session.exitstatus = 1
