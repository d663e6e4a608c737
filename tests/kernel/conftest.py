"""The ``bpf_kernel`` fixture: skips, with the kernel's own reason, where
bpf() is refused (no CAP_BPF, unprivileged BPF disabled, no BPF syscall)."""

from __future__ import annotations

import os

import pytest


def _bpf_refusal() -> str | None:
    from bpfdoctor.errors import SyscallError
    from bpfdoctor.kernel.enums import MapType
    from bpfdoctor.kernel.maps import create_map

    try:
        create_map(MapType.ARRAY, 4, 4, 1).close()
    except SyscallError as e:
        return f"bpf() refused here: {e}"
    return None


@pytest.fixture(scope="session")
def bpf_kernel():
    reason = _bpf_refusal()
    if reason:
        pytest.skip(reason)
    return True


def open_fds() -> set[int]:
    return {int(n) for n in os.listdir("/proc/self/fd")}


@pytest.fixture
def no_fd_leak(bpf_kernel):
    """Fails the test if it leaves a descriptor open."""
    before = open_fds()
    yield
    import gc

    gc.collect()
    leaked = open_fds() - before
    assert not leaked, f"descriptors left open: {sorted(leaked)}"
