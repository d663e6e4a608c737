"""The click group of the command line (imported only when a command runs).

Commands are listed in ``bpfdoctor.cli.COMMANDS`` and their modules imported
only when invoked, so ``bpfdoctor disasm`` does not pay for ``rich`` or
``capstone``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

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


# bpftool's words for what bpfdoctor calls otherwise: (their word, ours).
_BPFTOOL_VERBS = {"show": "list", "ls": "list"}


def run(args: list[str]):
    # Not cli.main(): click turns EPIPE into sys.exit(1) there.
    with cli.make_context("bpfdoctor", list(args)) as ctx:
        return cli.invoke(ctx)


def _usage_hint(e: click.ClickException, args: list[str]) -> str | None:
    """A suggestion for a usage error: the nearest command (bpftool's spelling
    included), or the same line without bpftool's ``file`` keyword."""
    import difflib

    ctx = getattr(e, "ctx", None)
    msg = e.format_message()
    if isinstance(e, click.UsageError) and msg.startswith("No such command") and ctx is not None:
        group = ctx.command
        word = msg.split("'")[1] if "'" in msg else ""
        names = group.list_commands(ctx) if isinstance(group, click.Group) else []
        path = ctx.command_path
        ours = _BPFTOOL_VERBS.get(word)
        if ours in names:
            return f"bpftool's '{word}' is '{path} {ours}' here"
        near = difflib.get_close_matches(word, names, n=1)
        if near:
            return f"did you mean '{path} {near[0]}'?"
        return f"commands: {', '.join(names)}" if names else None
    if "file" in args and "unexpected extra argument" in msg:
        fixed = [a for i, a in enumerate(args) if not (a == "file" and i + 1 < len(args))]
        return f"bpftool's 'file' keyword is not needed: bpfdoctor {' '.join(fixed)}"
    if ctx is not None:
        return f"see '{ctx.command_path} --help'"
    return None


def _path_problem(e: click.BadParameter) -> str | None:
    """One line for a bad file argument: 'bpfdoctor: DIR: is a directory ...'."""
    import re

    if not isinstance(getattr(e.param, "type", None), click.Path):
        return None
    m = re.search(r"'([^']*)'[^']*$", e.message)
    if m is None:
        return None
    path = m.group(1)
    if not os.path.lexists(path):
        return f"{path}: no such file or directory"
    if os.path.isdir(path):
        return f"{path}: is a directory, not a file"
    if not os.access(path, os.R_OK):
        return f"{path}: permission denied"
    return f"{path}: {e.message}"


def usage_error(e: click.ClickException, args: list[str]) -> None:
    """One line (and a hint) instead of click's usage block."""
    line = _path_problem(e) if isinstance(e, click.BadParameter) else None
    if line is None:
        ctx = getattr(e, "ctx", None)
        where = f"{ctx.command_path.removeprefix('bpfdoctor').strip()}: " if ctx is not None else ""
        line = f"{where}{e.format_message()}".lstrip(": ")
        hint = _usage_hint(e, args)
    else:
        hint = None
    sys.stderr.write(f"bpfdoctor: {line}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")


def complete() -> None:
    """Shell completion (click's protocol): ``eval "$(_BPFDOCTOR_COMPLETE=bash_source bpfdoctor)"``."""
    cli.main(prog_name="bpfdoctor", complete_var="_BPFDOCTOR_COMPLETE")

