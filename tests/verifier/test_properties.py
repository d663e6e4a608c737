"""Bad input: the parser returns a result for anything, never raises, never hangs."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpfdoctor.verifier import ParsedLog, Verdict, explain_log, parse_text
from .conftest import LOGS

SAMPLES = [(LOGS / n).read_text() for n in ("map_value_null.log", "combined_stack.log",
                                           "unreleased_socket.l1.log", "call_depth.log")]
# Pieces of real logs, to make random inputs look like logs often enough.
PIECES = [line for text in SAMPLES for line in text.splitlines()] + [
    "from 3 to 5: safe", "caller:", "callee:", " frame1: R1=ctx()", "to caller at 4:",
    "load program: permission denied: 3: (b7) r0 = 0: R9 !read_ok (2 line(s) omitted)",
    "libbpf: prog 'x': -- BEGIN PROG LOAD LOG --", "-- END PROG LOAD LOG --",
    "processed 1 insns", "; x @ f.c:1", "func#1 @7", "R0=", "0: (", "99999999999999999999: (85) call",
]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(text: str) -> ParsedLog:
    parsed = parse_text(text)
    assert isinstance(parsed, ParsedLog)
    result = explain_log(parsed)
    assert result.finding.area == "verifier"
    assert result.exit_code in (0, 1)
    parsed.to_dict()
    return parsed


@SETTINGS
@given(st.text())
def test_random_text(text):
    _check(text)


@SETTINGS
@given(st.binary())
def test_random_bytes(data):
    _check(data.decode("utf-8", "replace"))


@SETTINGS
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_shuffled_log_lines(lines):
    _check("\n".join(lines))


@SETTINGS
@given(st.sampled_from(SAMPLES), st.integers(min_value=0), st.integers(min_value=0))
def test_truncated_logs(text, a, b):
    a, b = sorted((a % (len(text) + 1), b % (len(text) + 1)))
    cut = text[a:b]
    parsed = _check(cut)
    if "processed " not in cut:
        # without the statistics line nothing may claim the program loaded
        assert parsed.verdict is not Verdict.ACCEPTED
        if parsed.verdict is Verdict.UNKNOWN and parsed.insn_lines:
            assert parsed.truncated


@SETTINGS
@given(st.sampled_from(SAMPLES), st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_flipped_bytes(text, pos, value):
    data = bytearray(text.encode())
    data[pos % len(data)] = value
    _check(data.decode("utf-8", "replace"))


@SETTINGS
@given(st.sampled_from(SAMPLES), st.text(max_size=200), st.text(max_size=200))
def test_log_inside_other_text(text, before, after):
    parsed = _check(before + "\n" + text + "\n" + after)
    original = parse_text(text)
    if original.verdict is Verdict.REJECTED and "\n" not in before and "\n" not in after \
            and "BEGIN PROG" not in text:
        assert explain_log(parsed).finding.id == explain_log(original).finding.id
