"""Find ``bpf_jit_enable=2`` JIT dumps in kernel log text.

With ``net.core.bpf_jit_enable=2`` the kernel prints, for every program it
JIT-compiles, one header and a hex dump (include/linux/filter.h,
``bpf_jit_dump``)::

    flen=55 proglen=335 pass=4 image=ffffffffa0006820 from=xdp_ddos01_blac pid=13333
    JIT code: 00000000: 55 48 89 e5 48 81 ec 28 02 00 00 48 89 9d d8 fd
    ...

Old kernels print the header without ``from=``/``pid=`` and with ``%p``, and
their hex dump used ``DUMP_PREFIX_ADDRESS`` (an address instead of the
offset at the start of each row; lib/hexdump.c ``print_hex_dump``).

The log reaches users through many tools (dmesg with its options,
journalctl, syslog files, raw ``/dev/kmsg``), each adding its own prefix to
every line.  The parser does not try to understand those prefixes: it finds
the two markers the kernel always prints (``proglen=`` and ``JIT code: ``)
anywhere in a line and reads what follows them.  From the prefix it only
takes the printk caller id (``[T123]`` or ``caller=T123``), which tells
dumps from different tasks apart, and a timestamp for display.

Speed matters (kernel logs are large): the markers are found with
``bytes.find`` over each block and only marked lines are looked at, each
once, so the work is linear in the input whatever it holds.  ``parse_stream``
reads a file in blocks of ``CHUNK`` bytes, so memory stays flat however long
the log is.  Hostile input is bounded too: every number has at most 20
digits, ``from=`` (the task's comm, 15 bytes in the kernel) at most 64 bytes,
a line longer than ``MAX_LINE`` (printk lines are under 1 KiB) is looked at
only through its first and last ``KEEP`` bytes, and at most ``MAX_OPEN``
dumps wait for rows at once.
"""

from __future__ import annotations

import re
from collections import namedtuple

from bpfdoctor.errors import ParseError

HEADER_MARK = b" proglen="
CODE_MARK = b"JIT code: "

# The header as printed by bpf_jit_dump() and by the older per-arch JITs
# ("flen=%d proglen=%u pass=%d image=%p").  ``from=`` is current->comm, which
# may contain spaces, so it extends to the last " pid=".  Every field is
# bounded, so the header sits in the last _HEADER_MAX bytes of its line and
# one search costs a bounded amount whatever the line holds.
_HEADER_RE = re.compile(
    rb"flen=(\d{1,20}) proglen=(\d{1,20}) pass=(\d{1,20}) image=(\S{1,64})"
    rb"(?: from=(.{0,64}) pid=(-?\d{1,20}))?$"
)
_HEADER_MAX = 320
# One print_hex_dump() row: "%.8x: " (offset) or "%p: " (address), then up to
# 16 bytes as "%02x" separated by single spaces (groupsize 1, no ASCII).
_CODE_RE = re.compile(rb"JIT code: ([0-9a-fA-F]{1,16}): ((?:[0-9a-fA-F]{2} ){0,31}[0-9a-fA-F]{2})[ \t\r]*$")
# printk caller id: "[T123]" / "[    C1]" as dmesg shows it, "caller=T123" in
# /dev/kmsg records (kernel/printk/printk.c, info_print_ext_header).
_CALLER_RE = re.compile(rb"\[\s*([TC]\d+)\]|caller=([TC]\d+)")
# Timestamps, for display only: dmesg "[  12.345678]", /dev/kmsg "lvl,seq,usec,",
# or the leading date of journalctl / syslog lines.
_TS_BRACKET_RE = re.compile(rb"\[\s*(\d+\.\d+)\]")
_TS_KMSG_RE = re.compile(rb"^\s*<?\d{1,20}>?,?\d{0,20},(\d{1,20}),[^;]*;")
_TS_DATE_RE = re.compile(rb"^\s*([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\S+)")

