"""``bpfdoctor trace``: ``bpf_printk`` output, BPF streams, and why nothing comes.

``bpf_printk`` writes to the ftrace ring buffer; ``trace_pipe`` under the
tracefs mount hands each line to one reader and blocks when it is empty
(kernel/trace/trace.c ``tracing_read_pipe``).  Since 6.17 a program also
has two streams of its own (``BPF_PROG_STREAM_READ_BY_FD``, stream ids
``BPF_STDOUT`` 1 and ``BPF_STDERR`` 2: ``bpf_stream_printk`` output and the
kernel's reports about the program, such as may_goto timeouts and faults).

When nothing arrives, the causes are checked in the order they occur:
tracefs not mounted; tracing switched off (``tracing_on`` 0); no loaded
program calls ``bpf_trace_printk``/``bpf_trace_vprintk`` (found from each
program's translated instructions: a helper call's target is
``__bpf_call_base + imm``, named from /proc/kallsyms); the program that
does is not attached (no bpf link names it); it is attached but did not
run during the wait (run counts, taken with ``BPF_ENABLE_STATS`` held).

``session()`` runs all of it and yields records (``TraceLine``,
``TraceNote``, and one closing ``TraceEnd``); render/trace.py prints them.
"""

from __future__ import annotations

import ctypes
import errno
import os
import select
import struct
import time
from collections.abc import Callable, Iterator

from bpfdoctor.errors import HostError, SyscallError
from bpfdoctor.host._files import read_text
from bpfdoctor.kernel import info as kinfo
from bpfdoctor.kernel import objects, syscall
from bpfdoctor.kernel.objects import ObjKind
from bpfdoctor.record import record

PRINTK_HELPERS = ("bpf_trace_printk", "bpf_trace_vprintk")
BPF_PROG_STREAM_READ_BY_FD = 37
BPF_STDOUT, BPF_STDERR = 1, 2


class StreamReadAttr(ctypes.Structure):
    _fields_ = [("stream_buf", ctypes.c_uint64), ("stream_buf_len", ctypes.c_uint32),
                ("stream_id", ctypes.c_uint32), ("prog_fd", ctypes.c_uint32)]


def read_stream(prog_fd: int, stream_id: int, size: int = 65536) -> bytes:
    """What the program's stream holds now (reading consumes it).  Raises
    SyscallError EINVAL on kernels without streams (before 6.17)."""
    buf = ctypes.create_string_buffer(size)
    attr = StreamReadAttr(ctypes.addressof(buf), size, stream_id, prog_fd)
    n = syscall.bpf(BPF_PROG_STREAM_READ_BY_FD, attr)
    return buf.raw[:n]


@record
class Printer:
    """A loaded program that calls a printk helper."""

    id: int
    name: str
    type: str
    helpers: tuple[str, ...]
    linked: bool          # a bpf link names it
    run_cnt: int


def _helper_targets(xlated: bytes, call_base: int) -> set[int]:
    out = set()
    for off in range(0, len(xlated) - 7, 8):
        code, regs, _, imm = struct.unpack_from("<BBhi", xlated, off)
        if code == 0x85 and (regs >> 4) == 0 and imm:  # BPF_JMP|BPF_CALL, src_reg 0: a helper
            out.add((call_base + imm) & (2**64 - 1))
    return out


def linked_programs() -> set[int]:
    """Ids of programs some bpf link points at."""
    out = set()
    for fd in objects.open_all(ObjKind.LINK):
        with fd:
            out.add(kinfo.link_info(fd).prog_id)
    return out


def find_printers(only: int | None = None) -> tuple[list[Printer], bool]:
    """(programs calling a printk helper, whether kallsyms let us tell)."""
    from bpfdoctor.kernel.prog_kallsyms import read_kernel_symbols

    ksyms = read_kernel_symbols()
    if ksyms.hidden:
        return [], False
    links = linked_programs()
    out = []
    fds = objects.open_all(ObjKind.PROG) if only is None else \
        filter(None, [objects.try_fd_by_id(ObjKind.PROG, only)])
    for fd in fds:
        with fd:
            rec = kinfo.prog_info(fd, arrays=frozenset({"xlated_prog_insns"}))
        names = ksyms.names(_helper_targets(rec.xlated_insns, ksyms.call_base))
        used = tuple(sorted({n for n in names.values() if n in PRINTK_HELPERS}))
        if used:
            out.append(Printer(rec.id, rec.name, rec.type.name.lower(), used, rec.id in links, rec.run_cnt))
    return out, True


def _pipe_error(path: str, err: OSError) -> HostError:
    """trace_pipe has one reader at a time (EBUSY for the next): name the
    processes that hold it, found in /proc/*/fd."""
    if err.errno != errno.EBUSY:
        return HostError(f"{path}: cannot open ({err.strerror})")
    from bpfdoctor.kernel.prog_refs import processes_with

    holders = processes_with(lambda target: target.endswith("/trace_pipe"))
    who = ", ".join(f"pid {p.pid} ({p.comm})" for p in holders) or "another process"
    return HostError(f"{path} is busy: {who} is reading it, and the kernel allows one reader at a time",
                     hint="stop that reader (cat, another 'bpfdoctor trace', bpftool prog tracelog) and "
                          "run again")


def tracing_on(tracefs: str, root: str = "/") -> bool | None:
    text = read_text(root, f"{tracefs}/tracing_on")
    return None if text is None else text.strip() == "1"


