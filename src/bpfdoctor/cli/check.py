"""``bpfdoctor check`` and ``bpfdoctor memlock``: thin CLI layer."""

from __future__ import annotations

import os
import time

from bpfdoctor.cli import args as cli

from bpfdoctor.errors import InputError


def _print(state, lines) -> None:
    from bpfdoctor.render.output import console
    from bpfdoctor.render.findings import print_rich

    print_rich(console(state.color), lines)


def check_root(root: str) -> None:
    """``--root`` must be a directory holding a host's /proc or /sys."""
    if not os.path.isdir(root):
        raise InputError(root, "not a directory")
    if not any(os.path.isdir(os.path.join(root, d)) for d in ("proc", "sys", "boot")):
        raise InputError(root, "not a host snapshot: it has no proc/, sys/ or boot/ directory",
                         hint="--root wants a copy of a host's /proc and /sys, e.g. DIR/proc/sys/kernel/osrelease")


def check_writable(path: str) -> None:
    """The --prometheus file can be written: its directory exists and takes new files."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(directory):
        raise InputError(path, f"cannot write: directory {directory} does not exist")
    if os.path.isdir(path):
        raise InputError(path, "cannot write: it is a directory")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InputError(path, f"cannot write: no permission to create files in {directory}")


def write_prometheus(path: str, text: str) -> None:
    """Write atomically: temp file in the same directory, then rename."""
    import tempfile  # only with --prometheus: it pulls in random and shutil

    directory = os.path.dirname(os.path.abspath(path)) or "."
    try:
        fd, tmp = tempfile.mkstemp(prefix=".bpfdoctor-", suffix=".prom.tmp", dir=directory)
    except OSError as e:
        raise InputError(path, f"cannot write: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        os.unlink(tmp)
        raise InputError(path, f"cannot write: {e.strerror}") from None


@cli.command("check")
@cli.option("--json", "as_json", is_flag=True, help="Print the report as JSON (schema in the README).")
@cli.option("--prometheus", "prom_file", metavar="FILE",
            help="Also write the findings in Prometheus text format (node_exporter textfile collector).")
@cli.option("--fix", is_flag=True, help="Apply the safe fixes the report lists, and report each change.")
@cli.option("--root", default="/", show_default=True, metavar="DIR",
            help="Read /proc and /sys under DIR (kernel probes run only for /).")
@cli.option("--no-probe", is_flag=True, help="Do not load test programs or create test maps.")
@cli.option("--no-cache", is_flag=True,
            help="Probe features again instead of reusing this boot's answer (and refresh it).")
@cli.option("-v", "--verbose", is_flag=True, help="Show fixes and references for every finding.")
@cli.pass_state
def check(state, as_json, prom_file, fix, root, no_probe, no_cache, verbose):
    """Is this host ready for eBPF, and why not.  Exit 0 ok, 1 warnings, 2 failures."""
    from bpfdoctor.doctor.report import AREAS, run_check

    check_root(root)
    if prom_file:
        check_writable(prom_file)  # before minutes of probes, not after
    from bpfdoctor.doctor.probe_cache import set_enabled

    set_enabled(not no_cache)
    report = run_check(root, probe=not no_probe)
    if fix:
        from bpfdoctor.record import replace

        from bpfdoctor.doctor.fix import apply_fixes

        report = replace(report, actions=apply_fixes(report))
    if prom_file:
        from bpfdoctor.render.prometheus import render_prometheus

        write_prometheus(prom_file, render_prometheus(report.findings, timestamp=time.time()))
    if as_json:
        from bpfdoctor.render.output import write_json

        write_json(report.to_dict())
        return report.exit_code
    from bpfdoctor.render.findings import check_lines

    _print(state, check_lines(report, AREAS, verbose))
    return report.exit_code


@cli.command("memlock")
@cli.argument("obj", required=False, type=cli.Path(dir_okay=False))
@cli.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@cli.option("--root", default="/", show_default=True, metavar="DIR", help="Read /proc and /sys under DIR.")
@cli.pass_state
def memlock(state, obj, as_json, root):
    """Locked memory: limits, accounting mode, and what OBJ's maps need."""
    from bpfdoctor.doctor.memlock_report import memlock_report

    check_root(root)
    if obj is not None and not os.path.isfile(obj):
        raise InputError(obj, "no such file")
    report = memlock_report(obj, root=root)
    if as_json:
        from bpfdoctor.render.output import write_json

        write_json(report.to_dict())
        return report.exit_code
    from bpfdoctor.render.findings import memlock_lines

    _print(state, memlock_lines(report))
    return report.exit_code
