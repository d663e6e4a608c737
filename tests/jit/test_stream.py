"""parse_stream (blocks, flat memory) gives what parse_log gives, and hostile
lines stay linear: many markers on one line, endless lines, huge numbers."""

import io
import random

import pytest

from bpfdoctor.jit.logparse import KEEP, MAX_LINE, MAX_OPEN, parse_log, parse_stream

from .jit_logforms import FORMS, DumpSpec, make_log


def _logs():
    data = bytes(range(7, 250, 3))
    specs = [DumpSpec(data, 10, pid=1), DumpSpec(data[::-1], 11, pid=2, address=0xFFFFFFFFA0000000,
                                                 image_ptr="ffffffffa0000000")]
    for name, form in sorted(FORMS.items()):
        yield name, make_log(specs, form, rng=random.Random(3), noise=0.5).encode()


@pytest.mark.parametrize("name,log", list(_logs()), ids=[n for n, _ in _logs()])
@pytest.mark.parametrize("chunk", [1, 7, 64, 4096])
def test_stream_equals_whole(name, log, chunk):
    whole = parse_log(log, "x")
    assert whole.dumps, name
    assert parse_stream(io.BytesIO(log), "x", chunk_size=chunk) == whole
    assert parse_stream(io.BytesIO(log + b"tail without newline"), "x", chunk_size=chunk) == \
        parse_log(log + b"tail without newline", "x")


def test_line_count_matches_the_input():
    for text in (b"", b"a", b"a\n", b"a\nb", b"\n\n", b"flen=1 proglen=0 pass=1 image=x\n"):
        assert parse_log(text).lines == (text.count(b"\n") + (0 if not text or text.endswith(b"\n") else 1))
        assert parse_stream(io.BytesIO(text), chunk_size=1).lines == parse_log(text).lines


def test_many_headers_on_one_line_make_one_dump_at_most():
    line = b"flen=1 proglen=1 pass=1 image=x from=" * 20000 + b" pid=1\n"
    log = parse_log(line)
    assert len(log.dumps) <= 1
    log = parse_log(b" proglen=" * 50000 + b"\n")
    assert log.dumps == ()


def test_an_endless_line_keeps_its_tail():
    header = b"flen=2 proglen=4 pass=1 image=ffff from=a pid=3"
    line = b"x" * (MAX_LINE * 3) + b" " + header + b"\n" + b"JIT code: 00000000: 01 02 03 04\n"
    for log in (parse_log(line), parse_stream(io.BytesIO(line), chunk_size=MAX_LINE // 3)):
        assert [(d.proglen, d.pid, d.data) for d in log.dumps] == [(4, 3, b"\x01\x02\x03\x04")]
    assert KEEP < MAX_LINE


def test_numbers_past_the_digit_limit_are_not_a_header():
    big = b"9" * 5000
    assert parse_log(b"flen=" + big + b" proglen=1 pass=1 image=x\n").dumps == ()
    assert parse_log(b"flen=1 proglen=1 pass=1 image=x from=a pid=" + big + b"\n").dumps == ()


def test_open_dumps_are_bounded():
    log = b"".join(b"flen=1 proglen=8 pass=1 image=%d\n" % i for i in range(MAX_OPEN * 3))
    parsed = parse_log(log + b"JIT code: 00000000: 01 02 03 04 05 06 07 08\n")
    assert len(parsed.dumps) == MAX_OPEN * 3
    assert sum(d.complete for d in parsed.dumps) == 1
