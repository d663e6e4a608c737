"""The diagnostic record: parsing robustness it relies on, spans, class, renderers."""

from __future__ import annotations

import json

from bpfdoctor.render.diagnostic import diagnostic_lines, one_line
from bpfdoctor.verifier import Verdict, explain_log, parse_file, parse_text
from bpfdoctor.verifier.diagnostic import ErrorClass, diagnostic_from_dict
from bpfdoctor.verifier.errno import gloss

from .conftest import FIXTURES, LOGS

GLUED_TAIL_CALL = """\
0: R1=ctx() R10=fp0
0: (18) r2 = 0xffff888100000000       ; R2=map_ptr(map=jmp,ks=4,vs=4)
2: (b7) r3 = 0                        ; R3=0
3: (85) call bpf_tail_call#12
expected prog array map for tail callprocessed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
"""

GLUED_TOO_LARGE = """\
func#0 @0
0: R1=ctx() R10=fp0
; for (i = 0; i < n; i++) @ big.c:9
7: (07) r1 += 1                       ; R1_w=scalar()BPF program is too large. Processed 1000001 insn
verification time 900000 usec
stack depth 0
processed 1000001 insns (limit 1000000) max_states_per_insn 4 total_states 10 peak_states 10 mark_read 0
"""

GLOBAL_FUNC_L1 = """\
Validating parse() func#1...
12: R1=ctx() R2=scalar() R10=fp0
; return *(int *)(long)ctx->data; @ g.c:7
12: (61) r0 = *(u32 *)(r1 +0)         ; R0_w=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R1=ctx()
13: (79) r0 = *(u64 *)(r0 +0)
R0 invalid mem access 'scalar'
processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
"""


def test_error_glued_to_statistics():
    parsed = parse_text(GLUED_TAIL_CALL)
    assert parsed.verdict is Verdict.REJECTED
    assert parsed.error == "expected prog array map for tail call"
    assert parsed.stats.processed_insns == 3


def test_too_large_glued_to_instruction():
    parsed = parse_text(GLUED_TOO_LARGE)
    assert parsed.verdict is Verdict.REJECTED
    assert parsed.error.startswith("BPF program is too large")
    assert parsed.failing_insn.text == "r1 += 1"
    assert explain_log(parsed).diagnostic.klass is ErrorClass.VERIFIER_LIMIT


def test_global_function_log_is_not_cut():
    parsed = parse_text(GLOBAL_FUNC_L1)
    assert not any("head was cut" in n for n in parsed.notes)
    assert parsed.function == "parse" and parsed.subprogram == 1
    d = explain_log(parsed).diagnostic
    assert d.family == "scalar-deref"


def test_frames_on_the_path_are_kept():
    parsed = parse_file(LOGS / "call_depth.log")
    assert any(s.frame > 0 for s in parsed.trace)


def test_leak_points_at_the_leaking_path_and_the_acquire():
    d = explain_log(parse_file(LOGS / "unreleased_ringbuf.log")).diagnostic
    assert d.klass is ErrorClass.SOURCE_BUG
    assert d.primary.line == 16
    roles = {s.role: s.line for s in d.secondary}
    assert roles["acquired"] == 12 and roles["rejected"] == 19
    assert any("bpf_ringbuf_submit(slot, 0)" in h for h in d.help)


def test_null_check_points_at_the_lookup():
    d = explain_log(parse_file(LOGS / "map_value_null.log")).diagnostic
    assert d.primary.line == 15 and "value" in d.primary.label
    assert "if (!value)" in d.help[0]


def test_signed_check_is_a_source_bug_at_the_check():
    d = explain_log(parse_file(LOGS / "map_index_negative.log")).diagnostic
    assert d.klass is ErrorClass.SOURCE_BUG and d.primary.line == 18
    assert any("signed" in h for h in d.help)


def test_renderers_and_json_round_trip():
    d = explain_log(parse_file(LOGS / "unreleased_ringbuf.log")).diagnostic
    text = "\n".join(t for t, _ in diagnostic_lines(d))
    assert "--> unreleased_ringbuf.c:16" in text and "^" in text and "reference acquired" in text
    assert one_line(d).startswith("unreleased_ringbuf.c:16: error[unreleased-reference] (source-bug)")
    data = json.loads(json.dumps(d.to_dict()))
    assert diagnostic_from_dict(data).to_dict() == data
    assert set(data) >= {"family", "class", "primary", "secondary", "help", "why", "errno"}


def test_errno_gloss_follows_the_message():
    assert "resource rule" in gloss(22, "Unreleased reference id=2", "unreleased-reference")
    assert "license" in gloss(22, "cannot call GPL-restricted function", "gpl-only-helper")
    assert "budget" in gloss(14, "The sequence of 8193 jumps is too complex.")
    assert "unsafe" in gloss(13, "R0 invalid mem access 'scalar'")


# -- the path, def-use, and source refinement ----------------------------------------

