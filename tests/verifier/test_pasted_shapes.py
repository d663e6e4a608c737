"""Shapes of logs as people paste them into issues, and what old kernels print.

Measured on 68 verifier logs pasted into public issue threads (bcc, cilium,
bpftrace, falco, scx, p4c-xdp, retsnoop, katran...; collected for the
measurement, not kept here).  Each case below is written for this test in the
format the kernel or the loader prints (the wordings are the kernel's and the
loaders'), and failed before the change it names.
"""

from __future__ import annotations

import pytest

from bpfdoctor.verifier import explain_text


def _x(text: str):
    return explain_text(text)


def test_bcc_s_failed_to_load_line_is_the_errno_not_the_error():
    # bcc prints its own line, then the kernel's log; the log's line is the error
    e = _x("bpf: Failed to load program: Invalid argument\nback-edge from insn 65 to 36\n")
    assert e.log.error == "back-edge from insn 65 to 36"
    assert e.log.errno == 22 and e.diagnostic.family == "infinite-loop"


def test_attach_target_missing_from_kernel_btf_is_the_environment():
    text = ("$ sudo ./cachestat\n"
            "libbpf: prog 'account_dirty': failed to find kernel BTF type ID of 'account_dirty': -3\n"
            "libbpf: prog 'account_dirty': failed to prepare load attributes: -3\n"
            "libbpf: prog 'account_dirty': failed to load: -3\n"
            "libbpf: failed to load object 'cachestat_bpf'\n")
    e = _x(text)
    assert e.log.error.startswith("failed to find kernel BTF type ID of 'account_dirty'")
    assert e.diagnostic.family == "attach-target" and e.diagnostic.klass.value == "environment"
    assert e.finding.evidence["errno"] == "ESRCH (3)"
    assert e.diagnostic.errno.startswith("ESRCH (3)")


@pytest.mark.parametrize("noise", ["$ sudo ./prog", "root@box:~# ./loader -i eth0", ".", "...",
                                   "\u2026", "libbpf:", "Traceback (most recent call last):",
                                   '  File "./biosnoop", line 102, in <module>',
                                   "HINT: The invalid mem access 'inv' error can happen if ...",
                                   "[admin@edge01 fwd]# ./fwd -d eth1", "-bash-4.2$ sudo ./opensnoop",
                                   "[..]", "[ ... ]", "<snip>", "(snip)"])
def test_text_people_paste_around_a_log_is_not_the_error(noise):
    log = ("0: (bf) r6 = r1\n1: (61) r1 = *(u32 *)(r6 +76)\n2: (79) r0 = *(u64 *)(r1 +0)\n"
           "R1 invalid mem access 'scalar'\n")
    e = _x(f"{noise}\n{log}{noise}\n")
    assert e.log.error == "R1 invalid mem access 'scalar'" and e.log.error_detail == ()
    assert e.log.failing_insn.index == 2


def test_cilium_line_with_every_log_line_omitted():
    e = _x("load program: permission denied: (21 line(s) omitted)\n")
    assert e.log.error is None and e.log.errno == 13
    assert any("left out all 21 line(s)" in n for n in e.log.notes)
    assert not any("no verifier log found" in n for n in e.log.notes)


def test_a_message_pasted_with_a_capital_still_matches():
    e = _x("Math between map_value pointer and register with unbounded min value is not allowed\n")
    assert e.diagnostic.family == "pointer-arithmetic-unbounded"


@pytest.mark.parametrize("message", [
    "addition of negative constant to packet pointer is not allowed",
    "cannot add integer value with 0 upper zero bits to ptr_to_packet"])
def test_linux_4_9_packet_pointer_wordings(message):
    assert _x(f"12: (0f) r2 += r4\n{message}\n").diagnostic.family == "pointer-arith-unsafe"


def test_numbered_helper_calls_of_old_kernels_are_named():
    # before 4.14 the kernel printed "call 2": the helper is bpf_map_update_elem
    text = ("0: (bf) r2 = r10\n1: (07) r2 += -4\n2: (b7) r3 = 7\n"
            "3: (18) r1 = 0xffff8800a9ef1400\n5: (85) call 2\nR3 type=inv expected=fp\n")
    e = _x(text)
    assert any("bpf_map_update_elem()" in h for h in e.diagnostic.help)
    assert not any("2()" in h for h in e.diagnostic.help)


@pytest.mark.parametrize("helper, name, extra", [(182, "bpf_strncmp", None),
                                                 (177, "bpf_trace_vprintk", "bpf_printk()")])
def test_a_helper_the_kernel_does_not_know_is_named(helper, name, extra):
    e = _x(f"36: (85) call unknown#{helper}\ninvalid func unknown#{helper}\n")
    assert e.diagnostic.family == "helper-unknown"
    said = e.diagnostic.help[0]
    assert said.startswith(f"{name}() is newer than this kernel") and "unknown()" not in said
    assert extra is None or extra in said


def test_a_reference_acquired_outside_the_log_says_so():
    e = _x("44: (b7) r0 = 0\n45: (95) exit\nUnreleased reference id=3 alloc_insn=10\n")
    (acquired,) = e.diagnostic.secondary
    assert acquired.label.startswith("reference acquired at insn 10 ") and "the call()" not in acquired.label
    assert "bpf_ringbuf_submit/discard after bpf_ringbuf_reserve" in e.diagnostic.help[0]


def test_an_rcu_section_left_open_gets_its_unlock_not_a_reference_release():
    e = _x("1072: (b7) r0 = 0\n1073: (95) exit\nbpf_rcu_read_unlock is missing\n")
    assert e.diagnostic.family == "rcu-lock-unbalanced"
    assert not any("release it on every path" in h for h in e.diagnostic.help)
    assert any("bpf_rcu_read_unlock" in h for h in e.diagnostic.help)


