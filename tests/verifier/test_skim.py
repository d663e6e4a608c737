"""``verifier.skim``: a long log is parsed at its head and tail, its middle counted.

The claim it must keep: when the tail holds the walk that failed, skimming
gives what parsing every line gives.  Checked on every saved kernel log
put behind a long run of lines the parser ignores, and on a generated
level-2 loop log where the middle is real walk.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

import pytest

from bpfdoctor.verifier import explain_log, parse_file
from bpfdoctor.verifier.parser import LogParser
from bpfdoctor.verifier.skim import skim_file

LOGS = sorted(glob.glob(str(Path(__file__).parent / "logs" / "**" / "*.log"), recursive=True))
NOISE = "mark_precise: frame0: last_idx 6 first_idx 2 subseq_idx -1\n"


def _fields(parsed) -> dict:
    d = parsed.to_dict()
    d.pop("notes")
    return d


@pytest.mark.parametrize("log", LOGS, ids=lambda p: os.path.basename(p))
def test_skim_equals_the_whole_parse_when_the_tail_holds_the_log(log, tmp_path):
    text = Path(log).read_text(encoding="utf-8", errors="replace")
    big = tmp_path / "big.log"
    big.write_text(NOISE * 4000 + text)  # ~240 KB the parser ignores, then the log
    whole = parse_file(big, skim=False)
    skimmed = skim_file(big, LogParser(), over=0, head=4096, tail=len(text.encode()) + 512, chunk=50_000)
    assert skimmed is not None
    assert _fields(skimmed) == _fields(whole)
    assert skimmed.trace == whole.trace
    assert any("counted, not parsed" in n for n in skimmed.notes)
    a, b = explain_log(whole), explain_log(skimmed)
    assert (a.finding.id, a.finding.summary, a.exit_code) == (b.finding.id, b.finding.summary, b.exit_code)
    assert (a.diagnostic is None) == (b.diagnostic is None)
    if a.diagnostic is not None:
        assert a.diagnostic.to_dict() == b.diagnostic.to_dict()


BODY = """\
; sum += i ^ skb->len; @ too_large.c:12
2: (61) r3 = *(u32 *)(r1 +0)          ; R1=ctx() R3=scalar(smin=0,smax=umax=0xffffffff)
3: (ac) w3 ^= w2                      ; R2={i:#x} R3=scalar(smin=0,smax=umax=0xffffffff)
4: (0f) r0 += r3                      ; R0=scalar(smin=0,smax=umax={s:#x}) R3=scalar()
; for (__u32 i = 0; i < 5000000; i++) {{ @ too_large.c:11
5: (04) w2 += 1                       ; R2={j:#x}
6: (16) if w2 == 0x4c4b40 goto pc+1   ; R2={j:#x}
7: (05) goto pc-6
"""
HEAD = """\
func#0 @0
0: R1=ctx() R10=fp0
; int too_large(struct __sk_buff *skb) @ too_large.c:5
0: (b7) r0 = 0                        ; R0=0
1: (b4) w2 = 0                        ; R2=0
"""
TAIL = """\
BPF program is too large. Processed 1000001 insn
processed 1000001 insns (limit 1000000) max_states_per_insn 4 total_states 16668 peak_states 16668 mark_read 0
"""


def _loop_log(path: Path, rounds: int, middle: str = "") -> str:
    body = "".join(BODY.format(i=i, j=i + 1, s=i * 0xFFFFFFFF) for i in range(rounds))
    half = len(body) // 2
    cut = body.index("\n", half) + 1
    text = HEAD + body[:cut] + middle + body[cut:] + TAIL
    path.write_text(text)
    return text


def test_a_real_walk_in_the_middle_is_counted(tmp_path):
    log = tmp_path / "loop.log"
    text = _loop_log(log, 6000)
    whole = parse_file(log, skim=False)
    skimmed = skim_file(log, LogParser(), over=0, head=8192, tail=64 << 10, chunk=100_000)
    assert skimmed is not None
    assert skimmed.lines == whole.lines == text.count("\n")
    for field in ("verdict", "error", "stats", "failing_insn", "source", "program", "level"):
        assert getattr(skimmed, field) == getattr(whole, field), field
    # registers last changed in the skipped middle are not known; the rest agree
    assert skimmed.registers and all(whole.registers[k] == v for k, v in skimmed.registers.items())
    assert skimmed.insn_lines < whole.insn_lines
    note = next(n for n in skimmed.notes if "counted, not parsed" in n)
    assert 0 < int(note.split()[0].replace(",", "")) < whole.lines
    assert explain_log(skimmed).finding.id == explain_log(whole).finding.id == "program-too-complex"


def test_a_branch_from_a_jump_before_the_gap_starts_the_path_afresh(tmp_path):
    """The last "from 1 to 32" pops a branch pushed at insn 1, in the head: the
    path is that branch alone, skimmed as whole (not appended to the tail's)."""
    log = tmp_path / "loop.log"
    body = "".join(BODY.format(i=i, j=i + 1, s=i * 0xFFFFFFFF) for i in range(3000))
    log.write_text(HEAD.replace("1: (b4) w2 = 0", "1: (15) if r1 == 0x0 goto pc+30") + body
                   + "from 6 to 8: R2=5\n8: (95) exit\nfrom 1 to 32: safe\n"
                   + "processed 9001 insns (limit 1000000) max_states_per_insn 4 total_states 9 "
                   + "peak_states 9 mark_read 0\n")
    whole = parse_file(log, skim=False)
    skimmed = skim_file(log, LogParser(), over=0, head=4096, tail=32 << 10, chunk=10_000)
    assert [(b.src, b.dst) for b in skimmed.path] == [(b.src, b.dst) for b in whole.path] == [(1, 32)]
    assert skimmed.verdict is whole.verdict and whole.error is None


def test_the_last_validating_line_and_source_comment_of_the_middle_carry(tmp_path):
    log = tmp_path / "loop.log"
    _loop_log(log, 3000, middle="Validating helper() func#1...\n; int helper(void) @ helpers.c:3\n")
    whole = parse_file(log, skim=False)
    skimmed = skim_file(log, LogParser(), over=0, head=4096, tail=32 << 10, chunk=10_000)
    assert skimmed.function == whole.function == "helper"
    assert skimmed.subprogram == whole.subprogram == 1


def test_programs_framed_in_the_middle_are_parsed_whole(tmp_path):
    log = tmp_path / "framed.log"
    _loop_log(log, 3000, middle="libbpf: prog 'b': -- BEGIN PROG LOAD LOG --\n")
    assert skim_file(log, LogParser(), over=0, head=4096, tail=32 << 10) is None


def test_small_files_and_pipes_are_not_skimmed(tmp_path):
    log = tmp_path / "loop.log"
    _loop_log(log, 50)
    assert skim_file(log, LogParser()) is None  # under SKIM_OVER
    size = log.stat().st_size
    assert skim_file(log, LogParser(), over=0, head=size // 2, tail=size // 2) is None  # nothing between
    r, w = os.pipe()
    os.close(w)
    try:
        assert skim_file(f"/proc/self/fd/{r}", LogParser(), over=0) is None
    finally:
        os.close(r)


# -- standard input ------------------------------------------------------------------

@pytest.mark.parametrize("log", LOGS, ids=lambda p: os.path.basename(p))
def test_a_stream_skims_as_the_file_does(log, tmp_path):
    import io

    from bpfdoctor.verifier.skim import skim_stream

    text = Path(log).read_text(encoding="utf-8", errors="replace")
    data = (NOISE * 4000 + text).encode()
    big = tmp_path / "big.log"
    big.write_bytes(data)
    whole = parse_file(big, skim=False)
    sizes = dict(over=0, head=4096, tail=len(text.encode()) + 512, chunk=50_000)
    streamed = skim_stream(io.BytesIO(data), LogParser(), **sizes)
    assert _fields(streamed) == _fields(whole) and streamed.trace == whole.trace
    assert any("counted, not parsed" in n for n in streamed.notes)
    # under the threshold: every line parsed, the notes too are the whole parse's
    small = skim_stream(io.BytesIO(data), LogParser(), **{**sizes, "over": len(data)})
    assert small.to_dict() == whole.to_dict()


def test_a_stream_carries_the_program_frames_of_its_middle(tmp_path):
    import io

    from bpfdoctor.verifier.skim import skim_stream

    logs = Path(__file__).parent / "logs"
    first = (logs / "gpl_only.l1.log").read_text()
    last = (logs / "scalar_deref.l1.log").read_text()
    data = (first + NOISE * 4000 + last).encode()
    big = tmp_path / "two.log"
    big.write_bytes(data)
    whole = parse_file(big, skim=False)
    streamed = skim_stream(io.BytesIO(data), LogParser(), over=0, head=256, tail=len(last) + 64, chunk=20_000)
    assert whole.program == streamed.program == "scalar_deref"
    for field in ("verdict", "error", "failing_insn", "errno", "registers", "trace", "stats", "lines", "excerpt"):
        assert getattr(streamed, field) == getattr(whole, field), field
    # the file form falls back to the whole parse for framed programs
    assert skim_file(big, LogParser(), over=0, head=256, tail=len(last) + 64) is None


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_explain_skims_by_default_and_not_with_no_skim(source, tmp_path, monkeypatch, capsys):
    import io
    import json
    import sys

    from bpfdoctor.cli import State, load_command
    from bpfdoctor.verifier import skim

    log = tmp_path / "loop.log"
    _loop_log(log, 6000)
    monkeypatch.setattr(skim, "SKIM_OVER", 1 << 20)
    monkeypatch.setattr(skim, "HEAD", 8192)
    monkeypatch.setattr(skim, "TAIL", 64 << 10)
    cmd = load_command("explain")
    for no_skim, noted in ((False, True), (True, False)):
        if source == "stdin":
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(log.read_bytes())))
        cmd.call(State(), logfile=str(log) if source == "file" else "-", as_json=True, no_skim=no_skim)
        data = json.loads(capsys.readouterr().out)
        assert any("counted, not parsed" in n for n in data["log"]["notes"]) is noted
        assert data["finding"]["id"] == "program-too-complex"


def test_lines_without_an_end_stay_bounded():
    import io

    from bpfdoctor.verifier.skim import skim_stream

    data = b"x" * (3 << 20) + b"\rR0 !read_ok\r" * 1000
    parsed = skim_stream(io.BytesIO(data), LogParser(), over=1 << 20, head=4096, tail=64 << 10, chunk=1 << 16)
    assert parsed.lines > 0
