"""The click group of the command line (imported only when a command runs).

Commands are listed in ``bpfdoctor.cli.COMMANDS`` and their modules imported
only when invoked, so ``bpfdoctor disasm`` does not pay for ``rich`` or
``capstone``.
"""

from __future__ import annotations

import importlib
import importlib.util

import click

from bpfdoctor import __version__
from bpfdoctor.cli import COMMANDS


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if _available(name)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        spec = COMMANDS.get(name)
        if spec is None or not _available(name):
            return None
        module = importlib.import_module(spec[0])
        return getattr(module, spec[1])

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _available(name: str) -> bool:
    module = COMMANDS[name][0]
    return importlib.util.find_spec(module) is not None


class State:
    """Options of the top-level group, reachable by every command."""

    def __init__(self, debug: bool, color: bool | None) -> None:
        self.debug = debug
        self.color = color


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bpfdoctor")
@click.option("--debug", is_flag=True, envvar="BPFDOCTOR_DEBUG", help="Show tracebacks and debug logging.")
@click.option("--color/--no-color", default=None, help="Force colour on or off (default: on a terminal, unless NO_COLOR).")
@click.pass_context
def cli(ctx: click.Context, debug: bool, color: bool | None) -> None:
    """bpfdoctor: troubleshoot eBPF on Linux."""
    ctx.obj = State(debug=debug, color=color)
    if debug:
        import logging  # ~3 ms; only --debug needs it here

        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