def test_uninitialised_stack_bytes_are_named_as_the_kernel_counts_them():
    # "off -16+6 size 8": an 8-byte read at fp-16 whose byte at fp-10 was never written
    text = ("147: (73) *(u8 *)(r10 -16) = r1\n148: (73) *(u8 *)(r10 -15) = r1\n"
            "149: (79) r1 = *(u64 *)(r10 -16)\ninvalid read from stack off -16+6 size 8\n")
    said = " ".join(_x(text).diagnostic.help)
    assert "fp-16..fp-9 is read; fp-10 is not written" in said
    assert "fp-10..fp-2" not in said


def test_a_slot_holding_a_spilled_register_is_not_called_partly_written():
    text = ("0: (79) r1 = *(u64 *)(r1 +80)\n1: (bf) r2 = r10\n2: (7b) *(u64 *)(r10 -8) = r1\n"
            "3: (07) r2 += -8\n4: (18) r1 = 0xffff880036b2cc00\n6: (85) call bpf_map_lookup_elem#1\n"
            "invalid indirect read from stack off -8+0 size 8\n")
    d = _x(text).diagnostic
    assert "spilled register" in d.primary.label and "partly written" not in d.primary.label
    assert d.primary.insn == 2


def test_a_state_dumped_between_the_instruction_and_its_error_keeps_the_instruction():
    # 5.x check_mem_access prints the state (no "N:" prefix) before "unbounded memory access"
    text = ("970: (73) *(u8 *)(r2 +0) = r1\n"
            " R0=inv0 R1_w=inv1 R2_w=map_value(id=0,off=0,ks=4,vs=32768,umax_value=4294967295) R10=fp0\n"
            "R2 unbounded memory access, make sure to bounds check any such access\n"
            "processed 743 insns (limit 1000000) max_states_per_insn 0 total_states 45\n")
    e = _x(text)
    assert e.log.failing_insn.index == 970
    assert e.log.registers["R2"].startswith("map_value")


def test_old_kernels_print_no_statistics_on_rejection():
    text = "0: (bf) r6 = r1\n1: (61) r1 = *(u32 *)(r6 +76)\n" \
           "2: R1=inv(id=0,umax_value=4294967295) R6=ctx R10=fp0\n2: (79) r0 = *(u64 *)(r1 +0)\n" \
           "R1 invalid mem access 'inv'\n"
    e = _x(text)
    assert not e.log.truncated
    assert any("kernels before 5.2 print none" in n for n in e.log.notes)
    new = _x(text.replace("inv(id=0,umax_value=4294967295)", "scalar(umax=0xffffffff)")
             .replace("'inv'", "'scalar'"))
    assert new.log.truncated  # a 5.2+ log without statistics was cut


def test_a_kernel_whose_btf_is_malformed_is_not_a_verifier_bug():
    e = _x("Validating prog0() func#1...\nbtf_vmlinux is malformed\n"
           "Arg#0 type PTR in prog0() is not supported yet.\n"
           "processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0\n")
    assert e.diagnostic.family == "kernel-btf-malformed"
    assert e.diagnostic.klass.value == "environment"
    assert "bpf@vger" not in " ".join(e.diagnostic.help)


def test_registers_written_after_the_last_state_are_not_shown_stale():
    # a 4.x log prints states only now and then: the state before 269 said R2=pkt_end,
    # then 269-271 rewrote R2 and R4 before the failing 272
    text = ("268: R0=inv(id=0,umax_value=255) R1=inv4 R2=pkt_end R4=imm4,min_value=4 R10=fp0\n"
            "268: (bf) r3 = r1\n269: (bf) r2 = r0\n270: (77) r2 >>= 3\n271: (bf) r4 = r1\n"
            "272: (0f) r2 += r4\naddition of negative constant to packet pointer is not allowed\n")
    regs = _x(text).log.registers
    assert regs["R2"] == "? (after the last state: insn 269: r2 = r0; insn 270: r2 >>= 3)"
    assert regs["R4"] == "? (after the last state: insn 271: r4 = r1)"
    assert regs["R0"].startswith("inv")  # untouched since the state


def test_a_helper_s_return_after_the_last_state():
    text = ("5: R1=map_ptr(ks=4,vs=8) R2=fp-4 R10=fp0\n5: (85) call bpf_map_lookup_elem#1\n"
            "6: (bf) r7 = r0\n7: (79) r1 = *(u64 *)(r7 +0)\nR7 invalid mem access 'map_value_or_null'\n")
    regs = _x(text).log.registers
    assert regs["R7"] == "? (after the last state: insn 6: r7 = r0)"
    assert regs["R0"] == "? (after the last state: returned by insn 5: call bpf_map_lookup_elem#1)"
    assert "R1" not in regs or regs["R1"].startswith("?")


_COPY = ("6: (85) call bpf_map_lookup_elem#1\n7: (bf) r7 = r0\n8: (15) if r0 {op} 0x0 goto pc+3\n"
         "{next}: (79) r9 = *(u64 *)(r7 +0)\nR7 invalid mem access 'map_value_or_null'\n")


def test_a_null_check_on_a_copy_that_an_old_kernel_did_not_carry_over():
    # Linux 4.4: r7 = r0 before the test of r0; the test did not make r7 non-NULL
    d = _x(_COPY.format(op="==", next=9)).diagnostic
    assert d.klass.value == "verifier-false-positive" and d.primary.insn == 8
    assert "not checked for NULL" not in d.primary.label


def test_a_null_check_whose_null_side_the_path_took_is_the_program_s_bug():
    # "if r0 != 0x0 goto" falling through: the dereference is on the NULL side
    d = _x(_COPY.format(op="!=", next=9)).diagnostic
    assert d.klass.value == "source-bug" and d.primary.insn != 8


