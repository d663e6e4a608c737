"""``bpfdoctor prog``: loaded programs, as ``bpftool prog show/dump`` prints them."""

from __future__ import annotations

import sys

from bpfdoctor.cli import args as cli

PROG_HELP = "PROG is 'id N', 'name NAME', 'tag TAG' or 'pinned PATH' (as bpftool takes them)."


@cli.group("prog")
def prog() -> None:
    """Loaded programs: list, dump xlated, dump jited.

    PROG is 'id N', 'name NAME', 'tag TAG' or 'pinned PATH'.
    """


def _selector(words):
    from bpfdoctor.kernel.prog_select import parse_selector

    return parse_selector(tuple(words))


@prog.command("list")
@cli.argument("prog_words", nargs=-1, metavar="[PROG]")
@cli.option("--json", "as_json", is_flag=True, help="Machine-readable output (bpftool -j prog show fields).")
@cli.option("--pinned/--no-pinned", default=True, help="Walk bpf mounts for pinned paths (bpftool -f).")
@cli.option("--pids/--no-pids", default=True, help="Scan /proc for processes holding each program.")
def list_cmd(prog_words, as_json: bool, pinned: bool, pids: bool) -> int:
    """Every loaded program (or those PROG names), like 'bpftool -f prog show'."""
    from bpfdoctor.kernel.prog_list import list_programs
    from bpfdoctor.render import prog as R
    from bpfdoctor.render.output import write_json, write_text

    sel = _selector(prog_words) if prog_words else None
    plist = list_programs(sel, with_pinned=pinned, with_pids=pids)
    if as_json:
        write_json(R.list_json(plist))
    else:
        write_text(R.list_text(plist))
    return 0


@prog.group("dump")
def dump() -> None:
    """Dump a loaded program's instructions."""


@dump.command("xlated")
@cli.argument("prog_words", nargs=2, metavar="PROG")
@cli.option("--json", "as_json", is_flag=True, help="bpftool -j prog dump xlated layout.")
@cli.option("--source/--no-source", default=True, show_default=True,
            help="'; source' lines from the program's BTF line info.")
@cli.option("--linum", is_flag=True, help="Add [file:… line_num:… line_col:…] (bpftool 'linum').")
@cli.option("--opcodes", is_flag=True, help="Raw instruction bytes (bpftool 'opcodes').")
def xlated_cmd(prog_words, as_json: bool, source: bool, linum: bool, opcodes: bool) -> int:
    """The translated (post-verifier) instructions, as 'bpftool prog dump xlated'."""
    from bpfdoctor.kernel import prog_dump
    from bpfdoctor.render import progdump
    from bpfdoctor.render.output import write_json, write_notes, write_text

    dumps = prog_dump.dump_selected(_selector(prog_words), "xlated")
    options = dict(opcodes=opcodes, linum=linum, source=source)
    if as_json:
        write_json(progdump.xlated_json(dumps, **options))
    else:
        write_text(progdump.xlated_text(dumps, **options))
    write_notes(n for d in dumps for n in d.notes)
    return 0


@dump.command("jited")
@cli.argument("prog_words", nargs=2, metavar="PROG")
@cli.option("-o", "--opcodes", is_flag=True, help="Raw bytes under each instruction.")
@cli.option("--source/--no-source", default=True, show_default=True,
            help="'; source' lines from jited_line_info.")
@cli.option("--linum", is_flag=True, help="Add [file:… line_num:… line_col:…].")
@cli.option("--arch", default=None, help="Architecture of the image (default: this host's).")
@cli.option("--syntax", type=cli.Choice(["att", "intel"]), default="att", show_default=True)
@cli.option("--as-kernel-log", is_flag=True, help="Print as the kernel's bpf_jit_enable=2 dump.")
@cli.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def jited_cmd(prog_words, opcodes: bool, source: bool, linum: bool, arch: str | None, syntax: str,
              as_kernel_log: bool, as_json: bool) -> int:
    """The native code the JIT produced, one block per function."""
    import os

    from bpfdoctor.jit.disasm import arch_for_machine, resolve_arch
    from bpfdoctor.kernel import prog_dump
    from bpfdoctor.render import progdump
    from bpfdoctor.render.output import write_json, write_notes, write_text

    spec = resolve_arch(arch) if arch else arch_for_machine(os.uname().machine, sys.byteorder)
    dumps = prog_dump.dump_selected(_selector(prog_words), "jited")
    if as_kernel_log:
        write_text(progdump.jited_kernel_log(dumps))
    elif as_json:
        write_json(progdump.jited_json(dumps, spec, syntax, linum=linum, source=source))
    else:
        write_text(progdump.jited_text(dumps, spec, syntax, opcodes=opcodes, linum=linum, source=source))
    write_notes(n for d in dumps for n in d.notes)
    return 0


