"""Log shapes other than 6.18's: older kernels, loaders, logs inside other text.

The old-kernel samples are written in the formats those kernels print
(kernel/bpf/verifier.c of 4.x/5.x: print_verifier_state with liveness
suffixes and 'inv', statistics without the state counters).
"""

from __future__ import annotations

from bpfdoctor.verifier import Verdict, explain_log, explain_text, parse_text
from .conftest import LOGS

OLD_5X_LEVEL2 = """\
0: R1=ctx(id=0,off=0,imm=0) R10=fp0
0: (bf) r6 = r1
1: R1=ctx(id=0,off=0,imm=0) R6_w=ctx(id=0,off=0,imm=0) R10=fp0
1: (b7) r1 = 0
2: R1_w=invP0 R6_w=ctx(id=0,off=0,imm=0) R10=fp0
2: (63) *(u32 *)(r10 -4) = r1
3: R1_w=invP0 R6_w=ctx(id=0,off=0,imm=0) R10=fp0 fp-8=mmmm????
3: (bf) r2 = r10
4: R1_w=invP0 R2_w=fp0 R6_w=ctx(id=0,off=0,imm=0) R10=fp0 fp-8=mmmm????
4: (07) r2 += -4
5: R1_w=invP0 R2_w=fp-4 R6_w=ctx(id=0,off=0,imm=0) R10=fp0 fp-8=mmmm????
5: (18) r1 = 0xffff8881aee6c000
7: R1_w=map_ptr(id=0,off=0,ks=4,vs=8,imm=0) R2_w=fp-4 R6_w=ctx(id=0,off=0,imm=0) R10=fp0 fp-8=mmmm????
7: (85) call bpf_map_lookup_elem#1
8: R0_w=map_value_or_null(id=1,off=0,ks=4,vs=8,imm=0) R6_w=ctx(id=0,off=0,imm=0) R10=fp0 fp-8=mmmm????
8: (79) r1 = *(u64 *)(r0 +0)
R0 invalid mem access 'map_value_or_null'
processed 9 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
"""

OLD_4X_LEVEL1 = """\
0: (bf) r6 = r1
1: (61) r1 = *(u32 *)(r6 +76)
2: (79) r0 = *(u64 *)(r1 +0)
R1 invalid mem access 'inv'
processed 3 insns (limit 131072), stack depth 0
"""

FRAMES_5X = """\
0: R1=ctx(id=0,off=0,imm=0) R10=fp0
0: (bf) r6 = r1
1: (85) call pc+2
caller:
 R6_w=ctx(id=0,off=0,imm=0) R10=fp0
callee:
 frame1: R1=ctx(id=0,off=0,imm=0) R10=fp0
4: (b7) r0 = 0
5: (95) exit
returning from callee:
 frame1: R0_w=inv0 R1=ctx(id=0,off=0,imm=0) R10=fp0
to caller at 2:
 R0_w=inv0 R6_w=ctx(id=0,off=0,imm=0) R10=fp0
2: (bf) r0 = r3
R3 !read_ok
processed 6 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 1
"""


def test_old_level2_full_states_with_liveness_suffixes():
    parsed = parse_text(OLD_5X_LEVEL2)
    result = explain_log(parsed)
    assert result.finding.id == "map-value-null-check-missing"
    assert parsed.failing_insn.index == 8
    assert parsed.registers["R0"] == "map_value_or_null(id=1,off=0,ks=4,vs=8,imm=0)"
    assert "R1" not in parsed.registers  # clobbered by the call
    assert parsed.stats.processed_insns == 9


def test_old_kernel_inv_wording_and_stats():
    parsed = parse_text(OLD_4X_LEVEL1)
    assert explain_log(parsed).finding.id == "scalar-deref"
    assert parsed.failing_insn.text == "r0 = *(u64 *)(r1 +0)"
    assert parsed.stats.insn_limit == 131072 and parsed.stats.stack_depth == (0,)
    assert parsed.stats.total_states is None
    # no state lines at all: the register is unknown, not "not initialised", and
    # the instructions since (here: since the start) say where it came from
    assert explain_log(parsed).registers == {
        "R1": "? (after the last state: insn 1: r1 = *(u32 *)(r6 +76))"}


