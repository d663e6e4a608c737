"""``bpfdoctor jit``: JIT dumps from the kernel log (bpf_jit_enable=2)."""

from __future__ import annotations

import os
import sys

from bpfdoctor.cli import args as cli

from bpfdoctor.errors import InputError, check_text, input_error


def _parse(path: str | None):
    """Dumps of a file, stdin, or the live log; files and stdin are streamed
    (flat memory, however large the log)."""
    from bpfdoctor.jit.logparse import parse_log, parse_stream

    if path is None:
        from bpfdoctor.host.kernel_log import read_kernel_log

        klog = read_kernel_log()
        return parse_log(klog.text, f"kernel log ({klog.source})")
    if path == "-":
        return parse_stream(sys.stdin.buffer, "<stdin>")
    check_text(path, "a log file")
    try:
        with open(path, "rb") as f:
            return parse_stream(f, path)
    except OSError as e:
        raise input_error(path, e, "a log file") from None


@cli.group("jit")
def jit() -> None:
    """JIT dumps the kernel prints with net.core.bpf_jit_enable=2.

    FILE is a saved log (dmesg, journalctl -k, kern.log, /dev/kmsg records,
    or bare text); '-' reads stdin; without FILE the live kernel log is read.
    """


@jit.command("list")
@cli.argument("file", required=False)
@cli.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_cmd(file: str | None, as_json: bool) -> int:
    """List the JIT dumps in a kernel log."""
    from bpfdoctor.render.output import write_json, write_text

    jitlog = _parse(file)
    if as_json:
        write_json(jitlog)
    else:
        from bpfdoctor.render.jit import list_text

        write_text(list_text(jitlog))
    return 0


@jit.command("disasm")
@cli.argument("file", required=False)
@cli.option("--index", type=int, default=None, help="Dump number as listed by 'jit list' (negative: from the end).")
@cli.option("--pid", type=int, default=None, help="Only dumps from this pid.")
@cli.option("--comm", default=None, help="Only dumps from this command name (from=).")
@cli.option("-o", "opcodes", is_flag=True, help="Also print each instruction's bytes (bpf_jit_disasm -o).")
@cli.option("-O", "out", type=cli.Path(dir_okay=False), default=None,
            help="Write the raw image to this file instead of disassembling.")
@cli.option("--arch", default=None, help="Architecture of the code (default: this host's).")
@cli.option("--syntax", type=cli.Choice(["att", "intel"]), default="att", show_default=True,
            help="x86 assembler syntax.")
@cli.option("--partial", is_flag=True, help="Use a truncated dump's bytes instead of failing.")
@cli.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def disasm_cmd(file, index, pid, comm, opcodes, out, arch, syntax, partial, as_json) -> int:
    """Disassemble one JIT dump (the last by default), like bpf_jit_disasm."""
    from bpfdoctor.jit.logparse import require_complete, select_dump

    jitlog = _parse(file)
    dump = select_dump(jitlog, index=index, pid=pid, comm=comm)
    if not partial:
        require_complete(dump, jitlog.source)
    if dump.all_int3:
        sys.stderr.write(f"bpfdoctor: warning: dump {dump.index} is all int3 (0xcc): the kernel dumped the "
                         "unfilled image, not the code (x86-64 bpf_prog_pack bug fixed in 2023)\n")
    spec = _arch(arch)
    from bpfdoctor.render import jit as render

    if out is not None:
        return _write_image(dump, out, as_json, jitlog.source)
    if as_json:
        from bpfdoctor.render.output import write_json

        write_json(render.disasm_json(jitlog.source, dump, spec, syntax))
        return 0
    from bpfdoctor.render.output import write_text

    write_text(render.disasm_text(dump, spec, syntax, opcodes))
    return 0


def _arch(name: str | None):
    from bpfdoctor.jit.disasm import arch_for_machine, resolve_arch

    return resolve_arch(name) if name else arch_for_machine(os.uname().machine, sys.byteorder)


def _write_image(dump, out: str, as_json: bool, source: str | None) -> int:
    from bpfdoctor.render import jit as render
    from bpfdoctor.render.output import write_json, write_text

    try:
        with open(out, "wb") as f:
            f.write(dump.data)
    except OSError as e:
        raise InputError(out, f"cannot write the image: {e.strerror}") from None
    if as_json:
        write_json(render.image_json(source, dump, os.path.abspath(out)))
    else:
        write_text(render.header_line(dump))
    return 0
