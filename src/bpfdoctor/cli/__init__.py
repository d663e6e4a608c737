"""The command line: declarations in ``cli/args.py``, parsed with argparse.

Each command group lives in its own module and is imported only when it is
invoked, so ``bpfdoctor disasm`` does not pay for ``rich`` or ``capstone``.
This module is the one place that turns ``BpfDoctorError`` and usage errors
into a one-line message and an exit code; ``--debug`` shows the traceback.

Start-up is measured (bench/run.py): the interpreter's own start is the
unit; click cost about three times that, so the layer is argparse, and
``bpfdoctor --version`` and ``--help`` import neither.
"""

from __future__ import annotations

import os
import sys

from bpfdoctor import __version__

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
    "compat": ("bpfdoctor.cli.compat", "compat", "Will this object load on those kernels? Offline, per program and kernel."),
    "attach": ("bpfdoctor.cli.attach", "attach", "Will these programs attach here: check targets, attach, detach."),
    "trace": ("bpfdoctor.cli.trace", "trace", "bpf_printk output and program streams, and why nothing comes."),
    "map": ("bpfdoctor.cli.map", "map_group", "Loaded maps: list, dump contents pretty-printed from BTF."),
}



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


class State:
    """Options given before (or after) the command, reachable by every command."""

    def __init__(self, debug: bool = False, color: bool | None = None) -> None:
        self.debug = debug
        self.color = color


def load_command(name: str):
    """The ``Command`` or ``Group`` object of a top-level command (imports its module)."""
    module, attr, _ = COMMANDS[name]
    __import__(module)  # importlib.import_module would import importlib and warnings first
    return getattr(sys.modules[module], attr)


# Exit status when the reader of our output goes away (``| head``): what a
# process killed by SIGPIPE reports (128 + 13), so it is never mistaken for
# a verdict (0 ok, 1 warnings or rejected, 2 failures or bad input).
EXIT_BROKEN_PIPE = 141


def _broken_pipe() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second EPIPE when Python flushes at exit
    except (OSError, ValueError):
        pass
    sys.exit(EXIT_BROKEN_PIPE)


# Options of the top level.  They are accepted after the subcommand too
# (``bpfdoctor check --no-color``): moved in front before parsing.
_GLOBAL_FLAGS = ("--debug", "--color", "--no-color")
_GLOBAL_HELP = [("--version", "Show the version and exit."),
                ("--debug", "Show tracebacks and debug logging."),
                ("--color / --no-color", "Force colour on or off (default: on a terminal, unless NO_COLOR)."),
                ("-h, --help", "Show this message and exit.")]


def hoist_global_options(args: list[str]) -> list[str]:
    """Global flags that follow the subcommand go first; nothing after ``--``
    moves.  Generic: no subcommand defines these names."""
    if "--" in args:
        cut = args.index("--")
        head, tail = args[:cut], args[cut:]
    else:
        head, tail = list(args), []
    flags = [a for a in head if a in _GLOBAL_FLAGS]
    return flags + [a for a in head if a not in _GLOBAL_FLAGS] + tail


def top_help() -> str:
    from bpfdoctor.cli.args import format_usage

    return format_usage("bpfdoctor", "bpfdoctor: troubleshoot eBPF on Linux.",
                        [(n, h) for n, (_, _, h) in COMMANDS.items()], _GLOBAL_HELP)


def dispatch(args: list[str]):
    """Parse the global options, run the command; return its exit code.
    Raises ``CliUsageError`` for bad usage."""
    from bpfdoctor.cli.args import CliUsageError, suggest_command

    state = State(debug=bool(os.environ.get("BPFDOCTOR_DEBUG")))
    while args and args[0].startswith("-"):
        flag = args.pop(0)
        if flag == "--debug":
            state.debug = True
        elif flag in ("--color", "--no-color"):
            state.color = flag == "--color"
        elif flag == "--version":
            sys.stdout.write(f"bpfdoctor, version {__version__}\n")
            return 0
        elif flag in ("-h", "--help"):
            sys.stdout.write(top_help())
            return 0
        else:
            raise CliUsageError(f"no such option '{flag}'", hint="see 'bpfdoctor --help'")
    if not args:
        sys.stdout.write(top_help())
        raise CliUsageError("missing command", hint="see 'bpfdoctor --help'")
    if state.debug:
        import logging  # ~3 ms; only --debug needs it here

        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    name = args[0]
    if name not in COMMANDS:
        raise CliUsageError(f"no such command '{name}'", hint=suggest_command("bpfdoctor", name, list(COMMANDS)))
    return load_command(name).invoke(f"bpfdoctor {name}", args[1:], state)


def usage_error(e) -> None:
    """One line (and a hint) for a usage error."""
    where = e.path.removeprefix("bpfdoctor").strip()
    sys.stderr.write(f"bpfdoctor: {where + ': ' if where else ''}{one_line(e.message)}\n")
    if e.hint:
        sys.stderr.write(f"hint: {one_line(e.hint)}\n")


def main(argv: list[str] | None = None) -> None:
    args = hoist_global_options(sys.argv[1:] if argv is None else list(argv))
    if argv is None and os.environ.get("_BPFDOCTOR_COMPLETE"):
        from bpfdoctor.cli.complete import complete

        sys.exit(complete(os.environ["_BPFDOCTOR_COMPLETE"]))
    from bpfdoctor.cli.args import CliUsageError
    from bpfdoctor.errors import BpfDoctorError

    try:
        rv = dispatch(list(args))
    except CliUsageError as e:
        if "file" in args and e.message.startswith("unexpected extra argument"):
            fixed = [a for i, a in enumerate(args) if not (a == "file" and i + 1 < len(args))]
            e.hint = f"bpftool's 'file' keyword is not needed: bpfdoctor {' '.join(fixed)}"
        usage_error(e)
        sys.exit(2)
    except BrokenPipeError:
        _broken_pipe()
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