def test_caller_callee_frames():
    parsed = parse_text(FRAMES_5X)
    assert parsed.failing_insn.index == 2 and parsed.failing_insn.frame == 0
    assert parsed.registers["R0"] == "inv0" and "R1" not in parsed.registers
    assert explain_log(parsed).finding.id == "uninitialized-register"


def test_subprogram_frames_in_6x_annotations():
    parsed = parse_text((LOGS / "call_depth.log").read_text())
    assert parsed.failing_insn.frame == 7
    assert parsed.error == "the call stack of 9 frames is too deep"


def test_libbpf_framing_picks_the_program():
    one = (LOGS / "map_value_null.l1.log").read_text()
    two = (LOGS / "scalar_deref.l1.log").read_text()
    both = one + two
    assert explain_text(both).finding.id == "scalar-deref"          # the last log
    parsed = parse_text(both, program="map_value_null")
    assert parsed.program == "map_value_null"
    assert explain_log(parsed).finding.id == "map-value-null-check-missing"


def test_cilium_error_line():
    line = ("field MapValueNull: program map_value_null: load program: permission denied: "
            "7: (79) r1 = *(u64 *)(r0 +0): R0 invalid mem access 'map_value_or_null' "
            "(6 line(s) omitted)\n")
    parsed = parse_text(line)
    assert parsed.errno == 13
    assert parsed.failing_insn.index == 7
    assert parsed.error == "R0 invalid mem access 'map_value_or_null'"
    assert any("6 line(s) of the log were omitted" in n for n in parsed.notes)
    assert explain_log(parsed).finding.id == "map-value-null-check-missing"


def test_cilium_without_instruction():
    parsed = parse_text("load program: invalid argument: unreachable insn 2 (3 line(s) omitted)")
    assert parsed.errno == 22
    assert explain_log(parsed).finding.id == "unreachable-insn"


def test_cilium_line_of_many_parts_keeps_the_first_twenty():
    """Each kept error line is tried against the whole catalog: a line of
    thousands of ": " parts (found by the fuzz campaign) cost seconds."""
    parsed = parse_text("load program: invalid argument: unreachable insn 2" + ": x" * 5000)
    assert parsed.error == "unreachable insn 2" and len(parsed.error_detail) == 20
    assert explain_log(parsed).finding.id == "unreachable-insn"


def test_log_embedded_in_other_text():
    text = ("=== RUN   TestLoad\n    some test output\n"
            + (LOGS / "packet_no_bounds.log").read_text()
            + "--- FAIL: TestLoad (0.01s)\nFAIL\n")
    parsed = parse_text(text)
    assert explain_log(parsed).finding.id == "packet-bounds-check-missing"
    assert parsed.error_detail == ("R1 offset is outside of the packet",)


def test_truncated_tail_is_reported():
    full = (LOGS / "map_index_unbounded.log").read_text()
    cut = full[: full.index("R0 unbounded memory access")]
    parsed = parse_text(cut)
    assert parsed.verdict is Verdict.UNKNOWN and parsed.truncated
    assert any("truncated" in n for n in parsed.notes)
    assert explain_log(parsed).finding.id == "verifier-log-incomplete"


def test_enospc_from_loader():
    text = ("libbpf: prog 'x': BPF program load failed: No space left on device\n"
            "libbpf: prog 'x': -- BEGIN PROG LOAD LOG --\n0: R1=ctx() R10=fp0\n"
            "0: (b7) r0 = 0\n-- END PROG LOAD LOG --\nlibbpf: prog 'x': failed to load: -28\n")
    parsed = parse_text(text)
    assert parsed.errno == 28 and parsed.truncated
    assert any("ENOSPC" in n for n in parsed.notes)


def test_loader_failure_without_verifier_error():
    parsed = parse_text("libbpf: prog 'x': failed to load: -1\n")
    result = explain_log(parsed)
    assert result.finding.id == "load-failed-eperm"
    assert "diagnose_eperm" in result.finding.detail


