"""The command line: a thin click layer.

Each command group lives in its own module and is imported only when it is
invoked, so ``bpfdoctor disasm`` does not pay for ``rich`` or ``capstone``.
This module is the one place that turns ``BpfDoctorError`` into a one-line
message and an exit code; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

import click

from bpfdoctor import __version__
from bpfdoctor.errors import BpfDoctorError

# command name -> (module, attribute, one-line help).  The help is here so that
# ``bpfdoctor --help`` does not import every command module.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "check": ("bpfdoctor.cli.check", "check", "Is this host ready for eBPF, and why not."),
    "memlock": ("bpfdoctor.cli.check", "memlock", "Locked memory: limits, accounting, what an object's maps need."),
    "elf": ("bpfdoctor.cli.elf", "elf", "Inspect a BPF object file: sections, symbols, relocations, summary."),
    "disasm": ("bpfdoctor.cli.elf", "disasm", "Disassemble a BPF object (llvm-objdump -d compatible)."),
    "btf": ("bpfdoctor.cli.btf", "btf", "Read BTF from an object or a raw BTF file."),
    "load": ("bpfdoctor.cli.load", "load", "Load an object's programs into the kernel and report the verifier's answer."),
    "explain": ("bpfdoctor.cli.explain", "explain", "Explain a verifier log: failing instruction, source line, cause, fix."),
    "jit": ("bpfdoctor.cli.jit", "jit", "JIT dumps from the kernel log (bpf_jit_enable=2), like bpf_jit_disasm."),
    "prog": ("bpfdoctor.cli.prog", "prog", "Loaded programs: list, dump xlated, dump jited."),
}


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


_CONTROL = None


def one_line(text: str) -> str:
    """``text`` with control characters escaped: a message quoting a name from
    the user's file (which may hold newlines or terminal escapes) stays one
    line and cannot drive the terminal."""
    global _CONTROL
    if _CONTROL is None:
        import re

        _CONTROL = re.compile("[\x00-\x1f\x7f]")
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _debug_requested(argv: list[str]) -> bool:
    return "--debug" in argv or bool(os.environ.get("BPFDOCTOR_DEBUG"))


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    try:
        rv = cli.main(args=args, prog_name="bpfdoctor", standalone_mode=False)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(2)
    except click.exceptions.Abort:
        sys.stderr.write("bpfdoctor: aborted\n")
        sys.exit(130)
    except BrokenPipeError:
        # The reader went away (``| head``); not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except BpfDoctorError as e:
        if _debug_requested(args):
            raise
        sys.stderr.write(f"bpfdoctor: {one_line(str(e))}\n")
        if e.hint:
            sys.stderr.write(f"hint: {one_line(e.hint)}\n")
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    # Commands return their exit code (an int) or None for 0.
    sys.exit(rv if isinstance(rv, int) else 0)
