"""Line shapes of verifier logs: one regular expression per kind of line.

The kernel prints these from kernel/bpf/log.c (print_verifier_state,
verbose_linfo, print_insn_state) and kernel/bpf/verifier.c (do_check,
check_subprogs, bpf_check's statistics); libbpf frames the log in
libbpf.c:bpf_object_load_prog, and cilium/ebpf folds it into one error line
(internal/errors.go: VerifierError.Error).  Older kernels' wordings are
matched by the same expressions where the difference is optional text.

Each expression is compiled the first time it is used (``lines.INSN`` goes
through the module's ``__getattr__`` once): a log meets a few of these shapes,
and compiling all of them cost every ``explain`` a few milliseconds (issue 12).
"""

from __future__ import annotations

import re

_SHAPES: dict[str, str] = {}  # name -> source of the compiled pattern it stands for

# "7: (79) r1 = *(u64 *)(r0 +0)      ; R1_w=scalar()"  (annotation since 6.2)
_SHAPES["INSN"] = r"(\d+): \(([0-9a-f]{2})\) "
# kernel/bpf/log.c: print_insn_state pads the instruction, prints ";" and the
# state, which starts with a space: " ; " cannot occur in instruction text.
ANNOTATION_SEP = " ; "
# "if w1 < 0x65 goto pc+4 20: R0=2 ...": a jump (or call) followed by the
# state at its target, printed on the same line by 6.x kernels.
_SHAPES["GLUED_TARGET"] = r"(if [^:]*?goto pc[+-]\d{1,9}|goto pc[+-]\d{1,9}|call \S+) (\d{1,9}): (.+)$"
# libbpf rewrites a poisoned instruction as "1: <invalid CO-RE relocation>"
# (libbpf.c: fixup_log_failed_core_relo / fixup_log_missing_map_load).
_SHAPES["PSEUDO_INSN"] = r"(\d+): <([^>]+)>$"
# "0: R1=ctx() R10=fp0", "12: frame1: R1=...", old "1: R1_w=inv(id=0)"
_SHAPES["STATE"] = r"(\d+): ((?:frame\d+: ?)?(?:R\d|fp-?\d|refs=).*)$"
# Liveness table printed at level 2 since 6.16: "   5: .12....... (bf) r1 = r6"
_SHAPES["LIVE_ROW"] = r"(?:\d+ +)?\d+: [.0-9]{10,12} "  # 6.18: a loop's SCC number may lead
# "12: safe": the walk reached 12 in a state already proven safe (pruned there)
_SHAPES["PRUNED"] = r"\d+: safe$"
# The lookahead fails a line that does not end in ":N" at once; without it the
# engine retried (.+):(\d+)$ after every " @ " (quadratic on many of them).
_SHAPES["SOURCE"] = r"; (?=.*:\d+$)(.*) @ (.+):(\d+)$"
_SHAPES["FROM_TO"] = r"from (\d+) to (\d+): ?(.*)$"
_SHAPES["FUNC"] = r"func#(\d+) @(\d+)"
# kernel/bpf/verifier.c: do_check_subprogs, "Validating %s() func#%d..."
_SHAPES["VALIDATING"] = r"Validating (\S*?)\(\) func#(\d{1,9})"
_SHAPES["CALLER_AT"] = r"to caller at (\d+):"
_SHAPES["FRAME_PREFIX"] = r"frame(\d+): ?"
# Splits a state annotation into "key=value" tokens: values may hold spaces
# inside parentheses ("var_off=(0x0; 0xff)") but never before a new key.
# (?<! ): a run of spaces is tried once, from its first space, not from each
# of its spaces (which made long runs quadratic).
_SHAPES["STATE_SPLIT"] = r"(?<! ) +(?=(?:frame\d+: ?)?(?:R\d+|fp-?\d+|refs|cb)\S*=)"
_SHAPES["STATS"] = (
    r"processed (\d+) insns(?: \(limit (\d+)\))?"
    r"(?:,? max_states_per_insn (\d+))?(?: total_states (\d+))?"
    r"(?: peak_states (\d+))?(?: mark_read (\d+))?(?:,? stack depth ([\d+]+))?")
