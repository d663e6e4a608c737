"""``bpfdoctor trace``: bpf_printk output and program streams, and why nothing comes."""

from __future__ import annotations

import sys

import click


@click.command("trace")
@click.option("--prog", "prog_id", type=int, default=None, metavar="ID",
              help="Look at this program only (its printk calls, run count and BPF streams).")
@click.option("--timeout", type=click.FloatRange(0), default=None, help="Stop after S seconds (default: Ctrl-C).")
@click.option("--count", type=click.IntRange(1), default=None, help="Stop after N lines.")
@click.option("--mount-tracefs", is_flag=True,
              help="If tracefs is not mounted, mount it in a private mount namespace of this process.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line; the diagnosis as JSON.")
def trace(prog_id, timeout, count, mount_tracefs, as_json) -> int:
    """Print bpf_printk output from trace_pipe (and, with --prog, the program's
    BPF stdout/stderr streams on 6.17+).  When nothing arrives, say why:
    tracefs not mounted, tracing off, no program calls bpf_printk, the one
    that does is not attached, or it did not run (run counts are taken with
    BPF_ENABLE_STATS held for the duration).  Ctrl-C ends it cleanly."""
    import json

    from bpfdoctor.host.tracefs import tracefs_dir
    from bpfdoctor.kernel import trace as K
    from bpfdoctor.render.output import write_text

    notes = []
    tfs = tracefs_dir()
    if tfs is None and mount_tracefs:
        from bpfdoctor.kernel.mountns import private_tracefs

        tfs = private_tracefs()
        notes.append(f"tracefs mounted at {tfs} in a private mount namespace (host unchanged)")
    for n in notes:
        sys.stderr.write(f"note: {n}\n")
    if tfs is None:
        return _report_silence(K.explain_silence(None, [], True, None, None), as_json, 0)
    printers, ks_ok = K.find_printers(prog_id)
    from bpfdoctor.kernel.stats import enable_stats, snapshot

    got = 0
    runs = None
    try:
        with enable_stats():
            before = snapshot()
            got += _streams(prog_id, as_json)
            try:
                for line in K.pipe_lines(f"{tfs}/trace_pipe", timeout=timeout,
                                         stop=lambda: count is not None and got >= count):
                    got += 1
                    write_text(json.dumps({"line": line}) + "\n" if as_json else line + "\n")
                    if count is not None and got >= count:
                        break
            except KeyboardInterrupt:
                pass
            got += _streams(prog_id, as_json)
            after = snapshot()
            runs = {pid: after[pid].run_cnt - before[pid].run_cnt for pid in after if pid in before}
    except KeyboardInterrupt:
        pass
    if got:
        return 0
    return _report_silence(K.explain_silence(tfs, printers, ks_ok, runs, K.tracing_on(tfs)), as_json, got)


def _streams(prog_id, as_json) -> int:
    """Print what the program's BPF streams hold (6.17+); the number of lines."""
    if prog_id is None:
        return 0
    import json

    from bpfdoctor.errors import SyscallError
    from bpfdoctor.kernel import trace as K
    from bpfdoctor.kernel.objects import ObjKind, fd_by_id
    from bpfdoctor.render.output import write_text

    n = 0
    with fd_by_id(ObjKind.PROG, prog_id) as fd:
        for sid, label in ((K.BPF_STDOUT, "stdout"), (K.BPF_STDERR, "stderr")):
            try:
                data = K.read_stream(fd.fd, sid)
            except SyscallError:
                return n  # no streams on this kernel (before 6.17)
            for line in data.decode(errors="replace").splitlines():
                n += 1
                write_text(json.dumps({"stream": label, "prog": prog_id, "line": line}) + "\n" if as_json
                           else f"[prog {prog_id} {label}] {line}\n")
    return n


def _report_silence(causes, as_json: bool, got: int) -> int:
    import json

    if as_json:
        from dataclasses import asdict

        sys.stdout.write(json.dumps({"lines": got, "silence": [asdict(c) for c in causes]}) + "\n")
    else:
        sys.stderr.write("bpfdoctor: nothing arrived" + (":" if causes else "") + "\n")
        for c in causes:
            sys.stderr.write(f"  cause: {c.summary}\n")
            if c.fix:
                sys.stderr.write(f"    fix: {c.fix}\n")
    return 1
