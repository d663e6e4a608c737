"""Line shapes of verifier logs: one regular expression per kind of line.

The kernel prints these from kernel/bpf/log.c (print_verifier_state,
verbose_linfo, print_insn_state) and kernel/bpf/verifier.c (do_check,
check_subprogs, bpf_check's statistics); libbpf frames the log in
libbpf.c:bpf_object_load_prog, and cilium/ebpf folds it into one error line
(internal/errors.go: VerifierError.Error).  Older kernels' wordings are
matched by the same expressions where the difference is optional text.
"""

from __future__ import annotations

import re

# "7: (79) r1 = *(u64 *)(r0 +0)      ; R1_w=scalar()"  (annotation since 6.2)
INSN = re.compile(r"(\d+): \(([0-9a-f]{2})\) ")
# kernel/bpf/log.c: print_insn_state pads the instruction, prints ";" and the
# state, which starts with a space: " ; " cannot occur in instruction text.
ANNOTATION_SEP = " ; "
# "if w1 < 0x65 goto pc+4 20: R0=2 ...": a jump (or call) followed by the
# state at its target, printed on the same line by 6.x kernels.
GLUED_TARGET = re.compile(r"(if [^:]*?goto pc[+-]\d{1,9}|goto pc[+-]\d{1,9}|call \S+) (\d{1,9}): (.+)$")
# libbpf rewrites a poisoned instruction as "1: <invalid CO-RE relocation>"
# (libbpf.c: fixup_log_failed_core_relo / fixup_log_missing_map_load).
PSEUDO_INSN = re.compile(r"(\d+): <([^>]+)>$")
# "0: R1=ctx() R10=fp0", "12: frame1: R1=...", old "1: R1_w=inv(id=0)"
STATE = re.compile(r"(\d+): ((?:frame\d+: ?)?(?:R\d|fp-?\d|refs=).*)$")
# Liveness table printed at level 2 since 6.16: "   5: .12....... (bf) r1 = r6"
LIVE_ROW = re.compile(r"\d+: [.0-9]{10,12} ")
# The lookahead fails a line that does not end in ":N" at once; without it the
# engine retried (.+):(\d+)$ after every " @ " (quadratic on many of them).
SOURCE = re.compile(r"; (?=.*:\d+$)(.*) @ (.+):(\d+)$")
FROM_TO = re.compile(r"from (\d+) to (\d+): ?(.*)$")
FUNC = re.compile(r"func#(\d+) @(\d+)")
# kernel/bpf/verifier.c: do_check_subprogs, "Validating %s() func#%d..."
VALIDATING = re.compile(r"Validating (\S*?)\(\) func#(\d{1,9})")
CALLER_AT = re.compile(r"to caller at (\d+):")
FRAME_PREFIX = re.compile(r"frame(\d+): ?")
# Splits a state annotation into "key=value" tokens: values may hold spaces
# inside parentheses ("var_off=(0x0; 0xff)") but never before a new key.
# (?<! ): a run of spaces is tried once, from its first space, not from each
# of its spaces (which made long runs quadratic).
STATE_SPLIT = re.compile(r"(?<! ) +(?=(?:frame\d+: ?)?(?:R\d+|fp-?\d+|refs|cb)\S*=)")
STATS = re.compile(
    r"processed (\d+) insns(?: \(limit (\d+)\))?"
    r"(?:,? max_states_per_insn (\d+))?(?: total_states (\d+))?"
    r"(?: peak_states (\d+))?(?: mark_read (\d+))?(?:,? stack depth ([\d+]+))?")
VERIFICATION_TIME = re.compile(r"verification time (\d+) usec")
STACK_DEPTH = re.compile(r"stack depth ([\d+]+)")
LIBBPF_PROG = re.compile(r"libbpf: prog '([^']*)': (.*)$")
LIBBPF_FAILED = re.compile(r"failed to load: -?(\d+)")
LIBBPF_LOAD_FAILED = re.compile(r"BPF program load failed: (.+)$")
BEGIN_MARK = "-- BEGIN PROG LOAD LOG --"
END_MARK = "-- END PROG LOAD LOG --"
# cilium/ebpf: "load program: permission denied: 7: (79) r1 = ...: R0 invalid
# mem access 'scalar' (5 line(s) omitted)"
CILIUM = re.compile(r"load program: ([a-z][a-z ]*?)(?:: (.*?))?(?: \((\d+) line\(s\) omitted\))?$")
CILIUM_INSN = re.compile(r"(\d+: \([0-9a-f]{2}\) [^:;]*?)(?:\s+;[^:]*)?: (.*)$")

# Lines the verifier prints that are neither instructions, states nor the
# error: precision backtracking, liveness debugging, loop/state dumps,
# BTF func_info checks.  They never become "the error".
NOISE_PREFIXES = (
    "mark_precise:", "Live regs before insn", "propagating", "last_idx", "parent ",
    "regs=", "cur state:", "old state:", "Validating ", "Func#", "Global function",
    "func#", "caller:", "callee:", "returning from callee", "to caller at", "safe",
    "libbpf: ", "Error: ", "Warning: ", "If it used to work", "processed ",
    "verification time", "stack depth", "is_state_visited", "... ", "; ",
)
# Errors that start like the noise above (kernel/bpf/btf.c: btf_prepare_func_args)
NOISE_ERRORS = re.compile(r"Global functions? (?:need valid BTF|\S+\(\) (?:with \d+ > \d+ args"
                          r"|doesn't return scalar))")
# "(0) frame 0 insn 3 +live r1": the 6.18 liveness analysis debug output.
LIVENESS_DEBUG = re.compile(r"\(\d+\) ")