_ROW_MAX = 32  # print_hex_dump() rows are 16 or 32 bytes
CHUNK = 4 << 20  # parse_stream's block size
MAX_LINE = 64 << 10  # longer lines are not printk lines (LOG_LINE_MAX is 1024 - 32)
KEEP = 4 << 10  # of an overlong line: its head (prefix) and tail (fields) are kept
MAX_OPEN = 64  # dumps waiting for rows at once (one per CPU printing concurrently)


# The records here are named tuples rather than frozen dataclasses:
# ``dataclasses`` imports ``inspect`` (ast, dis, tokenize), which costs about
# as much as the interpreter's own start-up, and ``jit disasm`` on a small
# dump is measured against that start-up (issue 12).  They stay immutable,
# compare by value and print their fields by name.
_JIT_DUMP_FIELDS = (
    "index",        # int
    "flen",         # int
    "proglen",      # int
    "passes",       # int
    "image",        # str
    "comm",         # str | None
    "pid",          # int | None
    "data",         # bytes
    "complete",     # bool
    "first_line",   # int
    "last_line",    # int
    "caller",       # str | None = None
    "timestamp",    # str | None = None
    "prefix_type",  # str | None = None: "offset", "address", or None without rows
    "problems",     # tuple[str, ...] = ()
)


class JitDump(namedtuple("JitDump", _JIT_DUMP_FIELDS, defaults=(None, None, None, ()))):
    """One JIT dump found in a log.

    ``image`` is the pointer text as printed (``%pK``/``%p``: a real address
    on old kernels, a hashed value or zeros on newer ones, ``(null)``...).
    ``data`` holds the bytes recovered from offset 0 on; it is shorter than
    ``proglen`` when the dump is truncated (``complete`` is then False and
    ``problems`` says why).  Lines are 1-based line numbers in the input.
    """

    __slots__ = ()

    @property
    def bytes_found(self) -> int:
        return len(self.data)

    @property
    def image_address(self) -> int | None:
        """The image pointer as a number, or None when it is not hex."""
        try:
            return int(self.image, 16)
        except ValueError:
            return None

    @property
    def all_int3(self) -> bool:
        """True when every byte is 0xcc (int3).

        x86-64 kernels with bpf_prog_pack dumped ``image`` (the final,
        still int3-filled buffer) instead of ``rw_image`` until the 2023 fix
        in arch/x86/net/bpf_jit_comp.c ``bpf_int_jit_compile``; such a dump
        shows no real code.
        """
        return bool(self.data) and self.data.count(0xCC) == len(self.data)

    def to_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            "flen": self.flen,
            "proglen": self.proglen,
            "pass": self.passes,
            "image": self.image,
            "comm": self.comm,
            "pid": self.pid,
            "caller": self.caller,
            "timestamp": self.timestamp,
            "first_line": self.first_line,
            "last_line": self.last_line,
            "prefix_type": self.prefix_type,
            "bytes_found": self.bytes_found,
            "complete": self.complete,
            "all_int3": self.all_int3,
            "problems": list(self.problems),
        }


class JitLog(namedtuple("JitLog", ("source", "dumps", "lines", "orphan_rows"), defaults=(0,))):
    """Every dump found in one log, in the order of their headers.

    ``source`` (str | None) names the input; ``dumps`` is a tuple of
    ``JitDump``; ``lines`` counts the input's lines; ``orphan_rows`` the
    "JIT code:" rows that belong to no header found.
    """

    __slots__ = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "lines": self.lines,
            "orphan_rows": self.orphan_rows,
            "dumps": [d.to_dict() for d in self.dumps],
        }


