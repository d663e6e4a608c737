"""The values feature probes return (kernel/probes.py makes them).

Apart from the probing code so that a cached answer (doctor/probe_cache.py)
can be rebuilt without importing ctypes, the syscall layer and the kernel
enums.
"""

from __future__ import annotations

from bpfdoctor.record import field, record



@record
class Probe:
    """One probe's answer.  ``available`` is None when the kernel would not
    let us find out (EPERM: privilege or a security module)."""

    name: str
    available: bool | None
    errno: int = 0
    detail: str = ""


@record
class Features:
    """Everything ``probe_all`` found: one Probe per program type, map type and
    misc feature (verifier limits, ISA levels), and per program type the
    helpers it may call (``helpers``) and may not (``helpers_unavailable``)."""

    prog_types: tuple[Probe, ...] = ()
    map_types: tuple[Probe, ...] = ()
    # program type name -> names of available helpers (``bpf_`` prefix dropped)
    helpers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    helpers_unavailable: dict[str, tuple[str, ...]] = field(default_factory=dict)
    misc: tuple[Probe, ...] = ()
    load_count: int = 0  # how many loads/creates the probe made