def test_a_log_bpftrace_printed_says_the_program_was_generated():
    text = ("Attaching 1 probe...\n\nError log: \n2: (79) r3 = *(u64 *)(r1 +0)\n"
            "R1 invalid mem access 'scalar'\n"
            "processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0\n\n"
            "ERROR: Error loading program: kfunc:ib_core:find_gid\n")
    e = _x(text)
    assert e.log.error == "R1 invalid mem access 'scalar'" and e.log.error_detail == ()
    assert any(n.startswith("bpftrace generated this program") for n in e.log.notes)
    assert not any("bpftrace" in n for n in _x(text.replace("Attaching 1 probe...", "")
                                                .replace("ERROR: Error loading program: kfunc:ib_core:find_gid",
                                                         "")).log.notes)


def test_bpf_d_path_outside_its_allow_list():
    e = _x("14: (85) call bpf_d_path#147\nhelper call is not allowed in probe\n")
    assert "btf_allowlist_d_path" in e.diagnostic.help[0]


@pytest.mark.parametrize("line, message", [
    ("'R2 pointer arithmetic with <<= operator prohibited", "R2 pointer arithmetic with <<= operator prohibited"),
    ("\"R0 invalid mem access 'scalar'", "R0 invalid mem access 'scalar'"),
    ("R0 invalid mem access 'scalar'", "R0 invalid mem access 'scalar'")])
def test_a_quote_mark_pasted_around_the_message_is_not_part_of_it(line, message):
    assert _x(f"5: (67) r2 <<= 3\n{line}\n").log.error == message


def test_jump_out_of_range_from_a_compiler_points_at_the_loader():
    fix = _x("jump out of range from insn 8 to 584\n").diagnostic.help
    assert any("__always_inline" in h and "links subprograms" in h for h in fix)


# -- signs in the message or its instruction that move the class (40 more public
# logs whose threads name the cause: compiler, old verifier, code generator) --

def test_a_register_bpf_does_not_have_is_the_compiler_s():
    d = _x("170: (bf) r1 = r6\n171: (7b) *(u64 *)(r10 -232) = r11\nR11 is invalid\n").diagnostic
    assert d.klass.value == "lowering-artifact" and "r11" in d.why
    assert _x("3: (bf) r1 = r6\nR7 !read_ok\n").diagnostic.klass.value != "lowering-artifact"


def test_back_edge_is_a_verifier_that_takes_no_loop():
    d = _x("bpf: Failed to load program: Invalid argument\nback-edge from insn 42 to 57\n").diagnostic
    assert d.family == "infinite-loop" and d.klass.value == "verifier-limit"
    assert "every backward jump" in d.why and any("unroll" in h for h in d.help)
    d = _x("12: (05) goto pc-3\ninfinite loop detected at insn 10\n").diagnostic
    assert d.klass.value == "source-bug"


def test_a_global_function_argument_not_supported_yet_is_a_verifier_limit():
    d = _x("Validating parse_hdr() func#3...\n"
           "Arg#2 type PTR in parse_hdr() is not supported yet.\n").diagnostic
    assert d.klass.value == "verifier-limit" and "5.12" in d.why
    assert "make parse_hdr() static" in d.help[0]


@pytest.mark.parametrize("insn, klass", [("r2 = *(u8 *)(r1 +76)", "lowering-artifact"),
                                         ("r2 = *(u16 *)(r1 +78)", "lowering-artifact"),
                                         ("*(u8 *)(r1 +76) = r2", "source-bug")])
def test_a_narrow_load_of_a_context_field_is_the_compiler_s(insn, klass):
    size = 2 if "u16" in insn else 1
    off = 78 if size == 2 else 76
    d = _x(f"0: (bf) r6 = r1\n1: (71) {insn}\ninvalid bpf_context access off={off} size={size}\n").diagnostic
    assert d.family == "invalid-ctx-access" and d.klass.value == klass
    if klass == "lowering-artifact":
        assert "narrowed" in d.why


def test_a_misaligned_stack_slot_is_a_code_generator_s_layout():
    d = _x("7: (7b) *(u64 *)(r10 -36) = r1\nmisaligned stack access off (0x0; 0x0)+0+-36 size 8\n").diagnostic
    assert d.family == "misaligned-stack-access" and d.klass.value == "lowering-artifact"


def test_a_source_level_rejection_of_bpftrace_s_code_is_bpftrace_s():
    log = ("3: (bf) r2 = r10\n4: (07) r2 += -40\n5: (85) call bpf_map_update_elem#2\n"
           "invalid indirect read from stack R2 off -40+8 size 16\n")
    assert _x(log).diagnostic.klass.value == "source-bug"
    d = _x(f"Attaching 1 probe...\n{log}").diagnostic
    assert d.klass.value == "lowering-artifact" and "bpftrace" in d.why


def test_aya_s_error_chain_quoting_the_log_in_each_link():
    log = ("0: (bf) r6 = r1\n       1: (85) call unknown#160\n       invalid func unknown#160\n"
           "       verification time 12 usec\n       stack depth 0\n"
           "       processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 "
           "peak_states 0 mark_read 0\n")
    text = ("Error: attach_probe\n\nCaused by:\n"
            f"    0: Failed to load BPF program: the BPF_PROG_LOAD syscall failed. Verifier output: {log}"
            f"    1: the BPF_PROG_LOAD syscall failed. Verifier output: {log}"
            "    2: Invalid argument (os error 22)\n")
    e = _x(text)
    assert e.log.verdict.value == "rejected" and e.log.error == "invalid func unknown#160"
    assert e.diagnostic.family == "helper-unknown"


def test_a_source_line_before_back_edge_and_a_chain_link_are_not_the_error():
    text = ("0: failed program load tracepoint sys_enter\n"
            "    1: the BPF_PROG_LOAD syscall failed. Verifier output: 9: while (n < 4) {\n"
            "       11: n = bump(n);\n       back-edge from insn 9 to 11\n")
    assert _x(text).log.error == "back-edge from insn 9 to 11"