def test_branch_path_follows_the_current_walk():
    text = """\
0: R1=ctx() R10=fp0
0: (b7) r0 = 0                 ; R0=0
1: (15) if r1 == 0x0 goto pc+2 ; R1=ctx()
2: (55) if r0 != 0x0 goto pc+1 ; R0=0
3: (95) exit
from 2 to 4: R0=0 R1=ctx() R10=fp0
4: (95) exit
from 1 to 4: R0=0 R1=ctx() R10=fp0
4: (bf) r0 = r9
R9 !read_ok
processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
"""
    parsed = parse_text(text)
    assert [(b.src, b.dst) for b in parsed.path] == [(1, 4)]


# The tail of an accepted level-2 log of a loop, as Linux 6.18 prints it
# (tests/verifier/logs/ok_loop_scan.log ends this way): after the last
# instruction come a pruned path ("16: safe"), precision propagated to a
# parent state, the loop's SCC bookkeeping and more pruned branches.
ACCEPTED_LOOP_TAIL = """\
Live regs before insn:
      0: .1........ (61) r2 = *(u32 *)(r1 +4)
  1   7: .1234..... (bc) w4 = w3
0: R1=ctx() R10=fp0
0: (61) r2 = *(u32 *)(r1 +4)          ; R1=ctx() R2=pkt_end()
SCC enter (1)
7: (bc) w4 = w3                       ; R3=1 R4=1
{tail}
from 4 to 26: safe
verification time 1578 usec
stack depth 0
processed 186 insns (limit 1000000) max_states_per_insn 2 total_states 16 peak_states 16 mark_read 0
"""


def test_accepted_log_ending_in_pruning_precision_and_scc_lines():
    for tail in ("16: safe", "frame 0: propagating r3", "frame 1: propagating r3,r4,fp8", "SCC exit (1)",
                 "frame 0: propagating r3\nmark_precise: frame0: last_idx 9 first_idx 20 subseq_idx -1\n"
                 "16: safe\nSCC exit (1)"):
        parsed = parse_text(ACCEPTED_LOOP_TAIL.format(tail=tail))
        assert parsed.verdict is Verdict.ACCEPTED and parsed.error is None, (tail, parsed.error)
        assert explain_log(parsed).exit_code == 0


def test_an_error_after_pruned_paths_is_still_the_error():
    text = ("0: R1=ctx() R10=fp0\n0: (b7) r0 = 0\n1: (15) if r1 == 0x0 goto pc+2\n2: safe\n"
            "from 1 to 4: R0=0 R1=ctx() R10=fp0\nframe 0: propagating r1\n4: (bf) r0 = r9\nR9 !read_ok\n"
            "processed 4 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n")
    parsed = parse_text(text)
    assert parsed.verdict is Verdict.REJECTED and parsed.error == "R9 !read_ok"


def test_lines_between_branches_are_not_the_error():
    """A "from X to Y" line means the walk went on: what came before it since
    the last instruction was no error."""
    text = ("0: R1=ctx() R10=fp0\n0: (15) if r1 == 0x0 goto pc+1\n1: (95) exit\nsome future debug line\n"
            "from 0 to 2: R1=ctx() R10=fp0\n2: (95) exit\n"
            "processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n")
    assert parse_text(text).verdict is Verdict.ACCEPTED


def test_a_line_of_thousands_of_glued_lines_is_fed_piece_by_piece():
    """Found by the fuzzer (a thousand glued lines in one): the parser split
    such a line by recursion and ran out of stack.  Every piece counts."""
    stats = "processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0"
    parsed = parse_text("0: (b7) r0 = 0" + "verification time 5 usec" * 3000 + stats + "\n")
    assert parsed.verdict is Verdict.ACCEPTED and parsed.stats.processed_insns == 3
    aya = parse_text("Error: the BPF_PROG_LOAD syscall failed. Verifier output: " * 500
                     + "0: (bf) r0 = r9\n" + "R9 !read_ok\n")
    assert aya.error == "R9 !read_ok"