class _Open:
    """A dump being assembled (mutable, private)."""

    __slots__ = ("index", "flen", "proglen", "passes", "image", "comm", "pid", "first_line", "caller",
                 "timestamp", "image_int", "last_line", "mode", "base", "buf", "problems")

    def __init__(self, index: int, flen: int, proglen: int, passes: int, image: str, comm: str | None,
                 pid: int | None, first_line: int, caller: str | None, timestamp: str | None,
                 image_int: int | None) -> None:
        self.index, self.flen, self.proglen, self.passes = index, flen, proglen, passes
        self.image, self.comm, self.pid, self.first_line = image, comm, pid, first_line
        self.caller, self.timestamp, self.image_int = caller, timestamp, image_int
        self.last_line = 0
        self.mode: str | None = None  # "offset" or "address" once a row says which
        self.base = 0
        self.buf = bytearray()
        self.problems: list[str] = []

    def expected(self) -> int:
        return self.base + len(self.buf) if self.mode == "address" else len(self.buf)

    def freeze(self) -> JitDump:
        data = bytes(self.buf[: self.proglen])
        complete = len(data) == self.proglen and not self.problems
        problems = list(self.problems)
        if len(data) < self.proglen:
            problems.append(f"truncated: {len(data)} of {self.proglen} bytes found")
        return JitDump(self.index, self.flen, self.proglen, self.passes, self.image, self.comm,
                       self.pid, data, complete, self.first_line, self.last_line or self.first_line,
                       self.caller, self.timestamp, self.mode, tuple(problems))


def parse_log(text: bytes | str, source: str | None = None) -> JitLog:
    """All JIT dumps in ``text`` (any of the log forms listed in the module doc).

    Never raises for odd input: lines that do not fit are skipped or
    reported in the dumps' ``problems``.  ``source`` names the input in
    messages.
    """
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else bytes(text)
    scanner = _Scanner()
    scanner.feed(data)
    return scanner.result(source)


def parse_stream(stream, source: str | None = None, chunk_size: int = CHUNK) -> JitLog:
    """``parse_log`` over a binary stream read in blocks (flat memory).

    Each block is cut after its last newline; the rest waits for the next
    block.  A line longer than ``MAX_LINE`` keeps only its head and tail.
    """
    scanner = _Scanner()
    carry = b""
    while True:
        block = stream.read(chunk_size)
        if not block:
            break
        first = block.find(b"\n") + 1
        if first == 0:
            # No newline yet: one long line; it needs only its head and tail.
            carry += block
            if len(carry) > MAX_LINE:
                carry = carry[:KEEP] + b"\0" * 8 + carry[-(KEEP + 8):]
            continue
        # The line the previous block left open, then this block's whole
        # lines, read in place (no copy of the block).
        scanner.feed(carry + block[:first] if carry else block[:first])
        cut = block.rfind(b"\n") + 1
        if cut > first:
            scanner.feed(block, first, cut)
        carry = block[cut:]
    if carry:
        scanner.feed(carry)
    return scanner.result(source)


class _Scanner:
    """Lines with markers, each looked at once, across blocks of whole lines."""

    def __init__(self) -> None:
        self.state = _Assembler()
        self.newlines = 0  # newlines in the blocks fed so far
        self.size = 0
        self.ends_with_newline = False

    def feed(self, data: bytes, lo: int = 0, hi: int | None = None) -> None:
        """Lines of ``data[lo:hi]`` (whole lines, but for the input's last)."""
        hi = len(data) if hi is None else hi
        state = self.state
        line_no = self.newlines + 1
        counted_to = lo
        line_end = lo
        find, rfind, count = data.find, data.rfind, data.count
        marks = _markers(data, lo, hi)
        i, n = 0, len(marks)
        while i < n:
            pos = marks[i][0]
            start = rfind(b"\n", line_end, pos) + 1 or line_end
            end = find(b"\n", pos, hi)
            if end < 0:
                end = hi
            line_no += count(b"\n", counted_to, start)
            counted_to = start
            has_header = False
            last_row = -1
            while i < n and marks[i][0] < end:  # every marker of this line
                if marks[i][1]:
                    has_header = True
                else:
                    last_row = marks[i][0]
                i += 1
            line, row_at = _bounded_line(data, start, end, last_row)
            if has_header:
                state.header(line, line_no)
            if row_at >= 0:
                # Only the last marker can start a row: a row runs to the end of its line.
                state.row(line, row_at, line_no)
            line_end = end
        self.newlines = line_no - 1 + count(b"\n", counted_to, hi)
        if hi > lo:
            self.size += hi - lo
            self.ends_with_newline = data[hi - 1] == 10

    def result(self, source: str | None) -> JitLog:
        total = self.newlines + (0 if self.ends_with_newline or not self.size else 1)
        return JitLog(source, self.state.finish(), total, self.state.orphans)


