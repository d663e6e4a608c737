"""Kernel BTF under ``/sys/kernel/btf``."""

from __future__ import annotations

import os

from bpfdoctor.record import record


@record
class KernelBtf:
    """Kernel BTF on the host: whether ``/sys/kernel/btf/vmlinux`` exists and
    starts with the BTF magic (``vmlinux_readable``), and its size in bytes."""

    vmlinux_present: bool
    vmlinux_readable: bool
    vmlinux_size: int
    module_count: int  # files other than vmlinux: one per module with BTF


def read_kernel_btf(root: str | os.PathLike = "/") -> KernelBtf:
    base = os.path.join(root, "sys/kernel/btf")
    vmlinux = os.path.join(base, "vmlinux")
    present = os.path.exists(vmlinux)
    readable, size = False, 0
    if present:
        try:
            with open(vmlinux, "rb") as f:
                readable = f.read(4)[:2] in (b"\x9f\xeb", b"\xeb\x9f")
                size = os.fstat(f.fileno()).st_size
        except OSError:
            readable = False
    try:
        modules = sum(1 for e in os.scandir(base) if e.name != "vmlinux")
    except OSError:
        modules = 0
    return KernelBtf(present, readable, size, modules)