def test_cilium_s_instruction_and_message_on_a_line_of_their_own():
    e = _x("field Probe: program probe:\nload program: permission denied:\n"
           "311: (71) r3 = *(u8 *)(r2 +5): R2 invalid mem access 'scalar'\n")
    assert e.log.error == "R2 invalid mem access 'scalar'" and e.log.failing_insn.index == 311
    assert e.log.failing_insn.text == "r3 = *(u8 *)(r2 +5)"
    # a jump with its target's state glued on is no error
    e = _x("15: (a6) if w1 < 0x65 goto pc+4 20: R0=2 R1=3\n16: (95) exit\n"
           "processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n")
    assert e.log.error is None


def test_iproute2_s_lines_around_a_log_in_a_logfmt_logger():
    wrap = '  msg="{}" subsys=loader\n  subsys=loader\n'.format
    text = "".join(wrap(s) for s in (
        "+ tc exec bpf pin /sys/fs/bpf/tc/globals/m obj prog.o type sockaddr sec connect4",
        "Prog section 'connect4' rejected: Invalid argument (22)!", " - Type:         18",
        " - Instructions: 412 (0 over limit)", "Verifier analysis:", "back-edge from insn 300 to 271",
        "Error fetching program/map!"))
    e = _x(text)
    assert e.log.error == "back-edge from insn 300 to 271" and e.log.errno == 22
    assert e.log.program == "connect4"


def test_cilium_s_quote_pasted_on_the_line_after_its_colon():
    e = _x("Verifier error: program tail_x: load program: invalid argument:\n"
           "  Arg#1 type PTR in hdrlen() is not supported yet. (3 line(s) omitted)\n\n"
           'level=warn msg="Failed to initialize datapath, retrying later"\n  retryDelay=10s\n')
    assert e.log.error == "Arg#1 type PTR in hdrlen() is not supported yet."
    assert e.diagnostic.klass.value == "verifier-limit"
    assert any("3 line(s) of the log were omitted" in n for n in e.log.notes)


def test_a_loader_s_feature_probe_quoted_in_a_logfmt_error_field():
    text = ('level=fatal msg="failed to probe helper" dir=/var/run/x error="detect support for '
            'FnGetRetval for program type CGroupSockopt: load program: invalid argument: 0: (85) '
            'call bpf_get_retval#186: R1 is not a scalar (2 line(s) omitted)" helper=FnGetRetval\n')
    e = _x(text)
    assert e.log.error == "R1 is not a scalar" and e.log.failing_insn.index == 0
    assert e.log.probe == "FnGetRetval (CGroupSockopt)"
    assert e.diagnostic.klass.value == "environment" and "loader's own probe" in e.diagnostic.why
    # the same error from the program itself is not the loader's
    plain = _x("load program: invalid argument: 0: (85) call bpf_get_retval#186: R1 is not a scalar\n")
    assert plain.log.probe is None and "probe" not in plain.diagnostic.why


# -- a third set of 40 public logs --

def test_a_log_pasted_as_a_markdown_quote_with_bold_and_fences():
    text = ("> ```\n> ... omitted ...\n>\n> 81: (55) if r5 != 0x0 goto pc+95\n"
            "> 82: (61) r3 = *(u32 *)(r2 +20)\n"
            "> **invalid access to packet, off=42 size=4, R2(id=0,off=22,r=42)**\n"
            "> R2 offset is outside of the packet\n"
            "> processed 177 insns (limit 1000000) max_states_per_insn 1 total_states 10 "
            "peak_states 10 mark_read 5\n> ```\n")
    e = _x(text)
    assert e.log.error == "invalid access to packet, off=42 size=4, R2(id=0,off=22,r=42)"
    assert e.log.failing_insn.index == 82 and e.diagnostic.family == "packet-bounds-check-missing"
    nested = _x("> > 35: (85) call bpf_spin_lock#93\n> > map 'm' has to have BTF in order to use "
                "bpf_spin_lock\n")
    assert nested.log.error == "map 'm' has to have BTF in order to use bpf_spin_lock"


def test_a_logfmt_error_field_at_the_start_of_a_line():
    e = _x('error="failed prog /x.o: program p: load program: permission denied: 12: (85) call '
           'bpf_probe_read#4: R2 min value is negative, either use unsigned or \'var &= const\' '
           '(40 line(s) omitted)"\n')
    assert e.log.error == "R2 min value is negative, either use unsigned or 'var &= const'"
    assert e.log.failing_insn.index == 12 and e.log.errno == 13


def test_e2big_without_its_error_line_is_a_verifier_limit():
    text = ("Prog section '2/10' rejected: Argument list too long (7)!\n - Type:         3\n\n"
            "Verifier analysis:\n\nSkipped 4230922 bytes, use 'verb' option for the full verbose log.\n"
            "3206: (bf) r0 = r7\n3207: (95) exit\n")
    d = _x(text).diagnostic
    assert d.klass.value == "verifier-limit" and "E2BIG" in d.why
    other = _x(text.replace("Argument list too long (7)", "Invalid argument (22)")).diagnostic
    assert other.klass.value != "verifier-limit"


@pytest.mark.parametrize("helper, number", [("bpf_probe_read", 4), ("bpf_probe_read_str", 45)])
def test_the_overlapping_address_space_helpers_are_the_environment(helper, number):
    d = _x(f"56: (85) call {helper}#{number}\nunknown func {helper}#{number}\n").diagnostic
    assert d.klass.value == "environment" and "NON_OVERLAPPING" in d.why
    assert f"{helper.replace('read', 'read_kernel')}" in d.help[0]
    assert _x("56: (85) call bpf_get_stackid#27\nunknown func bpf_get_stackid#27\n") \
        .diagnostic.klass.value != "environment"


def test_libbpf_s_attach_failure_after_a_load_is_no_verifier_error():
    e = _x("libbpf: prog 'do_unlinkat': failed to attach: ERROR: strerror_r(-524)=22\n"
           "Error: Failed to run native eBPF program\n")
    assert e.log.error == "failed to attach: ERROR: strerror_r(-524)=22" and e.log.errno == 524
    assert e.diagnostic.family == "attach-failed" and e.diagnostic.klass.value == "environment"
    assert any("bpfdoctor attach" in h for h in e.diagnostic.help)


