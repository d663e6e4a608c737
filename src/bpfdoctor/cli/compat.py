"""``bpfdoctor compat``: will this object load on those kernels? Offline.

Thin: parse the options, build the targets
(``bpfdoctor.host.compat_target``: the running kernel by default, or files),
call ``bpfdoctor.compat.compat_report``, render.  Exit 0 when every program is compatible with every target, 1 when
not, 2 on bad input.
"""

from __future__ import annotations

from bpfdoctor.cli import args as cli


@cli.command("compat")
@cli.argument("obj", type=cli.Path(dir_okay=False))
@cli.option("--btf", "btf_files", multiple=True, metavar="FILE",
            help="Target kernel: its BTF (/sys/kernel/btf/vmlinux copied from it), a vmlinux, "
                   "a vmlinuz/bzImage, or a linux-image .deb (repeatable; default: the running kernel).")
@cli.option("--config", "configs", multiple=True, metavar="FILE",
            help="Kernel config (a .config or config.gz): one per --btf, in the same order.")
@cli.option("--system-map", "maps", multiple=True, metavar="FILE",
            help="System.map (or a kallsyms copy), one per --btf in the same order: names "
                   "kprobe targets that exist only as .isra/.constprop clones.")
@cli.option("--release", "releases", multiple=True, metavar="REL",
            help="Release of each target (one per --btf, in order; '-' keeps what the file says).")
@cli.option("--emit-min-btf", "min_btf", default=None, metavar="OUT",
            help="Write the part of the (single) target's BTF that the object's CO-RE "
                   "relocations need, like bpftool gen min_core_btf.")
@cli.option("--type", "prog_type", default=None, metavar="TYPE",
            help="Program type for sections libbpf does not know (as load --type, e.g. xdp).")
@cli.option("--details", is_flag=True, help="List every requirement that is not plainly ok, per cell.")
@cli.option("--json", "as_json", is_flag=True, help="Every requirement of every cell as JSON.")
@cli.pass_state
def compat(state, obj: str, btf_files: tuple[str, ...], configs: tuple[str, ...],
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
        # the order of different options is not kept, so these pair
        # with the targets by count: one per target, in --btf order, or none.
        if vals and len(vals) != n:
            raise UsageError(f"{opt} given {len(vals)} time(s) for {n} target(s): give one per --btf, "
                             "in the same order, or none")
    from bpfdoctor.host.compat_target import compat_targets

    targets = compat_targets(btf_files, configs, maps, releases)
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
        from bpfdoctor.render.compat import compat_json
        from bpfdoctor.render.output import write_json

        write_json(compat_json(report, (min_btf, len(data)) if min_btf is not None else None))
    else:
        from bpfdoctor.render.compat import print_compat

        print_compat(report, details, state.color,
                     (min_btf, len(data), targets[0].name) if min_btf is not None else None)
    return 0 if report.compatible else 1