def pipe_lines(path: str, *, timeout: float | None, stop: Callable[[], bool] = lambda: False,
               clock: Callable[[], float] = time.monotonic) -> Iterator[str]:
    """Lines from ``trace_pipe`` until ``timeout`` seconds pass without end or ``stop()``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        raise _pipe_error(path, e) from None
    try:
        end = None if timeout is None else clock() + timeout
        pending = b""
        while not stop():
            wait = 0.5 if end is None else max(0.0, min(0.5, end - clock()))
            ready, _, _ = select.select([fd], [], [], wait)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    chunk = b""
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for ln in lines:
                    yield ln.decode(errors="replace")
            if end is not None and clock() >= end:
                return
    finally:
        os.close(fd)


@record
class Silence:
    """Why a wait on trace_pipe brought nothing."""

    id: str
    summary: str
    fix: str | None = None


def explain_silence(tracefs: str | None, printers: list[Printer], kallsyms_ok: bool,
                    runs: dict[int, int] | None, on: bool | None) -> list[Silence]:
    """The causes, most basic first (pure: the facts are arguments)."""
    if tracefs is None:
        return [Silence("trace-tracefs-unmounted", "tracefs is not mounted: there is no trace_pipe to read",
                        "mount -t tracefs tracefs /sys/kernel/tracing, or bpfdoctor trace --mount-tracefs")]
    out = []
    if on is False:
        out.append(Silence("trace-tracing-off", "tracing is switched off (tracing_on is 0): bpf_printk "
                           "writes nothing", f"echo 1 > {tracefs}/tracing_on"))
    if not kallsyms_ok:
        out.append(Silence("trace-kallsyms-hidden", "/proc/kallsyms hides addresses: which programs call "
                           "bpf_printk cannot be told", "run as root (kernel.kptr_restrict)"))
        return out
    if not printers:
        out.append(Silence("trace-no-printk", "no loaded program calls bpf_trace_printk or bpf_trace_vprintk",
                           "load (and attach) the program that calls bpf_printk"))
        return out
    for p in printers:
        n = None if runs is None else runs.get(p.id)
        if n:
            out.append(Silence("trace-ran-silently", f"{p.name} (id {p.id}) ran {n} time(s) during the wait "
                               "without output: the bpf_printk call is on a path not taken, or another reader "
                               "of trace_pipe took the lines (each line goes to one reader)",
                               "check the condition around bpf_printk; stop other trace_pipe readers "
                               "(cat, bpftool prog tracelog)"))
        elif not p.linked and not p.run_cnt:
            out.append(Silence("trace-not-attached", f"{p.name} (id {p.id}) calls {', '.join(p.helpers)} but no "
                               "bpf link points at it and it has never run: it is probably not attached",
                               "attach it (bpfdoctor attach OBJ --program NAME checks why it cannot)"))
        else:
            out.append(Silence("trace-not-run", f"{p.name} (id {p.id}) is attached but did not run during the "
                               "wait: its event did not happen", "trigger the event the program is attached to"))
    return out


# -- the session: what ``bpfdoctor trace`` runs ------------------------------------

@record
class TraceLine:
    """One line of output: from trace_pipe, or (``stream`` "stdout" or
    "stderr") from program ``prog``'s BPF stream."""

    line: str
    stream: str | None = None
    prog: int | None = None


@record
class TraceNote:
    """Something done on the way that the user should know (a private mount)."""

    text: str


@record
class TraceEnd:
    """The end of a session: how many lines came and, when none did, why."""

    lines: int
    silence: tuple[Silence, ...] = ()


def stream_lines(prog_id: int) -> list[TraceLine]:
    """What program ``prog_id``'s BPF streams hold now (reading consumes it);
    nothing on kernels without streams (before 6.17)."""
    out = []
    with objects.fd_by_id(ObjKind.PROG, prog_id) as fd:
        for sid, label in ((BPF_STDOUT, "stdout"), (BPF_STDERR, "stderr")):
            try:
                data = read_stream(fd.fd, sid)
            except SyscallError:
                return out  # no streams on this kernel (before 6.17)
            out += [TraceLine(ln, label, prog_id) for ln in data.decode(errors="replace").splitlines()]
    return out


def session(*, prog_id: int | None = None, timeout: float | None = None, count: int | None = None,
            mount_tracefs: bool = False) -> Iterator[TraceLine | TraceNote | TraceEnd]:
    """Read bpf_printk output (and with ``prog_id`` that program's streams,
    before and after the wait) until ``timeout`` seconds, ``count`` lines or
    Ctrl-C; then one ``TraceEnd``, with the causes of silence when nothing
    came.  Statistics are on (``BPF_ENABLE_STATS``) during the wait, so the
    diagnosis can tell whether the printing programs ran."""
    from bpfdoctor.kernel.mountns import find_tracefs
    from bpfdoctor.kernel.stats import enable_stats, snapshot

    tfs, note = find_tracefs(mount_tracefs)
    if note:
        yield TraceNote(note)
    if tfs is None:
        yield TraceEnd(0, tuple(explain_silence(None, [], True, None, None)))
        return
    printers, ks_ok = find_printers(prog_id)
    got = 0
    runs = None
    try:
        with enable_stats():
            before = snapshot()
            for rec in stream_lines(prog_id) if prog_id is not None else ():
                got += 1
                yield rec
            try:
                for line in pipe_lines(f"{tfs}/trace_pipe", timeout=timeout,
                                       stop=lambda: count is not None and got >= count):
                    got += 1
                    yield TraceLine(line)
                    if count is not None and got >= count:
                        break
            except KeyboardInterrupt:
                pass
            for rec in stream_lines(prog_id) if prog_id is not None else ():
                got += 1
                yield rec
            after = snapshot()
            runs = {pid: after[pid].run_cnt - before[pid].run_cnt for pid in after if pid in before}
    except KeyboardInterrupt:
        pass
    if got:
        yield TraceEnd(got)
    else:
        yield TraceEnd(0, tuple(explain_silence(tfs, printers, ks_ok, runs, tracing_on(tfs))))