def _bounded_line(data: bytes, start: int, end: int, row: int) -> tuple[bytes, int]:
    """The line (head and tail only when overlong) and the row marker's offset in it."""
    if end - start <= MAX_LINE:
        return data[start:end], (row - start if row >= 0 else -1)
    tail_at = end - KEEP
    line = data[start:start + KEEP] + b"\0" * 8 + data[tail_at:end]
    return line, (KEEP + 8 + row - tail_at if row >= tail_at else -1)


def _markers(data: bytes, lo: int = 0, hi: int | None = None):
    """(position, is_header) of every marker in ``data[lo:hi]``, in file order.

    Two plain ``find`` scans merged: far faster than a regex alternation,
    which cannot use a literal-prefix search.
    """
    hi = len(data) if hi is None else hi
    headers = _find_all(data, HEADER_MARK, lo, hi)
    rows = _find_all(data, CODE_MARK, lo, hi)
    if not headers:
        return [(p, False) for p in rows]
    merged = [(p, True) for p in headers] + [(p, False) for p in rows]
    merged.sort()
    return merged


def _find_all(data: bytes, needle: bytes, lo: int = 0, hi: int | None = None) -> list[int]:
    out = []
    find = data.find
    hi = len(data) if hi is None else hi
    pos = find(needle, lo, hi)
    while pos >= 0:
        out.append(pos)
        pos = find(needle, pos + 1, hi)
    return out


class _Assembler:
    """Assigns rows to the open dump they continue.

    Rows from one task follow its header in order, but other CPUs may print
    between them (even another dump).  A row joins the oldest open dump from
    the same caller whose next expected offset it carries; rows that start
    a dump (offset 0, or an address) go to the oldest open dump that has no
    rows yet.
    """

    def __init__(self) -> None:
        self.open: list[_Open] = []
        self.done: list[_Open] = []
        self.orphans = 0
        self.count = 0
        self.open_with_caller = 0  # open dumps whose header carried a caller id

    def header(self, line: bytes, line_no: int) -> None:
        line = line.rstrip(b" \t\r")
        m = _HEADER_RE.search(line, max(0, len(line) - _HEADER_MAX))
        if m is None:
            return
        prefix = line[: m.start()]
        caller = _caller(prefix)
        self._close_superseded(caller)
        image = m.group(4).decode("ascii", "backslashreplace")
        comm = m.group(5).decode("utf-8", "backslashreplace") if m.group(5) is not None else None
        pid = int(m.group(6)) if m.group(6) is not None else None
        try:
            image_int = int(image, 16)
        except ValueError:
            image_int = None
        dump = _Open(self.count, int(m.group(1)), int(m.group(2)), int(m.group(3)), image, comm, pid,
                     line_no, caller, _timestamp(prefix), image_int)
        self.count += 1
        if dump.proglen == 0:
            self.done.append(dump)
        elif image == "(null)":
            # bpf_jit_dump() prints no rows for a NULL image (JIT failed).
            dump.problems.append("image is NULL: the JIT produced no code")
            self.done.append(dump)
        else:
            self.open.append(dump)
            if caller is not None:
                self.open_with_caller += 1
            if len(self.open) > MAX_OPEN:
                oldest = self.open.pop(0)
                self.done.append(oldest)
                if oldest.caller is not None:
                    self.open_with_caller -= 1

    def _close_superseded(self, caller: str | None) -> None:
        # One task prints its header and rows back to back, so a new header
        # from the same caller ends that caller's previous dump.  Without
        # caller ids, a dump that already has rows ends too; one without
        # rows stays open, since two CPUs may print headers back to back.
        if not self.open:
            return
        keep = []
        for d in self.open:
            same = caller is not None and d.caller == caller
            if same or (caller is None or d.caller is None) and d.buf:
                self.done.append(d)
                if d.caller is not None:
                    self.open_with_caller -= 1
            else:
                keep.append(d)
        self.open = keep

    def row(self, line: bytes, pos: int, line_no: int) -> None:
        m = _CODE_RE.match(line, pos)
        if m is None:
            return
        value_text = m.group(1)
        value = int(value_text, 16)
        chunk = bytes.fromhex(m.group(2).decode("ascii"))
        caller = _caller(line[:pos]) if self.open_with_caller else None
        target = self._pick(value, len(value_text), caller)
        if target is None:
            self.orphans += 1
            return
        dump, mode = target
        if dump.mode is None:
            dump.mode = mode
            dump.base = value if mode == "address" else 0
        dump.buf += chunk
        dump.last_line = line_no
        if len(dump.buf) >= dump.proglen:
            if len(dump.buf) > dump.proglen:
                dump.problems.append(f"rows hold {len(dump.buf)} bytes, more than proglen {dump.proglen}")
            self.open.remove(dump)
            self.done.append(dump)
            if dump.caller is not None:
                self.open_with_caller -= 1

    def _pick(self, value: int, digits: int, caller: str | None) -> tuple[_Open, str] | None:
        start_candidate = None
        for d in self.open:
            if caller is not None and d.caller is not None and d.caller != caller:
                continue
            if d.mode is not None:
                if value == d.expected():
                    return d, d.mode
            elif start_candidate is None:
                if value == 0:
                    start_candidate = (d, "offset")
                elif value == d.image_int or digits > 8:
                    start_candidate = (d, "address")
        return start_candidate

    def finish(self) -> tuple[JitDump, ...]:
        everything = self.done + self.open
        everything.sort(key=lambda d: d.index)
        return tuple(d.freeze() for d in everything)


