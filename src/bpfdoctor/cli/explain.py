"""``bpfdoctor explain``: what a verifier log says, in one screen.

Thin: read the input, call ``bpfdoctor.verifier``, render (``render.explain``).  Exit code 0 when
the log shows the program was accepted, 1 when it explains a rejection (or
the log has no verdict), 2 on bad input (via the CLI's error handling).
"""

from __future__ import annotations

import io
import sys

from bpfdoctor.cli import args as cli

from bpfdoctor.errors import InputError, UsageError, check_text


@cli.command("explain")
@cli.argument("logfile", required=False, default="-", metavar="[LOGFILE|-]")
@cli.option("--object", "obj", type=cli.Path(dir_okay=False), default=None,
            help="The BPF object the log is from: maps instructions to source lines via BTF line_info.")
@cli.option("--program", default=None, help="Program (function) name: picks its log in bpftool "
            "output with several, and its line_info in --object.")
@cli.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@cli.option("--log", "show_log", is_flag=True, help="Also show the log lines before the error.")
@cli.option("--one-line", "one_line", is_flag=True,
            help="One line per rejection (file:line:col: error[family] (class): message), for CI logs.")
@cli.option("--type", "prog_type", default=None, metavar="TYPE",
            help="Program type (xdp, sched_cls, kprobe...) for return codes in the fix; "
                   "taken from --object's section when given.")
@cli.option("--no-skim", "no_skim", is_flag=True,
            help="Parse every line of a log over 16 MB (by default its middle is counted, not parsed).")
@cli.pass_state
def explain(state, logfile: str, obj: str | None, program: str | None,
            as_json: bool, show_log: bool, one_line: bool, prog_type: str | None, no_skim: bool) -> int:
    """Explain a verifier log: failing instruction, source line, cause, fix.

    LOGFILE is a verifier log as the kernel wrote it, bpftool/libbpf output,
    or cilium/ebpf's error text; '-' (the default) reads standard input.
    """
    from bpfdoctor.verifier import explain_log, is_verifier_log

    parsed = _parse(logfile, program, skim=not no_skim)
    name = "standard input" if logfile == "-" else logfile
    if not is_verifier_log(parsed):
        raise InputError(name, f"no verifier log found ({parsed.lines} lines read)",
                         hint="pass the log the kernel returned (bpftool -d prog load OBJ PIN "
                              "prints it), not the object file")
    import os

    from bpfdoctor.record import replace
    from bpfdoctor.verifier.context import ProgramContext
    from bpfdoctor.verifier.sources import SourceCache

    line_for_insn = None
    context = ProgramContext(prog_type=prog_type, name=program or parsed.program)
    if obj is not None:
        from bpfdoctor.verifier.objlines import line_lookup, program_context

        line_for_insn = line_lookup(obj, program or parsed.program)
        context = program_context(obj, program or parsed.program, prog_type)
    # the C files, where readable, for lines without instructions: as recorded
    # in the object, else next to the object, the log, or here
    roots = tuple(dict.fromkeys(os.path.dirname(os.path.abspath(x)) for x in (obj, logfile, ".")
                                if x and x != "-"))
    context = replace(context, sources=SourceCache(roots))
    result = explain_log(parsed, line_for_insn, context)
    from bpfdoctor.render import explain as render

    if one_line:
        from bpfdoctor.render.output import write_text

        write_text(render.one_line_text(result))
    elif as_json:
        from bpfdoctor.render.output import write_json

        write_json(render.explanation_json(result, show_log))
    else:
        render.print_explanation(result, show_log, state.color)
    return result.exit_code


def _parse(logfile: str, program: str | None, skim: bool = True):
    from bpfdoctor.verifier import parse_file, parse_lines

    if logfile == "-":
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError("no LOGFILE given and standard input is a terminal",
                             hint="bpfdoctor explain verifier.log  (or pipe the log in)")
        if skim and program is None and hasattr(sys.stdin, "buffer"):
            from bpfdoctor.verifier.parser import LogParser
            from bpfdoctor.verifier.skim import skim_stream

            return skim_stream(sys.stdin.buffer, LogParser())
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace") \
            if hasattr(sys.stdin, "buffer") else sys.stdin
        return parse_lines(stream, program)
    check_text(logfile, "a verifier log", "to load an object and explain its rejection: bpfdoctor load OBJ")
    return parse_file(logfile, program, skim=skim)
