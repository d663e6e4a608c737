"""Offline compatibility of a BPF object with target kernels (pure).

``compat_report(obj, targets)`` answers, per program and per target, every
requirement the program has of the kernel with the target's evidence: CO-RE
relocations (libbpf's rules), program/attach/map types, helpers, kfuncs,
ksyms, attach points, ISA level and features, kernel config.  Targets come
from ``compat.targets`` (BTF, vmlinux, bzImage or .deb); the minimal BTF
for one object from ``compat.minbtf``.
"""

from __future__ import annotations


def compat_report(obj, targets, *, prog_type: str | None = None):
    """``obj``: a ``BpfObject``; ``targets``: ``Target`` list -> ``CompatReport``.
    ``prog_type`` names the type of programs in sections libbpf does not know."""
    from bpfdoctor.compat.check import check_object
    from bpfdoctor.compat.collect import collect
    from bpfdoctor.errors import InputError

    if obj.btf is None and obj.btf_ext is None and not obj.programs:
        raise InputError(obj.path, "no programs to check")
    return check_object(collect(obj, prog_type), obj.btf, targets)