def _caller(prefix: bytes) -> str | None:
    if b"[" not in prefix and b"caller=" not in prefix:
        return None
    m = _CALLER_RE.search(prefix)
    if m is None:
        return None
    return (m.group(1) or m.group(2)).decode("ascii")


def _timestamp(prefix: bytes) -> str | None:
    m = _TS_BRACKET_RE.search(prefix)
    if m:
        return m.group(1).decode("ascii")
    m = _TS_KMSG_RE.match(prefix)
    if m:
        usec = int(m.group(1))
        return f"{usec // 1_000_000}.{usec % 1_000_000:06d}"
    m = _TS_DATE_RE.match(prefix)
    if m:
        return m.group(1).decode("ascii", "replace")
    return None


def select_dump(jitlog: JitLog, *, index: int | None = None, pid: int | None = None,
                comm: str | None = None) -> JitDump:
    """The dump a user asked for; the last one by default (as bpf_jit_disasm).

    ``index`` counts from 0 in log order; negative values count from the end.
    ``pid`` and ``comm`` filter, and the last match wins.
    """
    from bpfdoctor.errors import NotFoundError

    where = jitlog.source or "kernel log"
    if not jitlog.dumps:
        raise NotFoundError(f"{where}: no JIT dump found (no 'flen=... proglen=...' header)",
                            hint="set net.core.bpf_jit_enable=2 before loading the program "
                                 "(not possible on kernels with CONFIG_BPF_JIT_ALWAYS_ON); "
                                 "'bpfdoctor prog dump jited' reads loaded programs instead")
    chosen = list(jitlog.dumps)
    if pid is not None:
        chosen = [d for d in chosen if d.pid == pid]
    if comm is not None:
        chosen = [d for d in chosen if d.comm == comm]
    if not chosen:
        raise NotFoundError(f"{where}: no JIT dump matches"
                            + (f" pid {pid}" if pid is not None else "")
                            + (f" comm {comm!r}" if comm is not None else ""))
    if index is None:
        return chosen[-1]
    if -len(chosen) <= index < len(chosen):
        return chosen[index]
    raise NotFoundError(f"{where}: no JIT dump with index {index} ({len(chosen)} found)")


def require_complete(dump: JitDump, source: str | None) -> None:
    """Raise ``ParseError`` unless ``dump`` holds all ``proglen`` bytes."""
    if not dump.complete:
        raise ParseError(source or "kernel log",
                         f"JIT dump {dump.index} (line {dump.first_line}) is incomplete: "
                         f"{'; '.join(dump.problems) or 'no rows'}",
                         hint="use --partial to disassemble the bytes that were found")
