"""The running kernel as a ``compat`` target: its BTF, release, config and
kallsyms, read from this host (nothing is loaded).  Host code: it reads
``/sys`` and ``/proc`` and hands the facts to the pure ``compat.targets``."""

from __future__ import annotations

from bpfdoctor.compat.targets import Target, file_targets, option_at, read_config, read_system_map

VMLINUX = "/sys/kernel/btf/vmlinux"


def running_target(config_path: str | None = None, map_path: str | None = None,
                   release: str | None = None) -> Target:
    """The running kernel; ``config_path``/``map_path``/``release`` replace
    what this host says (its config, ``/proc/kallsyms``, ``uname -r``)."""
    from bpfdoctor.btf import parse_btf
    from bpfdoctor.errors import HostError, InputError
    from bpfdoctor.host.kernel_info import kernel_config, kernel_release

    try:
        with open(VMLINUX, "rb") as f:
            data = f.read()
    except OSError as e:
        raise HostError(f"{VMLINUX}: cannot read the running kernel's BTF ({e.strerror}); "
                        "give a target with --btf") from None
    rel = release or kernel_release()
    if config_path:
        cfg = read_config(config_path)
    else:
        kc = kernel_config(release=rel)
        cfg = {k.removeprefix("CONFIG_"): v for k, v in kc.values.items()} if kc.source else None
    if map_path:
        syms = read_system_map(map_path)
    else:
        try:
            syms = read_system_map("/proc/kallsyms")
        except InputError:  # unreadable here: kprobe targets are then judged from BTF only
            syms = None
    return Target(f"{rel} (running)", parse_btf(data, path=VMLINUX), rel, cfg, syms, source=VMLINUX)


def compat_targets(btf_files=(), configs=(), maps=(), releases=()) -> list[Target]:
    """The targets ``compat`` checks: the files given, or the running kernel."""
    if not btf_files:
        return [running_target(option_at(configs, 0), option_at(maps, 0), option_at(releases, 0))]
    return file_targets(btf_files, configs, maps, releases)