from bpfdoctor.verifier import defuse  # noqa: E402
from bpfdoctor.verifier.context import ProgramContext  # noqa: E402
from bpfdoctor.verifier.sources import SourceCache  # noqa: E402
from bpfdoctor.verifier.trace import PathRecorder  # noqa: E402

JUMP_TARGET_GLUED = """\
0: R1=ctx() R10=fp0
0: (61) r1 = *(u32 *)(r1 +0)          ; R1=scalar()
1: (b4) w0 = 1                        ; R0=1
2: (a6) if w1 < 0x579 goto pc+1 4: R0=1 R1=scalar(smin=0,smax=1400) R10=fp0
; if (skb->len > 1400) @ ret.c:9
4: (64) w0 <<= 1                      ; R0=2
; } @ ret.c:16
5: (95) exit
At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]
processed 8 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
"""


def test_decode_kernel_syntax():
    assert defuse.decode("r1 = *(u32 *)(r6 +16)") == defuse.Insn("load", 1, 6, True, 16, 4)
    st = defuse.decode("*(u64 *)(r10 -8) = r3")
    assert (st.op, st.dst, st.src, st.off, st.size) == ("store", 10, 3, -8, 8)
    assert defuse.decode("w2 s>>= 24").wide is False
    assert defuse.decode("if w1 < 0x65 goto pc+4").op == "cond"
    assert defuse.decode("call bpf_map_lookup_elem#1").callee == "bpf_map_lookup_elem"
    assert defuse.decode("r2 = r10").op == "mov"


def test_origin_walks_spills_fills_and_copies():
    parsed = parse_file(LOGS / "map_value_null.log")
    steps = parsed.trace
    fpos = defuse.last_insn_step(steps)
    events = defuse.origin(steps, fpos, 0, 0)
    assert events[-1].kind == "def" and events[-1].how.startswith("call bpf_map_lookup_elem")
    assert events[-1].value.startswith("map_value_or_null")


def test_jump_target_state_on_the_jump_line():
    parsed = parse_text(JUMP_TARGET_GLUED)
    kinds = [(s.kind, s.index) for s in parsed.trace if s.kind != "state"]
    assert ("branch", 4) in kinds
    jump = next(s for s in parsed.trace if s.kind == "insn" and s.index == 2)
    assert jump.text == "if w1 < 0x579 goto pc+1"
    d = explain_log(parsed).diagnostic
    assert d.primary.line == 9   # the instruction that last changed R0


def test_path_recorder_cuts_back_on_resumption_and_is_bounded():
    rec = PathRecorder(limit=100)
    for i in range(5):
        rec.insn(i, 0xBF, f"r{i} = r1", 0, None)
    rec.branch(2, 9, "", 0)
    assert [s.index for s in rec.result()] == [0, 1, 2, 9]
    for i in range(1000):
        rec.insn(i, 0x07, "r1 += 1", 0, None)
    assert len(rec.result()) <= 100 and rec.dropped > 0


class _Files:
    def __init__(self, text):
        self.text = text.splitlines()

    def lines(self, path):
        return self.text


def test_source_moves_the_span_to_the_return_statement():
    src = "\n".join(["int f(struct __sk_buff *skb)", "{"] + ["\t;"] * 6 +
                    ["\tif (skb->len > 1400)", "\t\treturn 0;", "\treturn 2;"] + ["\t;"] * 4 + ["}"])
    ctx = ProgramContext(prog_type="cgroup_skb", sources=_Files(src))
    d = explain_log(parse_text(JUMP_TARGET_GLUED), context=ctx).diagnostic
    assert d.primary.line == 11 and d.primary.text.strip() == "return 2;"
    assert any(s.role == "analysis" and s.line == 9 for s in d.secondary)


def test_source_cache_reads_once_and_refuses_binaries(tmp_path):
    c = tmp_path / "p.c"
    c.write_text("int x;\n")
    b = tmp_path / "b.o"
    b.write_bytes(b"\x7fELF\0\0")
    cache = SourceCache(roots=(str(tmp_path),))
    assert cache.lines(str(c)) == ["int x;"]
    assert cache.lines("elsewhere/p.c") == ["int x;"]      # found next to the object
    assert cache.lines(str(b)) is None and cache.lines("/nonexistent/q.c") is None


def test_aya_framing_and_a_log_without_states():
    text = ("Error: the BPF_PROG_LOAD syscall failed. Verifier output: 0: R1=ctx() R10=fp0\n"
            "0: (79) r0 = *(u64 *)(r1 +0)\n1: (79) r0 = *(u64 *)(r0 +0)\n"
            "R0 invalid mem access 'scalar'\n"
            "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n")
    parsed = parse_text(text)
    assert parsed.verdict is Verdict.REJECTED and not parsed.truncated
    assert parsed.failing_insn.index == 1
    d = explain_log(parsed).diagnostic
    assert any("no register states" in n for n in d.notes)