_SHAPES["VERIFICATION_TIME"] = r"verification time (\d+) usec"
_SHAPES["STACK_DEPTH"] = r"stack depth ([\d+]+)"
_SHAPES["LIBBPF_PROG"] = r"libbpf: prog '([^']*)': (.*)$"
_SHAPES["LIBBPF_FAILED"] = r"failed to load: -?(\d+)"
_SHAPES["LIBBPF_LOAD_FAILED"] = r"BPF program load failed: (.+)$"
# libbpf.c libbpf_find_attach_btf_id, before any log: the program's attach target is
# not in the kernel's BTF ("...: failed to find kernel BTF type ID of 'x': -3")
# libbpf.c bpf_program__attach_*: "failed to attach: ERROR: strerror_r(-524)=22",
# "failed to attach to perf_event FD 5: -95", "failed to attach BPF program: -EINVAL"...
_SHAPES["LIBBPF_ATTACH"] = r"failed to attach\b(.*?(?:\(-|: -)(\d+)\b)?"
_SHAPES["LIBBPF_NO_TARGET"] = r"failed to find kernel BTF type ID of '[^']*': -?(\d+)$"
# bcc's libbpf.c bpf_prog_load: "bpf: Failed to load program: Permission denied", then the log
BCC_LOAD_FAILED = "bpf: Failed to load program: "
# libbpf before 0.0.5: libbpf.c load_program() (no program name)
OLD_LOAD_FAILED = "load bpf program failed: "
OLD_BEGIN_MARK = "-- BEGIN DUMP LOG ---"
OLD_END_MARK = "-- END LOG --"
BEGIN_MARK = "-- BEGIN PROG LOAD LOG --"
END_MARK = "-- END PROG LOAD LOG --"
# cilium/ebpf: "load program: permission denied: 7: (79) r1 = ...: R0 invalid
# mem access 'scalar' (5 line(s) omitted)"
# bcc's libbpf.c on E2BIG: "bpf: Argument list too long. Program NAME too large (N insns), at most M insns"
_SHAPES["BCC_TOO_LARGE"] = r"bpf: ([^.]+)\. ([Pp]rogram +(?:\S+ +)?too large \(\d+ insns\), at most \d+ insns)"
_SHAPES["OMITTED_ONLY"] = r"\((?:truncated, )?(\d+) line\(s\) omitted\)$"
# (cilium/ebpf 0.12+ says "(truncated, N line(s) omitted)"; a bare "load program: invalid argument:"
# ends in the colon when the log it would quote is empty)
_SHAPES["CILIUM"] = (r"load program: ([a-z][a-z ]*?)(?:: (.*?))?:?"
                     r"(?: \((?:truncated, )?(\d+) line\(s\) omitted\))?$")
# ctest's "18: " before an instruction line "0: (79) r3 = ..." (a number, then an instruction)
_SHAPES["RUN_PREFIX"] = r"(\d+: )(?=\d+: \([0-9a-f]{2}\) )"
_SHAPES["MD_QUOTE"] = r"^(?:>[ \t]?)+\s*"
_SHAPES["NUMBERED_TEXT"] = r"\d+: \S"
_SHAPES["OMITTED_TAIL"] = r" \((?:truncated, )?(\d+) line\(s\) omitted\)$"
# An instruction and its error on one line (cilium/ebpf): the instruction's text
# holds no ": " and what follows is no state ("R0=..." or "frame1: ...", GLUED_TARGET)
_SHAPES["JOINED_ERROR"] = r"([^:;]*?\S): (?!R\d+(?:_\w+)?=|frame\d+:)((?:R\d+ |[a-z]).*)$"
_SHAPES["CILIUM_INSN"] = r"(\d+: \([0-9a-f]{2}\) [^:;]*?)(?:\s+;[^:]*)?: (.*)$"

# Lines the verifier prints that are neither instructions, states nor the
# error: precision backtracking, liveness debugging, loop/state dumps,
# BTF func_info checks.  They never become "the error".
NOISE_PREFIXES = (
    "mark_precise:", "Live regs before insn", "propagating", "last_idx", "parent ",
    "regs=", "cur state:", "old state:", "Validating ", "Func#", "Global function",
    "func#", "caller:", "callee:", "returning from callee", "to caller at", "safe",
    "libbpf: ", "Error: ", "Warning: ", "If it used to work", "processed ",
    "verification time", "stack depth", "is_state_visited", "... ", "; ",
    "SCC enter", "SCC exit",  # 6.17+: a loop's strongly connected component (kernel/bpf/verifier.c)
    # iproute2 (tc, ip link ... xdp) around a log it shortened
    "Verifier analysis:", "Skipped ", "[...]",
    # a Python loader's (bcc's) traceback and hints printed after the log
    "Traceback (most recent call last)", "File \"", "HINT: ",
)
# bpftrace around the log of a program it generated from a script
_SHAPES["BPFTRACE"] = (r"(?:INFO: )?node count: \d+$|Attaching \d+ probes?\.\.\.$|ERROR: Error loading "
                       r"program|load \S+, with BTF")
