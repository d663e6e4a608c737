"""System code that talks to the running kernel through ``bpf(2)``.

Every call goes through :func:`bpfdoctor.kernel.syscall.invoke`; every
descriptor is owned by an object that closes it (``with`` or ``close()``).

Public API (import from the submodules; this package imports nothing heavy):

- ``syscall.bpf(cmd, attr, size=None) -> int``; ``syscall.invoke(cmd, addr, size) -> (rv, errno)``
- ``maps.create_map(type, key_size, value_size, max_entries, **opts) -> Map``
- ``progs.load_program(prog_type, insns, license="GPL", **opts) -> Program``
- ``btf.load_btf(data, log_level=0) -> Btf``
- ``info.prog_info / map_info / btf_info / link_info(fd)``
- ``objects.ids(kind) / next_id / fd_by_id / pin / obj_get``
- ``probes.probe_all(...)`` and the single probes
- ``memlock.raise_memlock()``
"""
