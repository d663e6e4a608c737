"""``bpfdoctor compat``: will this object load on those kernels? Offline.

Thin: build the targets (the running kernel by default, read through
``bpfdoctor.host``; or files), call ``bpfdoctor.compat.compat_report``,
render.  Exit 0 when every program is compatible with every target, 1 when
not, 2 on bad input.
"""

from __future__ import annotations

import click


@click.command("compat")
@click.argument("obj", type=click.Path(dir_okay=False))
@click.option("--btf", "btf_files", multiple=True, metavar="FILE",
              help="Target kernel: its BTF (/sys/kernel/btf/vmlinux copied from it), a vmlinux, "
                   "a vmlinuz/bzImage, or a linux-image .deb (repeatable; default: the running kernel).")
@click.option("--config", "configs", multiple=True, metavar="FILE",
              help="Kernel config (a .config or config.gz): one per --btf, in the same order.")
@click.option("--system-map", "maps", multiple=True, metavar="FILE",
              help="System.map (or a kallsyms copy), one per --btf in the same order: names "
                   "kprobe targets that exist only as .isra/.constprop clones.")
@click.option("--release", "releases", multiple=True, metavar="REL",
              help="Release of each target (one per --btf, in order; '-' keeps what the file says).")
@click.option("--emit-min-btf", "min_btf", default=None, metavar="OUT",
              help="Write the part of the (single) target's BTF that the object's CO-RE "
                   "relocations need, like bpftool gen min_core_btf.")
@click.option("--type", "prog_type", default=None, metavar="TYPE",
              help="Program type for sections libbpf does not know (as load --type, e.g. xdp).")
@click.option("--details", is_flag=True, help="List every requirement that is not plainly ok, per cell.")
@click.option("--json", "as_json", is_flag=True, help="Every requirement of every cell as JSON.")
@click.pass_context
def compat(ctx: click.Context, obj: str, btf_files: tuple[str, ...], configs: tuple[str, ...],
           maps: tuple[str, ...], releases: tuple[str, ...], min_btf: str | None, prog_type: str | None,
           details: bool,
           as_json: bool) -> int:
    """Check OBJ against target kernels without loading anything: per program
    and target, CO-RE relocations, program/attach/map types, helpers, kfuncs,
    attach points, ISA level, features and kernel config, with the evidence."""
    from bpfdoctor.compat import compat_report
    from bpfdoctor.elf import open_object
    from bpfdoctor.errors import UsageError

    bobj = open_object(obj)
    n = max(len(btf_files), 1)
    for opt, vals in (("--config", configs), ("--system-map", maps), ("--release", releases)):
        # click does not keep the order of different options, so these pair
        # with the targets by count: one per target, in --btf order, or none.
        if vals and len(vals) != n:
            raise UsageError(f"{opt} given {len(vals)} time(s) for {n} target(s): give one per --btf, "
                             "in the same order, or none")
    targets = _targets(btf_files, configs, maps, releases)
    if min_btf is not None:
        if len(targets) != 1:
            raise UsageError("--emit-min-btf needs exactly one target (one --btf, or none for this kernel)")
        from bpfdoctor.compat.minbtf import minimal_btf

        data = minimal_btf(bobj, targets[0].btf)
        try:
            with open(min_btf, "wb") as f:
                f.write(data)
        except OSError as e:
            from bpfdoctor.errors import InputError

            raise InputError(min_btf, e.strerror or str(e)) from None
    if prog_type is not None:
        from bpfdoctor.kernel.loader.consts import prog_type_by_name

        if prog_type_by_name(prog_type) is None:
            raise UsageError(f"unknown program type {prog_type!r}")
    report = compat_report(bobj, targets, prog_type=prog_type)
    if as_json:
        from bpfdoctor.render.output import write_json

        out = report.to_dict()
        if min_btf is not None:
            out["min_btf"] = {"path": min_btf, "bytes": len(data)}
        write_json(out)
    else:
        from rich.text import Text

        from bpfdoctor.render.compat import compat_lines
        from bpfdoctor.render.output import console

        con = console(getattr(ctx.obj, "color", None))
        for line, style in compat_lines(report, details):
            con.print(Text(line, style=style or ""))
        if min_btf is not None:
            con.print(Text(f"wrote {min_btf} ({len(data)} bytes of BTF for {targets[0].name})"))
    return 0 if report.compatible else 1


def _targets(btf_files, configs, maps, releases):
    from bpfdoctor.compat.targets import load_target, read_system_map

    def at(vals, i):  # "-" keeps what the file says
        return vals[i] if i < len(vals) and vals[i] not in ("-", "") else None

    if not btf_files:
        return [_running(at(configs, 0), at(maps, 0), at(releases, 0))]
    out = []
    for i, path in enumerate(btf_files):
        t = load_target(path, config_path=at(configs, i), release=at(releases, i))
        if at(maps, i):
            t.symbols = read_system_map(maps[i])
        out.append(t)
    names = [t.name for t in out]
    for i, t in enumerate(out):  # two files of one release: tell them apart
        if names.count(t.name) > 1:
            t.name = f"{t.name}#{i + 1}"
    return out


def _running(config_path, map_path, release):
    """The running kernel: its BTF, release, config and kallsyms (read, nothing loaded)."""
    from bpfdoctor.compat.targets import Target, read_config, read_system_map
    from bpfdoctor.btf import parse_btf
    from bpfdoctor.errors import HostError, InputError
    from bpfdoctor.host.kernel_info import kernel_config, kernel_release

    path = "/sys/kernel/btf/vmlinux"
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise HostError(f"{path}: cannot read the running kernel's BTF ({e.strerror}); "
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
    return Target(f"{rel} (running)", parse_btf(data, path=path), rel, cfg, syms, source=path)
