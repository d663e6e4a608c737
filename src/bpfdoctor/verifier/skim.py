"""Long verifier logs: parse the head and the tail, count the middle.

A program that hits the complexity limit leaves a log of a million
instruction lines, 100 MB and more at log level 2.  What the explanation
uses lies at the two ends: the subprograms and the first instruction at the
head; the error, the statistics, the registers and the path to the failing
instruction at the tail (the path the parser keeps is capped at
``trace.MAX_STEPS`` steps anyway, about 5 MB of a level-2 log).  Parsing a
line costs the parser about 10 us; counting the lines of the middle costs
next to nothing.

A regular file over ``SKIM_OVER`` bytes is therefore read as:

- the head (``HEAD`` bytes, cut at a line end), fed to the parser line by line;
- the middle, read through one reused buffer: its lines counted, and the last
  ``Validating f() func#N`` line (the verification of a global function
  restarts the walk) and the last source comment kept and fed, in order;
- the tail (``TAIL`` bytes, moved back to the last ``from X to Y:`` line
  before it when there is one within another ``TAIL``, so that the walk
  resumes from a complete state), fed line by line.

A log whose middle frames programs (libbpf's ``-- BEGIN PROG LOAD LOG --``)
is parsed whole: which program a line belongs to depends on every frame.
Memory stays flat: one ``CHUNK`` of the middle is held at a time.
"""

from __future__ import annotations

import os

from bpfdoctor.verifier.model import ParsedLog
from bpfdoctor.verifier.parser import LogParser

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import BinaryIO

SKIM_OVER = 16 << 20
HEAD = 256 << 10
TAIL = 4 << 20
CHUNK = 8 << 20
_FRAMES = (b"-- BEGIN PROG LOAD LOG --", b"-- END PROG LOAD LOG --")
# Lines of the middle whose effect outlives it (each starts a line: "\n" + text)
_CARRIED = (b"\nValidating ", b"\n; ")
_RESUME = b"\nfrom "


def skim_file(path: str | os.PathLike, parser: LogParser, *, over: int | None = None, head: int | None = None,
              tail: int | None = None, chunk: int | None = None) -> ParsedLog | None:
    """The parsed log of ``path`` read at its ends; None when the file is not
    worth skimming (small, not a regular file, framed programs in the middle):
    the caller then parses it whole.  The sizes default to the module's."""
    over = SKIM_OVER if over is None else over
    head, tail, chunk = head or HEAD, tail or TAIL, chunk or CHUNK
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        if not (st.st_mode & 0o170000 == 0o100000 and st.st_size > over):
            return None
        return _skim(f, st.st_size, parser, head, tail, chunk)


def _skim(f: BinaryIO, size: int, parser: LogParser, head: int, tail: int, chunk: int) -> ParsedLog | None:
    first = f.read(head)
    first += f.readline()
    head_end = len(first)
    f.seek(max(size - tail, head_end))
    f.readline()
    tail_start = f.tell()
    if tail_start <= head_end:
        return None
    # Resume at the last "from X to Y:" before the tail, if near (one read of
    # at most TAIL bytes, from the byte before a line start).
    window_at = max(head_end, tail_start - tail) - 1
    f.seek(window_at)
    resume = f.read(tail_start - window_at).rfind(_RESUME)
    if resume >= 0:
        tail_start = window_at + resume + 1
    found = _scan_middle(f, head_end, tail_start, chunk)
    if found is None:
        return None
    lines, carried_at = found
    carried = []
    for at in sorted(carried_at):
        f.seek(at)
        carried.append(f.readline().decode("utf-8", "replace"))
    f.seek(tail_start)
    last = f.read()
    _feed_text(parser, first)
    parser.skip(lines, tail_start - head_end)
    for raw in carried:
        parser.carry(raw)
    _feed_text(parser, last)
    return parser.finish()


def _scan_middle(f: BinaryIO, start: int, end: int, chunk: int) -> tuple[int, list[int]] | None:
    """Lines between ``start`` and ``end`` (line starts), and where the last
    line of each ``_CARRIED`` kind starts; None when a frame mark is there.
    One buffer, reused: the middle is never held whole."""
    buf = bytearray(chunk)
    lines = 0
    last = {key: -1 for key in _CARRIED}
    keep = max(len(m) for m in _FRAMES + _CARRIED) - 1
    edge = b"\n"  # the bytes before this chunk (a line starts at ``start``)
    f.seek(start)
    pos = start
    while pos < end:
        n = f.readinto(memoryview(buf)[:min(chunk, end - pos)])
        if not n:
            break
        lines += buf.count(b"\n", 0, n)
        # marks across the border: the end of the previous chunk + this one's start
        border = edge + bytes(buf[:min(n, keep)])
        for mark in _FRAMES:
            if buf.find(mark, 0, n) >= 0 or border.find(mark) >= 0:
                return None
        for key in _CARRIED:
            at = buf.rfind(key, 0, n)
            if at >= 0:
                last[key] = pos + at + 1
            else:
                at = border.rfind(key)
                if at >= 0:
                    last[key] = pos - len(edge) + at + 1
        edge = bytes(buf[max(n - keep, 0):n])
        pos += n
    return lines, [at for at in last.values() if at >= 0]


def _feed_text(parser: LogParser, data: bytes) -> None:
    # Lines end at "\n"; the parser strips a "\r" before it.  (Split bytes,
    # decode line by line: a decoded copy of the whole tail took four times
    # its size.)
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    for line in lines:
        parser.feed(line.decode("utf-8", "replace"))
