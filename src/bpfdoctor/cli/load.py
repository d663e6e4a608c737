"""``bpfdoctor load``: load an object's programs, report the verifier's answer.

Thin: check the options, call ``bpfdoctor.kernel.loader.load_object``,
make its report (``doctor.load_report``) and render it (``render.load``).
Exit code 0 when every program loaded, 1 when some were rejected, 2 on bad
input (via the CLI's error handling).  Everything is unloaded before
exit unless ``--pin DIR`` asks to keep it.
"""

from __future__ import annotations

from bpfdoctor.cli import args as cli


def _type_help() -> str:
    from bpfdoctor.kernel.loader.consts import prog_type_names

    return ("Program type for every selected program (for sections libbpf does not know): "
            + ", ".join(prog_type_names()) + ".")


@cli.command("load")
@cli.argument("obj", type=cli.Path(dir_okay=False))
@cli.option("--program", "programs", multiple=True, metavar="NAME",
            help="Load only this program (repeatable); default: all.")
@cli.option("--type", "prog_type", default=None, metavar="TYPE", help=_type_help)
@cli.option("--log-level", type=cli.IntRange(0, 7), default=0, show_default=True,
            help="Verifier log level (1: decisions, 2: every state); 0 logs only on rejection.")
@cli.option("--pin", "pin_dir", default=None, metavar="DIR",
            help="Keep programs and maps loaded: pin them under DIR (must be on bpffs).")
@cli.option("--btf", "core_btf", default=None, metavar="FILE", type=cli.Path(dir_okay=False),
            help="Target BTF for CO-RE relocations instead of the kernel's (libbpf btf_custom_path), "
                   "e.g. from compat --emit-min-btf.")
@cli.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@cli.option("--log", "show_log", is_flag=True, help="Show the whole verifier log.")
@cli.pass_state
def load(state, obj: str, programs: tuple[str, ...], prog_type: str | None, log_level: int,
         pin_dir: str | None, core_btf: str | None, as_json: bool, show_log: bool) -> int:
    """Load OBJ's programs into the kernel, the way libbpf would, and report
    per program: id, tag, sizes and verifier statistics, or why the verifier
    rejected it (error, instruction, source line, explanation, fix)."""
    from bpfdoctor.doctor.load_report import load_report
    from bpfdoctor.kernel.loader import load_object

    if pin_dir is not None:
        from bpfdoctor.kernel.loader.pin import check_pin_dir

        pin_dir = check_pin_dir(pin_dir)
    env = None
    if core_btf is not None:
        from bpfdoctor.kernel.loader.env import KernelEnv

        env = KernelEnv(core_btf_path=core_btf)
        env.core_btf  # a bad file is bad input, before anything is loaded
    with load_object(obj, programs=programs or None, prog_type=prog_type, log_level=log_level,
                     env=env) as lo:
        if pin_dir is not None and lo.map_failure is None and (lo.programs or lo.maps):
            lo.pin(pin_dir)
        report = load_report(lo, show_log or log_level > 0)
    if as_json:
        from bpfdoctor.render.output import write_json

        write_json(report.to_dict())
    else:
        from bpfdoctor.render.load import print_load

        print_load(report, state.color, show_log or log_level > 0)
    return report.exit_code


__all__ = ["load"]
