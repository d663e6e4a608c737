"""``bpfdoctor trace``: bpf_printk output and program streams, and why nothing comes."""

from __future__ import annotations

import sys

from bpfdoctor.cli import args as cli


@cli.command("trace")
@cli.option("--prog", "prog_id", type=int, default=None, metavar="ID",
            help="Look at this program only (its printk calls, run count and BPF streams).")
@cli.option("--timeout", type=cli.FloatRange(0), default=None, help="Stop after S seconds (default: Ctrl-C).")
@cli.option("--count", type=cli.IntRange(1), default=None, help="Stop after N lines.")
@cli.option("--mount-tracefs", is_flag=True,
            help="If tracefs is not mounted, mount it in a private mount namespace of this process.")
@cli.option("--json", "as_json", is_flag=True, help="One JSON object per line; the diagnosis as JSON.")
def trace(prog_id, timeout, count, mount_tracefs, as_json) -> int:
    """Print bpf_printk output from trace_pipe (and, with --prog, the program's
    BPF stdout/stderr streams on 6.17+).  When nothing arrives, say why:
    tracefs not mounted, tracing off, no program calls bpf_printk, the one
    that does is not attached, or it did not run (run counts are taken with
    BPF_ENABLE_STATS held for the duration).  Ctrl-C ends it cleanly."""
    from bpfdoctor.kernel.trace import TraceEnd, TraceNote, session
    from bpfdoctor.render.output import write_notes, write_text
    from bpfdoctor.render.trace import line_out, silence_json, silence_text

    gen = session(prog_id=prog_id, timeout=timeout, count=count, mount_tracefs=mount_tracefs)
    wrote = False
    try:
        for rec in gen:
            if isinstance(rec, TraceNote):
                write_notes([rec.text])
            elif isinstance(rec, TraceEnd):
                if rec.lines:
                    return 0
                if as_json:
                    write_text(silence_json(rec))
                else:
                    sys.stderr.write(silence_text(rec))
                return 1
            else:
                write_text(line_out(rec, as_json))
                wrote = True
    except KeyboardInterrupt:
        if not wrote:  # the session catches Ctrl-C during its wait; this one came before any line
            raise
    finally:
        gen.close()  # closes trace_pipe and the BPF_ENABLE_STATS descriptor
    return 0
