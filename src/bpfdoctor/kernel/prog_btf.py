"""BTF a loaded program refers to, read back from the kernel.

A program's ``btf_id`` names the BTF object its loader gave the kernel
(libbpf: the object file's .BTF).  bpftool reads it with
``btf__load_from_kernel_by_id`` as standalone BTF; module BTF (kernel_btf
set, not vmlinux) is split BTF and is parsed on top of vmlinux.
"""

from __future__ import annotations

import errno as E

from bpfdoctor.btf import Btf, Kind, parse_btf
from bpfdoctor.errors import BpfDoctorError, SyscallError
from bpfdoctor.kernel import info as kinfo
from bpfdoctor.kernel import objects
from bpfdoctor.kernel.objects import ObjKind
from bpfdoctor.lazylog import get_logger

log = get_logger(__name__)
VMLINUX_BTF = "/sys/kernel/btf/vmlinux"


def program_btf(btf_id: int, cache: dict[int, Btf | None] | None = None) -> Btf | None:
    """The parsed BTF object ``btf_id``; None when it is gone or unreadable."""
    if cache is not None and btf_id in cache:
        return cache[btf_id]
    btf = _fetch(btf_id)
    if cache is not None:
        cache[btf_id] = btf
    return btf


def _fetch(btf_id: int) -> Btf | None:
    try:
        with objects.fd_by_id(ObjKind.BTF, btf_id) as fd:
            rec = kinfo.btf_info(fd, with_data=True)
    except SyscallError as e:
        if e.errno == E.ENOENT:
            log.debug("BTF %d went away", btf_id)
            return None
        raise
    base = vmlinux_btf() if rec.kernel_btf and rec.name != "vmlinux" else None
    try:
        return parse_btf(rec.data, path=f"BTF id {btf_id}", base=base)
    except BpfDoctorError as e:
        log.warning("BTF id %d cannot be parsed: %s", btf_id, e)
        return None


def vmlinux_btf(path: str = VMLINUX_BTF) -> Btf | None:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        log.debug("cannot read %s: %s", path, e)
        return None
    return parse_btf(data, path=path)


def kernel_helper_names(path: str = VMLINUX_BTF) -> dict[int, str]:
    """id -> ``bpf_<name>`` from the running kernel's ``enum bpf_func_id``
    (include/uapi/linux/bpf.h ``__BPF_FUNC_MAPPER``: ``BPF_FUNC_x`` is ``bpf_x``)."""
    btf = vmlinux_btf(path)
    if btf is None:
        return {}
    ids = btf.find_ids("bpf_func_id", Kind.ENUM)
    if not ids:
        return {}
    out = {}
    for v in btf.type(ids[0]).values:
        if v.name.startswith("BPF_FUNC_") and not v.name.startswith("__"):
            out[v.value] = "bpf_" + v.name[len("BPF_FUNC_"):]
    return out
