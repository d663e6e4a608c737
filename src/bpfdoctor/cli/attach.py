"""``bpfdoctor attach``: will these programs attach here, and why not."""

from __future__ import annotations

from bpfdoctor.cli import args as cli


@cli.command("attach")
@cli.argument("obj", type=cli.Path(dir_okay=False))
@cli.option("--program", "programs", multiple=True, metavar="NAME", help="Only this program (repeatable).")
@cli.option("--iface", default=None, metavar="IF", help="Interface for xdp and tc programs.")
@cli.option("--cgroup", default=None, metavar="PATH", help="cgroup v2 directory for cgroup programs.")
@cli.option("--dry-run", is_flag=True, help="Only check the targets on this host; load and attach nothing.")
@cli.option("--xdp-mode", type=cli.Choice(["auto", "native", "generic"]), default="auto", show_default=True,
            help="auto: native, falling back to generic when the driver refuses.")
@cli.option("--tc-mode", type=cli.Choice(["auto", "tcx", "netlink"]), default="auto", show_default=True,
            help="tc programs: tcx links, or a clsact bpf filter over netlink (auto: tcx, else netlink).")
@cli.option("--mount-tracefs", is_flag=True,
            help="Mount tracefs in a private mount namespace of this process if it is not mounted.")
@cli.option("--sock-map", default=None, metavar="MAP",
            help="sk_skb/sk_msg programs: the object's sockmap or sockhash to attach to (default: the first).")
@cli.option("--netns", default=None, metavar="PATH",
            help="sk_lookup/flow_dissector programs: network namespace file (default: this process's).")
@cli.option("--perf-event", default=None, metavar="EVENT",
            help="perf_event programs: a generic event as perf names it (default: cpu-clock).")
@cli.option("--perf-cpu", default=0, show_default=True, type=cli.IntRange(0, 2**31 - 1),
            help="perf_event programs: the CPU to sample.")
@cli.option("--root", default="/", hidden=True, help="Read host facts under this root (tests).")
@cli.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def attach(obj, programs, iface, cgroup, dry_run, xdp_mode, tc_mode, mount_tracefs, sock_map, netns, perf_event,
           perf_cpu, root, as_json) -> int:
    """Resolve each program's attach target from its section name (as libbpf
    does), check it exists on this host and say why not; then, unless
    --dry-run, attach for real, report the kernel's errno with its meaning,
    and detach.  Nothing stays attached or loaded."""
    from bpfdoctor.doctor.attach_run import check_attach
    from bpfdoctor.render.attach import attach_text
    from bpfdoctor.render.output import write_json, write_text

    report = check_attach(obj, programs=programs or None, iface=iface, cgroup=cgroup, dry_run=dry_run,
                          xdp_mode=xdp_mode, tc_mode=tc_mode, root=root, mount_tracefs=mount_tracefs,
                          sock_map=sock_map, netns=netns, perf_event=perf_event, perf_cpu=perf_cpu)
    if as_json:
        write_json(report.to_dict())
    else:
        write_text(attach_text(report))
    return 0 if all(p.ok for p in report.programs) else 1
