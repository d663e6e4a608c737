"""The ``loader`` family: what ``bpfdoctor load`` does to an object before its
first ``bpf()`` call.

``load`` takes the user's object and, like libbpf, checks it, picks the
programs and their types, resolves ``.kconfig`` and ``.ksyms`` externs
against the kernel, rewrites the object's BTF for the kernel (DATASEC sizes
and offsets, kconfig, ksyms, hidden functions; kinds an older kernel lacks),
plans every map (legacy ``maps``, BTF ``.maps``, data sections, kconfig, map
slots), relocates each function (maps, data, externs, CO-RE against vmlinux),
links the subprograms and rebuilds func/line info for each program.  All of
that is plain computation on the file: this target runs it with a kernel
environment that answers from memory (the running kernel's vmlinux BTF,
kallsyms and config, read once; no feature probe loads anything) and fake
descriptors where the kernel would have made maps, so nothing reaches the
kernel.  What would go to the kernel is built as ``load`` builds it: the
``BPF_MAP_CREATE`` and ``BPF_PROG_LOAD`` attributes (names, license, whole
instructions, func/line info), short of the system call.  Each input is prepared twice: for a kernel with every BTF kind, and
for one with none of the optional ones (the sanitizing rewrites).
"""

from __future__ import annotations

from .targets import Target, _write

_SHARED: dict = {}


def _shared() -> dict:
    """The kernel facts every input sees (read once: they do not depend on it)."""
    if not _SHARED:
        from bpfdoctor.host.kernel_info import kernel_config
        from bpfdoctor.kernel.loader.env import KernelEnv

        probe = KernelEnv()
        _SHARED.update(vmlinux=probe.vmlinux, kallsyms=probe.kallsyms,
                       config=dict(kernel_config().values), release=probe.release)
    return _SHARED


def loader_env(all_kinds: bool):
    """A ``KernelEnv`` that never asks the kernel: every probed fact given."""
    from bpfdoctor.kernel.loader.btfprep import BtfFeatures
    from bpfdoctor.kernel.loader.env import KernelEnv

    s = _shared()
    feats = BtfFeatures(**{k: all_kinds for k in BtfFeatures.__slots__})
    env = KernelEnv(config=s["config"], release=s["release"], btf_features=feats)
    env.__dict__.update(vmlinux=s["vmlinux"], kallsyms=s["kallsyms"], has_bpf_cookie=all_kinds,
                        has_syscall_wrapper=False)
    return env


class _LoadedBtf:
    fd = 99  # where the object's BTF would be in the kernel


def _prepare(obj, env):
    from bpfdoctor.errors import InputError
    from bpfdoctor.kernel.loader import objload

    try:
        return objload.prepare(obj, env)
    except InputError:
        # a section naming no type: load --type, as a user would (any other
        # problem is raised again by the second call)
        return objload.prepare(obj, env, prog_type="socket_filter")


def t_loader_prepare(data: bytes) -> None:
    from bpfdoctor.elf import open_object
    from bpfdoctor.kernel.loader import mapcreate, objload
    from bpfdoctor.kernel.loader.btfext_raw import raw_ext as build_raw_ext
    from bpfdoctor.kernel.loader.loadone import kernel_args
    from bpfdoctor.kernel.loader.mapplan import plan_maps
    from bpfdoctor.kernel.loader.progload import AttachError, line_lookup
    from bpfdoctor.kernel.loader.relocate import RelocError, Relocator, link
    from bpfdoctor.kernel.maps import map_create_attr
    from bpfdoctor.kernel.progs import prog_load_attr

    obj = open_object(_write(data, "loader.o"))
    for all_kinds in (True, False):
        env = loader_env(all_kinds)
        prep = _prepare(obj, env)
        raw = prep.raw
        if raw is not None:
            raw.tobytes()
        plans = plan_maps(obj, raw, prep.externs.kconfig_data)
        fds = {}
        for fd, plan in enumerate(plans, 100):
            # the attributes BPF_MAP_CREATE would get, with BTF and without (libbpf's retry)
            shape = mapcreate.runtime_shape(plan)
            map_create_attr(**mapcreate.create_args(shape, 98, 0))
            map_create_attr(**mapcreate.create_args(shape.without_btf(), 0, 0))
            mapcreate.slot_updates(plan, lambda name: 7)
            fds[plan.name] = fd
        t = objload.targets(prep.externs, plans, lambda plan: fds[plan.name])
        raw_ext = build_raw_ext(obj.btf_ext) if raw is not None and obj.btf_ext is not None else None
        relocated = Relocator(obj, t, lambda env=env: env.core_candidates)
        for p in prep.selected:
            ptype, atype = prep.types[p.name]
            try:
                linked = link(relocated, p)
                args, lines = kernel_args(obj, p, ptype, atype, linked, raw_ext, env,
                                          _LoadedBtf() if raw is not None else None)
            except (RelocError, AttachError):
                continue  # load reports it as the program's error
            prog_load_attr(**args)  # the attributes BPF_PROG_LOAD would get
            lookup = line_lookup(lines, obj.btf)
            if lookup is not None:
                for i in range(0, len(linked.buf), max(1, len(linked.buf) // 8)):
                    lookup(i)


LOAD = [
    Target("loader.prepare", "loader", "elf", t_loader_prepare, (),
           "load's preparation: externs, BTF for the kernel, map plans, relocation, CO-RE, linking"),
]