@prog.command("run")
@cli.argument("target", nargs=-1, required=True, metavar="OBJ|PROG")
@cli.option("--program", default=None, metavar="NAME", help="Program of OBJ to run (needed when OBJ has several).")
@cli.option("--data-in", "data_in", type=cli.Path(dir_okay=False), default=None,
            help="File with the packet (or data) to run on; '-' for stdin.")
@cli.option("--data-hex", default=None, metavar="HEX", help="The data as hex digits (spaces allowed).")
@cli.option("--ctx-in", "ctx_in", type=cli.Path(dir_okay=False), default=None,
            help="File with the context (struct __sk_buff, xdp_md, raw tracepoint args).")
@cli.option("--data-out", "data_out", type=cli.Path(dir_okay=False), default=None,
            help="Write the data as the program left it to this file.")
@cli.option("--repeat", type=cli.IntRange(1, 2**32 - 1), default=1, show_default=True,
            help="Runs to average over.")
@cli.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def run_cmd(target, program, data_in, data_hex, ctx_in, data_out, repeat: int, as_json: bool) -> int:
    """BPF_PROG_TEST_RUN: run a loaded program (PROG: id N, name NAME, tag TAG,
    pinned PATH) or one program of OBJ (loaded for the run, then unloaded) on
    the data given, and show the return value with its meaning, the data out
    and the average duration."""
    from bpfdoctor.errors import UsageError
    from bpfdoctor.kernel import test_run
    from bpfdoctor.render.output import write_json, write_text
    from bpfdoctor.render.run import run_text

    data = _read_input(data_in, "--data-in") if data_in else b""
    if data_hex is not None:
        if data_in:
            raise UsageError("give --data-in or --data-hex, not both")
        data = test_run.parse_hex(data_hex)
    ctx = _read_input(ctx_in, "--ctx-in") if ctx_in else b""
    report = test_run.run_target(target, program, data=data, ctx=ctx, repeat=repeat)
    if data_out:
        with open(data_out, "wb") as f:
            f.write(report.data_out)
    if as_json:
        write_json(report.to_dict())
    else:
        write_text(run_text(report))
    return 0


# BPF_PROG_TEST_RUN takes a packet of a few pages (xdp with frags: 17) and a
# context of at most 64 KB: anything past this is not an input it can take,
# and reading on (a device, a FIFO) would hold memory without bound.
_MAX_INPUT = 16 << 20


def _read_input(path: str, option: str) -> bytes:
    from bpfdoctor.errors import InputError

    try:
        if path == "-":
            data = sys.stdin.buffer.read(_MAX_INPUT + 1)
        else:
            with open(path, "rb") as f:
                data = f.read(_MAX_INPUT + 1)
    except OSError as e:
        raise InputError(path, f"cannot read {option}: {e.strerror}") from None
    if len(data) > _MAX_INPUT:
        raise InputError(path, f"{option}: more than {_MAX_INPUT >> 20} MiB; a test run takes a packet "
                         "of a few pages and a context of at most 64 KB")
    return data


@prog.command("stats")
@cli.option("--interval", type=cli.FloatRange(0.05), default=1.0, show_default=True,
            help="Seconds between samples.")
@cli.option("--count", type=cli.IntRange(1), default=None, help="Samples to take (default: until Ctrl-C).")
@cli.option("--json", "as_json", is_flag=True, help="One JSON object per sample, one per line.")
def stats_cmd(interval: float, count: int | None, as_json: bool) -> int:
    """Runs, rate and average run time of every program, like a small top.

    Statistics are switched on with BPF_ENABLE_STATS for as long as this runs
    (kernel.bpf_stats_enabled is never written) and go off again on exit."""
    from bpfdoctor.kernel.stats import StatsSession, watch
    from bpfdoctor.render.output import write_notes, write_text
    from bpfdoctor.render.stats import sample_out, session_note

    gen = watch(interval, count)
    try:
        for item in gen:
            if isinstance(item, StatsSession):
                write_notes(filter(None, [session_note(item)]))
                continue
            write_text(sample_out(item, as_json))
    except KeyboardInterrupt:
        pass
    finally:
        gen.close()  # closes the BPF_ENABLE_STATS descriptor
    return 0