def test_a_helper_bpftrace_may_not_call_there_stays_a_choice_of_probe():
    d = _x("Attaching 1 probe...\n14: (85) call bpf_d_path#147\nhelper call is not allowed in probe\n"
           ).diagnostic
    assert d.klass.value != "lowering-artifact"


def test_a_test_runner_s_number_before_every_line():
    text = "".join(f"18: {line}\n" for line in (
        "0: (79) r3 = *(u64 *)(r1 +112)", "1: (b7) r1 = 0", "2: (85) call unknown#113",
        "invalid func unknown#113", "", "HINT: bpf_probe_read_kernel missing (added in Linux 5.5).",
        "ERROR: test_probe_read3 (__main__.TestClang)"))
    e = _x(text)
    assert e.log.error == "invalid func unknown#113" and e.log.failing_insn.index == 2


# -- a fourth set of 40 public threads (2026-12-03), measured before these changes:
# the error line in 27 of 38, a specific family in 36 of 40; after: 35 of 38 and 38 of 40.

_FRAMED = ("libbpf: prog 'drain': -- BEGIN PROG LOAD LOG --\n"
           "combined stack size of 2 calls is 544. Too large\n"
           "processed 2310 insns (limit 1000000) max_states_per_insn 4 total_states 180 peak_states 90 "
           "mark_read 3\n"
           "-- END PROG LOAD LOG --\n"
           "libbpf: prog 'drain': failed to load: -13\n")


@pytest.mark.parametrize("wrap", [
    "[2026-03-01T09:12:44Z ERROR agent::probes] {}",  # env_logger (aya users)
    "2026-03-01T09:12:44.120611Z  WARN ThreadId(03) sched::libbpf_log: src/libbpf_log.rs:21: {}",  # tracing
    "2026-03-01T09:12:44+01:00 ERROR agent: {}",
    "2026-03-01T09:12:44.1686702Z {}",  # a CI log's timestamp alone (GitHub Actions)
])
def test_rust_loggers_around_each_line_are_taken_off(wrap):
    text = "".join(wrap.format(line) + "\n" for line in _FRAMED.splitlines())
    e = _x(f"{wrap.format('Starting probe loader')}\n{text}")
    assert e.log.error == "combined stack size of 2 calls is 544. Too large"
    assert e.log.program == "drain" and e.log.errno == 13 and e.log.stats.processed_insns == 2310
    assert e.diagnostic.family == "combined-stack-too-large"


def test_libbpf_before_0_0_5_frames_the_log_without_a_program_name():
    text = ("$ ./xdp_load -i eth0\n"
            "libbpf: load bpf program failed: Permission denied\n"
            "libbpf: -- BEGIN DUMP LOG ---\n"
            "libbpf: \n"
            "0: (61) r2 = *(u32 *)(r1 +0)\n"
            "1: (71) r0 = *(u8 *)(r2 +12)\n"
            "invalid access to packet, off=12 size=1, R2(id=0,off=12,r=0)\n"
            "\n"
            "libbpf: -- END LOG --\n"
            "libbpf: failed to load program 'xdp_prog'\n"
            "ERR: loading BPF-OBJ file(xdp_prog.o) (-4007): Unknown error 4007\n"
            "$ uname -r\n")
    e = _x(text)
    assert e.log.error.startswith("invalid access to packet, off=12 size=1") and e.log.error_detail == ()
    assert e.log.errno == 13 and e.log.failing_insn.index == 1
    assert e.diagnostic.family == "packet-bounds-check-missing"


def test_the_line_the_catalog_knows_leads_when_a_program_s_text_came_first():
    # bpftrace printed its script; the kernel's line follows the "Error log:" line
    text = ("kprobe:vfs_read\n{\n  $i = 0;\n  unroll(4) { $i++; }\n}\n"
            "Attaching 1 probe...\nError log:\nback-edge from insn 71 to 12\n\n"
            "ERROR: Error loading program: kprobe:vfs_read\n")
    e = _x(text)
    assert e.log.error == "back-edge from insn 71 to 12"
    assert e.log.error_detail == ()  # the script's lines were no part of the error
    assert e.finding.summary.endswith(": back-edge from insn 71 to 12")
    assert e.finding.evidence["insn_index"] == 71


def test_an_error_quoted_before_a_log_cut_before_it():
    head = "".join(f"{i}: (7b) *(u64 *)(r10 -{8 * (i + 1)}) = r2\n" for i in range(6))
    e = _x(f"Loading xdp_filter.o fails with `invalid bpf_context access off=20 size=4` on SEC(\"xdp\")\n"
           f"```\nlibbpf: \n{head}```\n")
    assert e.log.error == "invalid bpf_context access off=20 size=4"
    assert e.log.failing_insn is None and e.diagnostic.family == "invalid-ctx-access"
    assert any("quoted before the log" in n for n in e.log.notes)
    # an arrow a person drew after the line does not stay in it
    e = _x(f"R3 invalid mem access 'scalar'   <-------- here\n\n===={head}")
    assert e.log.error == "R3 invalid mem access 'scalar'" and e.diagnostic.family == "scalar-deref"


def test_text_before_a_cut_log_that_is_no_error_stays_no_error():
    head = "".join(f"{i}: (b7) r{i} = 0\n" for i in range(1, 5))
    e = _x(f"Here is the log of my program, it fails to load:\n{head}")
    assert e.log.error is None and e.diagnostic is None
    # and a whole log keeps its own error, whatever was quoted above it
    e = _x(f"it fails with `R1 invalid mem access 'scalar'`\n{head}5: (95) exit\nR0 !read_ok\n"
           "processed 6 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n")
    assert e.log.error == "R0 !read_ok"