def test_informational_lines_before_the_error_are_not_the_error():
    """A tracing program's allowed argument access (btf_ctx_access) and the
    6.18 stack-liveness debug lines with a callchain are printed on the way;
    the error is the line that says what was refused."""
    text = ("func 'sched_switch' arg1 has btf_id 120 type STRUCT 'task_struct'\n"
            "(0,3) frame 1 insn 12 +live -8,-16\n(0,3) live stack update done in 2 iterations\n"
            "R1 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_\n"
            "processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n")
    parsed = parse_text(text)
    assert parsed.error.startswith("R1 type=scalar expected=fp") and parsed.error_detail == ()
    # the errors btf.c prints about an argument still are errors
    refused = parse_text("func 'tcp_probe' arg2 type STRUCT is not a struct\n")
    assert refused.error == "func 'tcp_probe' arg2 type STRUCT is not a struct"


# Shapes seen in logs pasted into public issue threads (lines written here in
# those formats, not copied): loggers wrapping each line, loader summaries,
# logs cut to their last lines.

def _explained(text: str):
    parsed = parse_text(text)
    return parsed, explain_log(parsed)


def test_logfmt_wrapped_lines_are_unwrapped():
    text = ('time="2025-01-02T03:04:05Z" level=warning msg="Verifier analysis:" subsys=loader\n'
            'time="2025-01-02T03:04:05Z" level=warning msg="Skipped 1921 bytes, use \'verb\' option '
            'for the full verbose log." subsys=loader\n'
            'level=warning msg="[...]"\n'
            'level=warning msg="12: (61) r2 = *(u32 *)(r6 +76)"\n'
            'level=warning msg="13: (71) r3 = *(u8 *)(r6 +44)"\n'
            'level=warning msg="invalid bpf_context access off=44 size=1"\n')
    parsed, result = _explained(text)
    assert parsed.error == "invalid bpf_context access off=44 size=1" and parsed.failing_insn.index == 13
    assert result.finding.id == "invalid-ctx-access"
    # escapes and a line break inside one msg
    parsed = parse_text('level=error msg="0: (79) r1 = *(u64 *)(r1 +0)\\nR1 invalid mem access \\"scalar\\""\n')
    assert parsed.error == 'R1 invalid mem access "scalar"'


def test_logrus_and_syslog_prefixes_are_removed():
    for prefix in ("ERRO[0045] ", "WARN[0001] ", "Dec  2 10:00:01 myhost agent[3080]: ",
                   "2025-01-02T03:04:05.123456+00:00 myhost agent[3080]: ", "agent[3080]: "):
        text = "".join(prefix + line + "\n" for line in (
            "0: (bf) r6 = r1", "1: (0f) r6 += r2",
            "math between ctx pointer and register with unbounded min value is not allowed",
            "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0"))
        parsed = parse_text(text)
        assert parsed.error.startswith("math between ctx pointer"), prefix
        assert parsed.stats.processed_insns == 2 and parsed.failing_insn.index == 1, prefix


def test_a_loader_summary_line_is_the_error_and_what_surrounds_it_is_not():
    # program output before, a logger's notes after; backtracking quoted by the summary is dropped
    text = ("Loading probe program\nOpening collection failed, dumping verifier log.\n"
            "prog: load program: bad address: regs=10 stack=0 before 994: (67) r4 <<= 32: regs=10 stack=0 "
            "(truncated, 960 line(s) omitted)\n"
            "Cleaning up maps\n")
    parsed, result = _explained(text)
    assert parsed.error is None and parsed.errno == 14 and parsed.verdict is Verdict.REJECTED
    assert result.finding.id == "load-failed-efault"
    parsed = parse_text("Error: load program: invalid argument:\n"
                        "processed 67 insns (limit 1000000) max_states_per_insn 0 total_states 3 "
                        "peak_states 3 mark_read 1\n")
    assert parsed.verdict is Verdict.REJECTED and parsed.errno == 22


def test_a_summary_keeps_its_error_when_the_log_tail_after_it_is_cut():
    text = ("load program: permission denied: 30: (71) r1 = *(u8 *)(r9 +23): R9 invalid mem access 'inv' "
            "(46 line(s) omitted)\n"
            "Verifier error tail: load program: permission denied:\n\t(38 line(s) omitted)\n"
            "\t28: (56) if w1 != 0x0 goto pc+178\n\t29: (79) r9 = *(u64 *)(r10 -256)\n")
    parsed, result = _explained(text)
    assert parsed.error == "R9 invalid mem access 'inv'" and result.finding.id == "scalar-deref"


