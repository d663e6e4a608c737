"""The library side of the post-load commands: what the CLI calls, used
directly (selection, input decoding, the trace session) and the renderers."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from bpfdoctor.errors import UsageError
from bpfdoctor.kernel.prog_select import is_selector
from bpfdoctor.kernel.stats import ProgRate, StatsSample, StatsSession
from bpfdoctor.kernel.test_run import parse_hex
from bpfdoctor.kernel.trace import Silence, TraceEnd, TraceLine
from bpfdoctor.render import maps as RM
from bpfdoctor.render.stats import sample_out, session_note
from bpfdoctor.render.trace import line_out, silence_json, silence_text


@pytest.mark.parametrize("words, expected", [
    (("id", "7"), True), (("7",), True), (("name", "x"), True), (("pinned", "/sys/fs/bpf/p"), True),
    (("prog.o",), False), (("id", "7", "x"), False), (("bogus", "7"), False),
])
def test_is_selector(words, expected):
    assert is_selector(words) is expected


def test_parse_hex_allows_spaces_and_colons():
    assert parse_hex("de:ad be ef") == b"\xde\xad\xbe\xef"
    with pytest.raises(UsageError, match="not hex digits"):
        parse_hex("zz")


def test_trace_lines_text_and_json():
    pipe, stream = TraceLine("  bash-1 ... hi"), TraceLine("oops", "stderr", 9)
    assert line_out(pipe, False) == "  bash-1 ... hi\n"
    assert json.loads(line_out(pipe, True)) == {"line": "  bash-1 ... hi"}
    assert line_out(stream, False) == "[prog 9 stderr] oops\n"
    assert json.loads(line_out(stream, True)) == {"stream": "stderr", "prog": 9, "line": "oops"}


def test_silence_rendered_with_causes_and_fixes():
    end = TraceEnd(0, (Silence("trace-no-printk", "no printer", "load it"), Silence("x", "other")))
    assert silence_text(end) == ("bpfdoctor: nothing arrived:\n  cause: no printer\n    fix: load it\n"
                                 "  cause: other\n")
    assert json.loads(silence_json(end)) == {"lines": 0, "silence": [
        {"id": "trace-no-printk", "summary": "no printer", "fix": "load it"},
        {"id": "x", "summary": "other", "fix": None}]}
    assert silence_text(TraceEnd(0)) == "bpfdoctor: nothing arrived\n"


def test_stats_samples_and_note():
    rate = ProgRate(3, "xdp", "p", 10, 5.0, 12.34, 100, 1234, 0)
    first, second = StatsSample(1, 2.0, (rate,), 1, 2), StatsSample(2, 2.0, (), 2, 2)
    assert not sample_out(first, False).startswith("\n") and sample_out(second, False).startswith("\n")
    assert "1 program(s) ran in 2.0 s; 1 loaded program(s) did not run" in sample_out(first, False)
    j = json.loads(sample_out(first, True))
    assert j["sample"] == 1 and j["programs"][0] == {
        "id": 3, "type": "xdp", "name": "p", "runs": 10, "runs_per_s": 5.0, "avg_ns": 12.3,
        "total_runs": 100, "total_ns": 1234, "recursion_misses": 0}
    assert session_note(StatsSession(0)) is None and "already 1" in session_note(StatsSession(1))


def test_map_dump_notes_name_the_limit():
    info = SimpleNamespace(id=5, name="")
    d = SimpleNamespace(info=info, entries=(1, 2), notes=("a note",), truncated=True)
    assert RM.dump_notes([d]) == ["a note", "map 5 (no name): stopped after 2 entries; pass --limit 0 for all"]


@pytest.mark.kernel
def test_trace_session_ends_with_one_record(root_kernel):
    from bpfdoctor.kernel.trace import TraceNote, session

    recs = list(session(timeout=0.2))
    assert isinstance(recs[-1], TraceEnd) and not any(isinstance(r, TraceEnd) for r in recs[:-1])
    lines = [r for r in recs if isinstance(r, TraceLine)]
    assert recs[-1].lines == len(lines)
    assert not any(isinstance(r, TraceNote) for r in recs)  # nothing mounted unless asked
    if not lines:
        assert recs[-1].silence  # silence always comes with a cause