def test_a_sentence_quoting_the_message_gives_the_message():
    e = _x("When I load it the verifier says: 'calling kernel function bpf_kfoo is not allowed'.\n")
    assert e.log.error == "calling kernel function bpf_kfoo is not allowed"
    # a kernel message with a quoted name of its own stays whole
    e = _x("12: (79) r2 = *(u64 *)(r0 +0)\nR0 invalid mem access 'map_value_or_null'\n")
    assert e.log.error == "R0 invalid mem access 'map_value_or_null'"


# -- PTR_TO_MEM lost in a spill before 5.10.10: 3 threads of the third and fourth sets
# (their pastes hold no states; a level-2 log of such a kernel does, in 5.8's format)

def _spill_log(store: str = "*(u64 *)(r10 -8) = r0", slot: str = "mmmmmmmm", reg0: str = "mem") -> str:
    return (
        "0: R1=ctx(id=0,off=0,imm=0) R10=fp0\n"
        "0: (18) r1 = 0xffff9c4a3b2c1000\n"
        "2: R1_w=map_ptr(id=0,off=0,ks=0,vs=0,imm=0) R10=fp0\n"
        "2: (b7) r2 = 64\n3: R1_w=map_ptr(id=0,off=0,ks=0,vs=0,imm=0) R2_w=inv64 R10=fp0\n"
        "3: (b7) r3 = 0\n4: R2_w=inv64 R3_w=inv0 R10=fp0\n"
        "4: (85) call bpf_ringbuf_reserve#131\n"
        "5: R0_w=mem_or_null(id=1,ref_obj_id=1,off=0,imm=0) R10=fp0 refs=1\n"
        "5: (15) if r0 == 0x0 goto pc+6\n"
        f"6: R0_w={reg0}(id=0,ref_obj_id=1,off=0,imm=0) R10=fp0 refs=1\n"
        f"6: ({'7b' if 'u64' in store else '63'}) {store}\n"
        f"7: R0_w={reg0}(id=0,ref_obj_id=1,off=0,imm=0) R10=fp0 fp-8_w={slot} refs=1\n"
        "7: (b7) r5 = 7\n8: R5_w=inv7 R10=fp0 refs=1\n"
        "8: (79) r4 = *(u64 *)(r10 -8)\n"
        f"9: R4_w=inv(id=0) R5_w=inv7 R10=fp0 fp-8_w={slot} refs=1\n"
        "9: (73) *(u8 *)(r4 +3) = r5\n"
        "R4 invalid mem access 'inv'\n"
        "processed 10 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 1\n")


def test_a_pointer_the_kernel_did_not_keep_in_a_spill_is_the_kernel_s():
    d = _x(_spill_log()).diagnostic
    assert d.family == "scalar-deref" and d.klass.value == "verifier-false-positive"
    assert d.primary.insn == 6 and "does not keep a mem pointer spilled" in d.primary.label
    assert any(s.insn == 8 for s in d.secondary)
    assert "5.10.10" in d.why and "is_spillable_regtype" in d.why


@pytest.mark.parametrize("store, slot, reg0", [
    ("*(u32 *)(r10 -8) = r0", "????mmmm", "mem"),  # a 4-byte store of the pointer: the program's
    ("*(u64 *)(r10 -8) = r0", "mmmmmmmm", "inv"),  # a number stored: it stays one
])
def test_a_spill_the_kernel_did_keep_the_bytes_of_is_still_the_program_s(store, slot, reg0):
    d = _x(_spill_log(store, slot, reg0)).diagnostic
    assert d.family == "scalar-deref" and d.klass.value == "source-bug"


@pytest.mark.parametrize("code, klass", [("60", "lowering-artifact"), ("00", "lowering-artifact"),
                                         ("81", "environment"), ("e5", "environment"),
                                         ("d7", "environment")])
def test_an_unknown_opcode_no_isa_defines_is_not_the_kernel_s(code, klass):
    # bcc with read-only data left bytes that are no instruction (0x60: LD with MEM mode);
    # a v4 sign-extending load (0x81), may_goto (0xe5) or bswap (0xd7) is only newer
    d = _x(f"bpf: Failed to load program: Invalid argument\nunknown opcode {code}\n"
           "processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 "
           "mark_read 0\n").diagnostic
    assert d.family == "unsupported-instruction" and d.klass.value == klass
    assert any("-mcpu" in h for h in d.help) == (klass == "environment")


def test_a_log_printed_as_one_escaped_string():
    # a Rust error's Debug form (aya: verifier_log: "...\n...") or Go's %q
    log = ("func#0 @0\\nfunc#1 @12\\nfunc_info BTF section doesn't match subprog layout in BPF program\\n"
           "verification time 9 usec\\nstack depth 0+0\\nprocessed 0 insns (limit 1000000) "
           "max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\\n")
    e = _x(f'Error: LoadError {{ program: "xdp_main", verifier_log: "{log}" }}\n')
    assert e.log.error == "func_info BTF section doesn't match subprog layout in BPF program"
    assert e.log.stats.processed_insns == 0 and e.diagnostic.family == "btf-func-info"
    # a source comment quoting printf formats stays one line
    e = _x('12: (85) call bpf_trace_printk#6\n; bpf_printk("a\\n"); bpf_printk("b\\n"); bpf_printk("c\\n"); '
           '@ p.c:3\n13: (79) r0 = *(u64 *)(r7 +0)\nR7 invalid mem access \'scalar\'\n')
    assert e.log.error == "R7 invalid mem access 'scalar'" and e.log.failing_insn.index == 13


# -- logs of kernels before the "@ file:line" comments (a fifth set: 25 public threads
# with states and the fix that was merged; the source line was shown for 8 of 25 spans)

_OLD_SOURCE = ("; last = ring->slots[depth];\n"
               "141: (67) r6 <<= 3\n142: (0f) r3 += r6\n"
               "; val = ring->slots[idx];\n"
               "143: (79) r2 = *(u64 *)(r4 +0)\n"
               "{state}"
               "invalid access to map value, value_size=144 off=2048 size=8\n"
               "R4 max value is outside of the allowed memory range\n"
               "processed 65 insns (limit 1000000) max_states_per_insn 0 total_states 3 peak_states 3 "
               "mark_read 2\n")