CHECK_ON_A_COPY = """\
0: R1=ctx() R10=fp0
0: (bf) r6 = r1                       ; R1=ctx() R6=ctx()
1: (18) r1 = 0xffff888100000000       ; R1=map_ptr(map=table,ks=4,vs=256)
3: (85) call bpf_map_lookup_elem#1    ; R0=map_value(map=table,ks=4,vs=256)
; __u32 idx = ctx->rx_queue_index; @ copy.c:14
4: (61) r1 = *(u32 *)(r6 +16)         ; R1=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R6=ctx()
5: (bc) w2 = w1                       ; R1=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R2=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))
; if (idx >= 64) @ copy.c:15
6: (25) if r2 > 0x3f goto pc+4        ; R2=scalar(smin=0,smax=umax=63,var_off=(0x0; 0x3f))
; return slots[idx]; @ copy.c:17
7: (67) r1 <<= 2                      ; R1=scalar(smin=0,smax=umax=0x3fffffffc,var_off=(0x0; 0x3fffffffc))
8: (0f) r0 += r1                      ; R0=map_value(map=table,ks=4,vs=256,smin=0,smax=umax=0x3fffffffc,var_off=(0x0; 0x3fffffffc))
9: (61) r0 = *(u32 *)(r0 +0)
R0 unbounded memory access, make sure to bounds check any such access
processed 9 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
"""


def test_check_on_a_copy_is_a_lowering_artifact():
    d = explain_log(parse_text(CHECK_ON_A_COPY)).diagnostic
    assert d.klass is ErrorClass.LOWERING_ARTIFACT
    assert d.primary.line == 15 and "copy" in d.primary.label
    assert {s.role for s in d.secondary} >= {"rejected", "value-from"}
    assert any("barrier_var" in h for h in d.help)


def test_source_names_the_filesystem_refuses_read_as_missing(tmp_path):
    (tmp_path / "prog.c").write_text("int x;\n")
    cache = SourceCache((str(tmp_path),))
    assert cache.lines("pr\0og.c") is None  # a NUL in a name from a log or BTF: open() raises ValueError
    assert cache.lines("/elsewhere/prog.c") == ["int x;"]


def test_each_instruction_text_is_decoded_once(monkeypatch):
    """origin() walks back up to 4,000 steps for each register it traces;
    decoding every step again made a 30 KB log (found by the fuzz campaign)
    take a second.  Counted, not timed."""
    from collections import Counter
    from pathlib import Path

    from bpfdoctor.verifier import defuse, explain_log, parse_text

    log = Path(__file__).parents[1] / "fuzz" / "regressions" / "verifier.explain" / "origin-walks-decoding-again"
    calls: Counter = Counter()
    real = defuse._decode

    def counting(text):
        calls[text] += 1
        return real(text)

    monkeypatch.setattr(defuse, "_decode", counting)
    monkeypatch.setattr(defuse, "_DECODED", {})
    explain_log(parse_text(log.read_bytes().decode("utf-8", "replace")))
    assert calls and max(calls.values()) == 1


NEGATIVE_INDEX_LOG = LOGS / "map_index_negative.log"
NEGATIVE_INDEX_SRC = (FIXTURES / "map_index_negative.c").read_text()


class _Named:
    """Source files by the name the log gives them, as ``SourceCache`` finds them."""

    def __init__(self, files):
        self.files = {name: text.splitlines() for name, text in files.items()}

    def lines(self, path):
        return self.files.get(path)


def _negative_index(log_text, files):
    ctx = ProgramContext(prog_type="xdp", sources=_Named(files))
    return explain_log(parse_text(log_text), context=ctx).diagnostic


def test_source_finds_the_signed_declaration():
    d = _negative_index(NEGATIVE_INDEX_LOG.read_text(), {"map_index_negative.c": NEGATIVE_INDEX_SRC})
    assert d.primary.line == 16 and "declared signed" in d.primary.label


def test_source_refinement_stays_in_the_file_it_read():
    """The rules search the failing function of the anchor's file, from its
    first line down to the rejected one.  A rejected line in another file (an
    inlined header), or past the end of the file read (the source on disk is not
    the one compiled), gives no refinement; it indexed past the file's lines
    (``IndexError``, found by the diagnostic campaign)."""
    log = NEGATIVE_INDEX_LOG.read_text()
    in_header = log.replace("; return slots[idx]; @ map_index_negative.c:22",
                            "; return slots[idx]; @ slots.h:40")
    d = _negative_index(in_header, {"map_index_negative.c": NEGATIVE_INDEX_SRC,
                                    "slots.h": "\n" * 39 + "return slots[idx];\n"})
    assert d.primary.file in ("map_index_negative.c", "slots.h") and "declared signed" not in d.primary.label
    shorter = "\n".join(NEGATIVE_INDEX_SRC.splitlines()[:20])
    d = _negative_index(log, {"map_index_negative.c": shorter})
    assert "declared signed" not in d.primary.label