def test_a_log_framed_by_another_loader():
    text = ("-- BEGIN PROG LOAD LOG --\ninsn 6910 cannot be patched due to 16-bit range\n"
            "processed 40396 insns (limit 1000000) max_states_per_insn 1 total_states 4057 peak_states 4057 "
            "mark_read 73\n-- END PROG LOAD LOG --\n"
            "could not load the engine: bpf_load_program(): Operation not permitted\n")
    parsed, result = _explained(text)
    assert parsed.error == "insn 6910 cannot be patched due to 16-bit range"
    assert result.finding.id == "too-many-insns"  # a size limit, not a kernel bug


def test_statistics_over_the_limit_say_the_program_was_too_complex():
    parsed, result = _explained("processed 1000001 insns (limit 1000000) max_states_per_insn 28 total_states "
                                "45898 peak_states 2906 mark_read 371\n")
    assert parsed.verdict is Verdict.REJECTED and result.finding.id == "program-too-complex"
    assert parse_text("processed 99 insns (limit 1000000) max_states_per_insn 0 total_states 0 "
                      "peak_states 0 mark_read 0\n").verdict is Verdict.ACCEPTED


def test_old_wordings_and_a_static_callees_arg_mismatch():
    assert explain_text("0: (0f) r1 += r2\nR1 unbounded memory access, make sure to bounds check any "
                        "array access into a map\n").finding.id == "map-value-unbounded-access"
    # 5.x: a mismatch on a call to a static function only marks its BTF unreliable
    parsed = parse_text("12: (85) call pc+40\nR1 type=ctx expected=fp\n"
                        "reg type unsupported for arg#0 function is_iter_type#258\n"
                        "math between map_value pointer and register with unbounded min value is not allowed\n"
                        "processed 1039 insns (limit 1000000) max_states_per_insn 2 total_states 77 "
                        "peak_states 77 mark_read 55\n")
    assert parsed.error.startswith("math between map_value pointer") and parsed.error_detail == ()


def test_a_register_state_quoted_by_a_loader_summary_is_not_the_error():
    parsed = parse_text("prog: load program: permission denied: R0=inv0 R1=map_value(id=0,off=0,ks=4,vs=64) "
                        "R10=fp0: R1 unbounded memory access, make sure to bounds check any array access into "
                        "a map (12 line(s) omitted)\n")
    assert parsed.error.startswith("R1 unbounded memory access") and parsed.error_detail == ()


def test_bccs_too_large_line_under_the_limit_is_the_complexity_limit():
    """bcc prints its own line for any E2BIG, with no kernel line; 113 insns
    is far below 4096, so the E2BIG was the verifier's complexity limit."""
    text = ("$ sudo python3 tool.py\n"
            "bpf: Argument list too long. Program  too large (113 insns), at most 4096 insns\n\n"
            "Failed to load BPF program b'trace_exec': Argument list too long\n")
    parsed, result = _explained(text)
    assert parsed.error == "Program  too large (113 insns), at most 4096 insns" and parsed.errno == 7
    assert result.finding.id == "complexity-reported-as-size" and result.exit_code == 1
    over = explain_text("bpf: Argument list too long. Program foo too large (5000 insns), at most 4096 insns\n")
    assert over.finding.id == "too-many-insns"


def test_a_summary_of_one_program_does_not_follow_the_next_log():
    text = ("load program: permission denied: R9 invalid mem access 'inv' (3 line(s) omitted)\n"
            "libbpf: prog 'next': -- BEGIN PROG LOAD LOG --\n0: (b7) r0 = 0\n1: (95) exit\n"
            "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n"
            "libbpf: prog 'next': -- END PROG LOAD LOG --\n")
    parsed = parse_text(text)
    assert parsed.program == "next" and parsed.error is None and parsed.stats.processed_insns == 2
    assert parsed.verdict is Verdict.ACCEPTED and parsed.errno is None