@pytest.mark.parametrize("state", ["", " R4=map_value(id=0,off=8,ks=8,vs=144,umax_value=2040)\n",
                                    " frame1: R4=map_value(id=0,off=8,ks=8,vs=144,umax_value=2040)\n"])
def test_a_source_comment_without_file_and_line_is_the_line_shown(state):
    e = _x(_OLD_SOURCE.format(state=state))
    assert e.log.failing_insn.index == 143  # (a callee's state dumped at it kept it too)
    assert e.log.source.text == "val = ring->slots[idx];" and e.log.source.file is None
    d = e.diagnostic
    assert d.primary.insn == 143 and d.primary.text == "val = ring->slots[idx];" and d.primary.line is None
    from bpfdoctor.render.diagnostic import diagnostic_lines, one_line

    shown = [t for t, _ in diagnostic_lines(d)]
    at = shown.index("   | ; val = ring->slots[idx];")
    assert shown[at + 1] == "   | 143: r2 = *(u64 *)(r4 +0)"
    assert one_line(d).startswith("insn 143: error[")
    assert e.finding.evidence["source"] == "val = ring->slots[idx];"


# -- bounds lost in a spill before Linux 5.10 (4 threads of the third set, "R2 min value is
# negative" on 5.3-5.8; their pastes hold no states)

_SIZE_SPILL = (
    '0: R1=ctx(id=0,off=0,imm=0) R10=fp0\n'
    '0: (bf) r6 = r1\n'
    '1: R1=ctx(id=0,off=0,imm=0) R6_w=ctx(id=0,off=0,imm=0) R10=fp0\n'
    '1: (61) r7 = *(u32 *)(r6 +0)\n'
    '2: R6_w=ctx(id=0,off=0,imm=0) R7_w=inv(id=0,umax_value=4294967295,var_off=(0x0; 0xffffffff)) R10=fp0\n'
    '2: (25) if r7 > 0x40 goto pc+9\n'
    ' R6_w=ctx(id=0,off=0,imm=0) R7_w=inv(id=0,umax_value=64,var_off=(0x0; 0x7f)) R10=fp0\n'
    '3: R6_w=ctx(id=0,off=0,imm=0) R7_w=inv(id=0,umax_value=64,var_off=(0x0; 0x7f)) R10=fp0\n'
    '3: (7b) *(u64 *)(r10 -72) = r7\n'
    '4: R6_w=ctx(id=0,off=0,imm=0) R7_w=inv(id=0,umax_value=64,var_off=(0x0; 0x7f)) R10=fp0 fp-72_w=mmmmmmmm\n'
    '4: (85) call bpf_get_current_pid_tgid#14\n'
    '5: R0_w=inv(id=0) R6_w=ctx(id=0,off=0,imm=0) R10=fp0 fp-72_w=mmmmmmmm\n'
    '5: (79) r2 = *(u64 *)(r10 -72)\n'
    '6: R0_w=inv(id=0) R2_w=inv(id=0) R6_w=ctx(id=0,off=0,imm=0) R10=fp0 fp-72_w=mmmmmmmm\n'
    '6: (bf) r1 = r10\n'
    '7: R1_w=fp0 R2_w=inv(id=0) R10=fp0 fp-72_w=mmmmmmmm\n'
    '7: (07) r1 += -64\n'
    '8: R1_w=fp-64 R2_w=inv(id=0) R10=fp0 fp-72_w=mmmmmmmm\n'
    '8: (bf) r3 = r6\n'
    '9: R1_w=fp-64 R2_w=inv(id=0) R3_w=ctx(id=0,off=0,imm=0) R10=fp0 fp-72_w=mmmmmmmm\n'
    '9: (85) call bpf_probe_read#4\n'
    "R2 min value is negative, either use unsigned or 'var &= const'\n"
    'processed 10 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 1\n'
)


def test_a_size_whose_bounds_a_spill_lost_is_the_kernel_s():
    d = _x(_SIZE_SPILL).diagnostic
    assert d.family == "size-unbounded" and d.klass.value == "verifier-false-positive"
    assert d.primary.insn == 3 and "did not keep the bounds" in d.primary.label
    assert any(s.insn == 5 and "without bounds" in s.label for s in d.secondary)
    assert "5.10" in d.why and "CAP_BPF" in d.help[0]


@pytest.mark.parametrize("old, new", [
    ("fp-72_w=mmmmmmmm", "fp-72_w=inv(id=0,umax_value=64,var_off=(0x0; 0x7f))"),  # the spill was kept
    ("R7_w=inv(id=0,umax_value=64,var_off=(0x0; 0x7f))", "R7_w=inv(id=0)"),  # nothing bounded it
])
def test_a_size_unbounded_for_other_reasons_stays_the_program_s(old, new):
    text = _SIZE_SPILL.replace(old, new)
    assert text != _SIZE_SPILL
    d = _x(text).diagnostic
    assert d.family == "size-unbounded" and d.klass.value == "source-bug"


