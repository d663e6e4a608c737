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
}


def _debug_requested(argv: list[str]) -> bool:
    return "--debug" in argv or bool(os.environ.get("BPFDOCTOR_DEBUG"))


def __getattr__(name: str):
    # ``from bpfdoctor.cli import cli`` (tests, library users) still works
    if name in ("cli", "LazyGroup", "State"):
        from bpfdoctor.cli import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        # click.version_option's text, without importing click
        sys.stdout.write(f"bpfdoctor, version {__version__}\n")
        sys.stdout.flush()
        sys.exit(0)
    import click

    from bpfdoctor.cli.app import cli
    from bpfdoctor.errors import BpfDoctorError

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
        sys.stderr.write(f"bpfdoctor: {e}\n")
        if e.hint:
            sys.stderr.write(f"hint: {e.hint}\n")
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    # Commands return their exit code (an int) or None for 0.
    sys.exit(rv if isinstance(rv, int) else 0)