# Lines people paste around a log that are never the error: a shell prompt with the
# command they ran, an ellipsis standing for cut lines, a bare "libbpf:" line.
_SHAPES["PASTE_NOISE"] = (r"(?:[\w.-]+@[\w.-]+:\S*|~\S*)?[$#] \S|[.\u2026]+$|libbpf:$|Error log:$"
                          # other prompts: "[root@host dir]# ", "-bash-4.4$ ", "sh# "
                          r"|\[[^\]\n]{1,80}\][$#] \S|-?[a-z]+(?:-[\d.]+)?[$#] \S"
                          # an elision standing for cut lines: "[..]", "[ ... ]", "<snip>", "(snip)"
                          r"|\[ ?(?:\.{2,}|\u2026|snip) ?\]$|<\.*snip\.*>$|\(\.*snip\.*\)$"
                          r"|\+ \S"  # a shell's trace of a command (set -x)
                          # a logfmt line's other fields alone on a line (subsys=datapath-loader)
                          r"|(?!R\d)[A-Za-z_][\w.-]*=\S+(?: [A-Za-z_][\w.-]*=\S+)*$"
                          # iproute2 (tc, ip) around the log it prints: lib/bpf_legacy.c
                          r"|- [A-Z][\w ]*: |Verifier analysis:$|Error fetching program/map!$"
                          r"|```")  # a Markdown code fence
# iproute2's line before the log: "Prog section 'connect6' rejected: Invalid argument (22)!"
_SHAPES["IPROUTE2_REJECTED"] = r"Prog section '([^']*)' rejected: .*\((\d+)\)!$"
# Loggers that wrap each line of a pasted log: logfmt (cilium, kmesh: level=warning msg="..."),
# logrus's text format ("ERRO[0045] ..."), syslog and journald ("Dec  2 10:00:01 host sysmon[3080]: ...").
_SHAPES["LOGFMT_MSG"] = r'(?:^|\s)msg="((?:[^"\\]|\\.)*)"'
# ... and its error field, when it quotes a load error: cilium's agent logs
# msg="failed to probe helper" error="detect support for ...: load program: ..."
_SHAPES["LOGFMT_ERROR"] = r'(?:^|\s)error="((?:[^"\\]|\\.)*load program: (?:[^"\\]|\\.)*)"'
# cilium/ebpf's feature test (internal.FeatureTest): the program is the library's probe
_SHAPES["FEATURE_PROBE"] = r"detect support for (\S+)(?: for program type (\S+))?: "
LOGRUS_LEVELS = ("ERRO[", "WARN[", "INFO[", "DEBU[", "FATA[", "PANI[", "TRAC[")
# Rust loggers (aya, libbpf-rs and scx users): env_logger's "[2023-02-13T11:17:38Z INFO  mod::path] "
# and tracing-subscriber's "2025-12-26T04:19:28.720628Z  WARN ThreadId(01) mod::path: file.rs:12: ".
_TS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?"
_LEVEL = r"(?:ERROR|WARN|INFO|DEBUG|TRACE)"
# A bare timestamp alone is taken off too: a CI log's (GitHub Actions: "2023-02-16T13:37:38.1686702Z ").
_SHAPES["RUST_LOGGER"] = (rf"\[{_TS}\s+{_LEVEL}\s+[^\]\s]*\] ?"
                          rf"|{_TS}\s+{_LEVEL}\s+(?:ThreadId\(\d+\)\s+)?(?:[\w:]+: )?(?:[\w./-]+\.rs:\d+: )?"
                          rf"|{_TS} ")
_SHAPES["SYSLOG"] = (r"(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? |\d{4}-\d\d-\d\d[T ]\S+ )?"
                     r"(?:[\w.-]+ )?[\w.@/-]+\[\d+\]: ")
# 5.x btf_check_func_arg_match on a call to a static function: the mismatch only marks the
# callee's BTF unreliable and the walk goes on; the lines up to it are no error.
_SHAPES["ARG_MISMATCH_NOTE"] = r"reg type unsupported for arg#\d+ function \S+#\d+$"
# Errors that start like the noise above (kernel/bpf/btf.c: btf_prepare_func_args)
_SHAPES["NOISE_ERRORS"] = (r"Global functions? (?:need valid BTF|\S+\(\) (?:with \d+ > \d+ args"
                           r"|doesn't return scalar))")
# "(0) frame 0 insn 3 +live -8", "(0,3) live stack update done in 2 iterations":
# the 6.18 stack liveness analysis's debug output (a callchain in the parentheses).
_SHAPES["LIVENESS_DEBUG"] = r"\(\d+(?:,\d+)*\) "
# kernel/bpf/btf.c btf_ctx_access, when the access is allowed (a tracing program's argument)
_SHAPES["BTF_ARG_INFO"] = r"func '[^']*' arg\d+ has btf_id \d+ type "


def __getattr__(name: str) -> re.Pattern[str]:
    try:
        source = _SHAPES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    pattern = globals()[name] = re.compile(source)
    return pattern