def test_an_index_whose_bounds_a_spill_lost_is_the_kernel_s():
    text = ("0: R1=ctx(id=0,off=0,imm=0) R10=fp0\n"
            "0: (61) r7 = *(u32 *)(r1 +0)\n"
            "1: R1=ctx(id=0,off=0,imm=0) R7_w=inv(id=0,umax_value=4294967295,var_off=(0x0; 0xffffffff)) R10=fp0\n"
            "1: (25) if r7 > 0x7 goto pc+12\n"
            "2: R1=ctx(id=0,off=0,imm=0) R7_w=inv(id=0,umax_value=7,var_off=(0x0; 0x7)) R10=fp0\n"
            "2: (7b) *(u64 *)(r10 -16) = r7\n"
            "3: R7_w=inv(id=0,umax_value=7,var_off=(0x0; 0x7)) R10=fp0 fp-16_w=mmmmmmmm\n"
            "3: (18) r1 = 0xffff88810a3c4000\n"
            "5: R1_w=map_ptr(id=0,off=0,ks=4,vs=64,imm=0) R10=fp0 fp-16_w=mmmmmmmm\n"
            "5: (85) call bpf_map_lookup_elem#1\n"
            "6: R0_w=map_value_or_null(id=1,off=0,ks=4,vs=64,imm=0) R10=fp0 fp-16_w=mmmmmmmm\n"
            "6: (15) if r0 == 0x0 goto pc+7\n"
            "7: R0_w=map_value(id=0,off=0,ks=4,vs=64,imm=0) R10=fp0 fp-16_w=mmmmmmmm\n"
            "7: (79) r1 = *(u64 *)(r10 -16)\n"
            "8: R0_w=map_value(id=0,off=0,ks=4,vs=64,imm=0) R1_w=inv(id=0) R10=fp0 fp-16_w=mmmmmmmm\n"
            "8: (67) r1 <<= 3\n"
            "9: R0_w=map_value(id=0,off=0,ks=4,vs=64,imm=0) R1_w=inv(id=0,smax_value=9223372036854775800,"
            "umax_value=18446744073709551608,var_off=(0x0; 0xfffffffffffffff8)) R10=fp0\n"
            "9: (0f) r0 += r1\n"
            "10: R0_w=map_value(id=0,off=0,ks=4,vs=64,umax_value=18446744073709551608) R10=fp0\n"
            "10: (79) r0 = *(u64 *)(r0 +0)\n"
            "R0 unbounded memory access, make sure to bounds check any such access\n"
            "processed 11 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 "
            "mark_read 1\n")
    d = _x(text).diagnostic
    assert d.family == "map-value-unbounded-access" and d.klass.value == "verifier-false-positive"
    assert d.primary.insn == 2 and any(s.insn == 7 for s in d.secondary)


# -- a mask the compiler did not keep (a fifth-set thread: `index & INDEX_MASK` became
# shifts; the merged fix masks in inline asm)

def _masked(line: str, insns: str) -> str:
    return ("10: R0=map_value(id=0,off=0,ks=4,vs=4096,imm=0) R2=inv(id=0) R10=fp0\n"
            f"; {line}\n{insns}"
            "14: (0f) r0 += r1\n"
            "15: R0_w=map_value(id=0,off=0,ks=4,vs=4096,umax_value=4294967295,var_off=(0x0; 0xffffffff)) "
            "R1_w=inv(id=0,umax_value=4294967295,var_off=(0x0; 0xffffffff)) R10=fp0\n"
            f"; {line}\n"
            "15: (61) r1 = *(u32 *)(r0 +0)\n"
            "R0 unbounded memory access, make sure to bounds check any array access into a map\n"
            "processed 16 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 "
            "mark_read 1\n")


_SHIFTS = "10: (bf) r1 = r2\n11: (67) r1 <<= 32\n12: (77) r1 >>= 32\n13: (bf) r3 = r1\n"


def test_a_mask_the_bytecode_does_not_hold_is_the_compiler_s():
    d = _x(_masked("val = *(__u32 *)(base + (idx & IDX_MASK));", _SHIFTS)).diagnostic
    assert d.family == "map-value-unbounded-access" and d.klass.value == "lowering-artifact"
    assert "`& IDX_MASK`" in d.primary.label and "IDX_MASK" in d.help[0]


@pytest.mark.parametrize("line, insns", [
    ("val = *(__u32 *)(base + (idx & IDX_MASK));",  # the AND is there: the mask is too wide
     "10: (bf) r1 = r2\n11: (57) r1 &= 268435455\n12: (bf) r3 = r1\n13: (bf) r3 = r1\n"),
    ("val = *(__u32 *)(base + (idx & 0xffffffff));", _SHIFTS),  # 32 bits bound nothing
    ("val = *(__u32 *)(base + idx); if (a && B) x = 1;", _SHIFTS),  # no mask, a logical and
])
def test_a_mask_kept_or_too_wide_stays_the_program_s(line, insns):
    d = _x(_masked(line, insns)).diagnostic
    assert d.family == "map-value-unbounded-access" and d.klass.value == "source-bug"


def test_a_check_on_a_32_bit_copy_of_the_index_is_the_compiler_s():
    sc = "scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))"
    text = ("0: R1=ctx() R10=fp0\n"
            f"0: (61) r6 = *(u32 *)(r1 +0)          ; R1=ctx() R6_w={sc}\n"
            f"1: (bc) w7 = w6                       ; R6_w={sc} R7_w={sc}\n"
            "2: (26) if w7 > 0x7 goto pc+8         ; R7_w=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,"
            "var_off=(0x0; 0x7))\n"
            "3: (18) r1 = 0xffff88810a3c4000       ; R1_w=map_ptr(ks=4,vs=64)\n"
            "5: (bf) r2 = r10                      ; R2_w=fp0 R10=fp0\n"
            "6: (07) r2 += -4                      ; R2_w=fp-4\n"
            "7: (85) call bpf_map_lookup_elem#1    ; R0_w=map_value_or_null(id=1,ks=4,vs=64)\n"
            "8: (15) if r0 == 0x0 goto pc+2        ; R0_w=map_value(ks=4,vs=64)\n"
            f"9: (0f) r0 += r6                      ; R0_w=map_value(ks=4,vs=64,{sc[7:-1]}) R6={sc}\n"
            "10: (71) r0 = *(u8 *)(r0 +0)\n"
            "R0 unbounded memory access, make sure to bounds check any array access into a map\n"
            "processed 11 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 "
            "mark_read 1\n")
    d = _x(text).diagnostic
    assert d.family == "map-value-unbounded-access" and d.klass.value == "lowering-artifact"
    assert d.primary.insn == 2 and "on a copy" in d.primary.label
    assert "5.10" in d.why and any("barrier_var" in h for h in d.help)
