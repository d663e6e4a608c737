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

A file whose middle frames programs (libbpf's ``-- BEGIN PROG LOAD LOG --``)
is parsed whole: which program a line belongs to depends on every frame.

Standard input cannot be read twice: ``skim_stream`` parses the head as it
arrives, keeps a window of the last ``2 * TAIL`` bytes, and scans what leaves
it; at the end the window's last ``TAIL`` bytes are the tail.  There the
middle's ``libbpf:`` lines (the program frames, the loader's errno) are all
carried, in order, instead of parsing the whole input; with ``--program``,
or when the input ends under ``SKIM_OVER``, every line is parsed.

Memory stays flat: a bounded window of the middle is held at a time.
"""

from __future__ import annotations

import os
import stat

from bpfdoctor.verifier.model import ParsedLog
from bpfdoctor.verifier.parser import LogParser

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import BinaryIO

SKIM_OVER = 16 << 20
HEAD = 256 << 10
TAIL = 4 << 20
CHUNK = 1 << 20
_FRAMES = (b"-- BEGIN PROG LOAD LOG --", b"-- END PROG LOAD LOG --")
# Lines of the middle whose effect outlives it: the last of each kind is carried
_LAST = (b"Validating ", b"; ")
_LIBBPF = b"libbpf: "
_MAX_LIBBPF = 4096  # libbpf lines carried from a stream's middle (the latest)
_RESUME = b"\nfrom "
_LONG_LINE = 4 << 20  # a "line" longer than this is cut (bounded memory on any input)


class _Middle:
    """What the skipped middle leaves: its size in lines and bytes, where the
    last line of each ``_LAST`` kind is and what it says, and either whether
    a program frame is in it (files) or its ``libbpf:`` lines (streams).
    ``scan`` takes whole lines only."""

    def __init__(self, start: int, libbpf: bool) -> None:
        self.at = start          # offset of the next byte scanned
        self.lines = 0
        self.size = 0
        self.last: dict[bytes, tuple[int, bytes]] = {}
        self.framed = False
        self.libbpf: list[tuple[int, bytes]] | None = [] if libbpf else None

    def scan(self, block: bytes) -> None:
        self.lines += block.count(b"\n")
        self.size += len(block)
        for key in _LAST:
            line = _last_line(block, key)
            if line is not None:
                self.last[key] = (self.at + line[0], line[1])
        if self.libbpf is None:
            self.framed = self.framed or any(mark in block for mark in _FRAMES)
        else:
            for at, text in _lines_with(block, _LIBBPF):
                self.libbpf.append((self.at + at, text))
            del self.libbpf[:-_MAX_LIBBPF]
        self.at += len(block)

    def carried(self) -> list[str]:
        lines = sorted(list(self.last.values()) + (self.libbpf or []))
        return [text.decode("utf-8", "replace") for _, text in lines]


def _last_line(block: bytes, key: bytes) -> tuple[int, bytes] | None:
    at = block.rfind(b"\n" + key) + 1
    if not at and not block.startswith(key):
        return None
    end = block.find(b"\n", at)
    return at, block[at:end if end >= 0 else len(block)]


def _lines_with(block: bytes, key: bytes):
    """(offset, text) of every line of ``block`` that starts with ``key``."""
    padded = b"\n" + block  # offsets in padded, less one, are offsets in block
    at = padded.find(b"\n" + key)
    while at >= 0:
        end = padded.find(b"\n", at + 1)
        end = len(padded) if end < 0 else end
        yield at, padded[at + 1:end]
        at = padded.find(b"\n" + key, end)


def skim_file(path: str | os.PathLike, parser: LogParser, *, over: int | None = None, head: int | None = None,
              tail: int | None = None, chunk: int | None = None) -> ParsedLog | None:
    """The parsed log of ``path`` read at its ends; None when the file is not
    worth skimming (small, not a regular file, framed programs in the middle):
    the caller then parses it whole.  The sizes default to the module's."""
    over = SKIM_OVER if over is None else over
    head, tail, chunk = head or HEAD, tail or TAIL, chunk or CHUNK
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        if not (stat.S_ISREG(st.st_mode) and st.st_size > over):
            return None
        return _skim(f, st.st_size, parser, head, tail, chunk)


def _skim(f: BinaryIO, size: int, parser: LogParser, head: int, tail: int, chunk: int) -> ParsedLog | None:
    first = f.read(head)
    first += f.readline(_LONG_LINE)
    head_end = len(first)
    if size - tail <= head_end:
        return None  # head and tail meet: nothing to skip
    f.seek(size - tail)
    f.readline(_LONG_LINE)
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
    middle = _Middle(head_end, libbpf=False)
    f.seek(head_end)
    rest = b""
    while middle.at + len(rest) < tail_start:
        block = rest + f.read(min(chunk, tail_start - middle.at - len(rest)))
        cut = block.rfind(b"\n") + 1 if middle.at + len(block) < tail_start else len(block)
        if not cut and len(block) > _LONG_LINE:
            cut = len(block)  # no line end in megabytes: not a log, but bounded all the same
        middle.scan(block[:cut])
        rest = block[cut:]
        if middle.framed:
            return None
    f.seek(tail_start)
    last = f.read()
    _feed_text(parser, first)
    _finish(parser, middle, last)
    return parser.finish()


def skim_stream(stream: BinaryIO, parser: LogParser, *, over: int | None = None, head: int | None = None,
                tail: int | None = None, chunk: int | None = None) -> ParsedLog:
    """The parsed log read from ``stream`` (standard input), skimmed when it
    runs past ``over`` bytes, parsed whole otherwise."""
    over = SKIM_OVER if over is None else over
    head, tail, chunk = head or HEAD, tail or TAIL, chunk or CHUNK
    first = stream.read(head)
    while first.find(b"\n", head - 1) < 0 and len(first) < head + _LONG_LINE:
        more = stream.read(chunk)
        if not more:
            break
        first += more
    cut = first.find(b"\n", head - 1) + 1 or len(first)
    window = bytearray(first[cut:])
    first = first[:cut]
    _feed_text(parser, first)
    middle = _Middle(len(first), libbpf=True)
    skimming = False
    while True:
        more = stream.read(chunk)
        if not more:
            break
        window += more
        skimming = skimming or middle.at + len(window) > over
        if skimming and len(window) > 2 * tail + chunk:
            cut = window.rfind(b"\n", 0, len(window) - 2 * tail) + 1
            if not cut and len(window) > 2 * tail + _LONG_LINE:
                cut = len(window) - 2 * tail  # no line end in megabytes
            if cut:
                middle.scan(bytes(window[:cut]))
                del window[:cut]
    if not skimming:
        _feed_text(parser, bytes(window))
        return parser.finish()
    tail_start = window.find(b"\n", max(len(window) - tail, 0)) + 1 or len(window)
    resume = window.rfind(_RESUME, max(tail_start - 1 - tail, 0), tail_start - 1)
    if resume >= 0:
        tail_start = resume + 1
    middle.scan(bytes(window[:tail_start]))
    _finish(parser, middle, bytes(window[tail_start:]))
    return parser.finish()


def _finish(parser: LogParser, middle: _Middle, last: bytes) -> None:
    parser.skip(middle.lines, middle.size)
    for raw in middle.carried():
        parser.carry(raw)
    _feed_text(parser, last)


def _feed_text(parser: LogParser, data: bytes) -> None:
    # Lines end at "\n", "\r\n" or "\r", as in the text-mode file parse_file
    # opens.  (Split bytes, decode line by line: a decoded copy of the whole
    # tail took four times its size.)
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    for line in lines:
        parser.feed(line.decode("utf-8", "replace"))
