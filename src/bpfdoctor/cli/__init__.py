"""The command line: a thin click layer.

Each command group lives in its own module and is imported only when it is
invoked, so ``bpfdoctor disasm`` does not pay for ``rich`` or ``capstone``.
This module is the one place that turns ``BpfDoctorError`` into a one-line
message and an exit code; ``--debug`` shows the traceback.

Start-up is measured (bench/run.py): click and its imports (inspect, typing,
uuid, datetime) cost about three times the interpreter's own start, so this
module does not import click; ``bpfdoctor --version`` is answered before it
is, and the click group itself lives in ``cli/app.py``.
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


def __getattr__(name: str):
    # ``from bpfdoctor.cli import cli`` (tests, library users) still works
    if name in ("cli", "LazyGroup", "State"):
        from bpfdoctor.cli import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


# Options of the top-level group.  They are accepted after the subcommand too
# (``bpfdoctor check --no-color``): moved in front before click parses.
_GLOBAL_FLAGS = ("--debug", "--color", "--no-color")


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


def main(argv: list[str] | None = None) -> None:
    args = hoist_global_options(sys.argv[1:] if argv is None else list(argv))
    if args == ["--version"]:
        # click.version_option's text, without importing click
        sys.stdout.write(f"bpfdoctor, version {__version__}\n")
        sys.stdout.flush()
        sys.exit(0)
    import click

    from bpfdoctor.cli import app
    from bpfdoctor.errors import BpfDoctorError

    if argv is None and os.environ.get("_BPFDOCTOR_COMPLETE"):
        app.complete()
    try:
        rv = app.run(args)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.ClickException as e:
        app.usage_error(e, args)
        sys.exit(2)
    except click.exceptions.Abort:
        sys.stderr.write("bpfdoctor: aborted\n")
        sys.exit(130)
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
