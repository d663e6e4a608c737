"""Catalog entries: program structure, helpers, references, limits, loaders."""

from __future__ import annotations

from bpfdoctor.verifier.entry import CatalogEntry as E

V = "kernel/bpf/verifier.c"

# libbpf poisons instructions it could not relocate with a call to an
# impossible helper id (libbpf relo_core.c: bpf_core_poison_insn uses
# 0xbad2310; libbpf.c: poison_map_ldimm64 uses POISON_LDIMM64_MAP_BASE
# 2001000000 + map index).
CORE_POISON = 0xBAD2310
MAP_POISON_BASE = 2001000000

ENTRIES = (
    E(
        id="helper-argument-type-mismatch",
        title="helper called with an argument of the wrong type",
        patterns=(r"R\d+ type=\S+ expected=",),
        explanation="Each helper argument has a type the verifier checks: a map (map_ptr), a "
                    "pointer to initialised stack (fp), the context (ctx), a constant size, ... "
                    "The register passed has another type.",
        cause="Arguments in the wrong order, passing a value instead of its address (key "
              "instead of &key), or the context where a map is expected.",
        fix="Pass what the helper's prototype asks for (see `man bpf-helpers`).",
        snippet="__u64 *v = bpf_map_lookup_elem(&my_map, &key);",
        reference=f"{V}: check_reg_type",
    ),
    E(
        id="unreleased-reference",
        title="acquired reference not released",
        patterns=(r"Unreleased reference id=\d+ alloc_insn=\d+", r"would lead to reference leak"),
        explanation="A helper that acquires a reference (bpf_ringbuf_reserve, "
                    "bpf_sk_lookup_tcp/udp, bpf_skc_lookup_tcp, kfuncs returning acquired "
                    "pointers) must be paired with its release on every path to exit.",
        cause="An early return after a successful reservation or lookup skips "
              "bpf_ringbuf_submit/discard or bpf_sk_release.",
        fix="Release the reference on every path, including error paths.",
        snippet="struct bpf_sock *sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), -1, 0);\n"
                "if (!sk)\n        return TC_ACT_OK;\nint state = sk->state;\nbpf_sk_release(sk);",
        reference=f"{V}: check_reference_leak",
    ),
    E(
        id="infinite-loop",
        title="loop the verifier cannot prove terminates",
        patterns=(r"infinite loop detected at insn \d+", r"back-edge from insn \d+ to \d+"),
        explanation="The verifier reached the same instruction in an identical state: the loop "
                    "makes no progress. Kernels before 5.3 reject every backward jump "
                    "('back-edge').",
        cause="A loop whose exit condition does not depend on anything that changes, or (on "
              "old kernels) any loop that clang did not unroll.",
        fix="Give the loop a constant bound, or use bpf_loop()/bpf_for() (5.17+/6.4+); on old "
            "kernels unroll it.",
        snippet="for (int i = 0; i < 64; i++) {   /* constant bound */\n        ...\n}\n"
                "/* or: bpf_loop(64, callback, &ctx, 0); */",
        reference=f"{V}: is_state_visited / check_cfg",
    ),
    E(
        id="program-too-complex",
        title="verification exceeded the complexity limit",
        patterns=(r"BPF program is too large\. Processed \d+ insn", r"The sequence of \d+ jumps is "
                  r"too complex", r"too many states"),
        explanation="The verifier walks every path; it gives up after 1,000,000 processed "
                    "instructions (4096 before 5.2) or 8192 pending branches. Big loops are "
                    "walked iteration by iteration.",
        cause="A bounded loop with many iterations, many nested branches, or heavily inlined "
              "code multiplying paths.",
        fix="Replace big loops with bpf_loop() or bpf_for(); move code into global (non-static) "
            "functions, which are verified once; reduce branches inside loops.",
        snippet="static long step(__u32 i, void *ctx) { ...; return 0; }\n"
                "bpf_loop(5000000, step, &state, 0);",
        reference=f"{V}: do_check (BPF_COMPLEXITY_LIMIT_INSNS)",
    ),
    E(
        id="combined-stack-too-large",
        title="stack of the call chain over 512 bytes",
        patterns=(r"combined stack size of \d+ calls is \d+\. Too large",),
        explanation="The stack frames of a chain of BPF-to-BPF calls add up, and the sum may "
                    "not exceed 512 bytes (less with tail calls: 256 per frame).",
        cause="Several functions each with large local buffers calling one another.",
        fix="Make buffers smaller, share one per-CPU array map value as scratch space, or "
            "inline one function into another so clang can reuse stack slots.",
        snippet="__u32 zero = 0;\nchar *scratch = bpf_map_lookup_elem(&scratch_map, &zero);",
        reference=f"{V}: check_max_stack_depth",
    ),
    E(
        id="call-stack-too-deep",
        title="too many nested BPF-to-BPF calls",
        patterns=(r"the call stack of \d+ frames is too deep",),
        explanation="BPF-to-BPF calls may nest at most 8 frames deep (MAX_CALL_FRAMES).",
        cause="A long chain of __noinline functions, or recursion (never allowed).",
        fix="Flatten the call chain: inline the innermost functions (static __always_inline).",
        snippet="static __always_inline int helper(int x) { ... }",
        reference=f"{V}: check_func_call (MAX_CALL_FRAMES)",
    ),
    E(
        id="helper-not-allowed-for-program-type",
        title="helper not available to this program type",
        patterns=(r"program of this type cannot use helper", r"unknown func [a-z_]\w*#\d+"),
        explanation="Each program type has its own set of helpers (its get_func_proto). The "
                    "helper exists in this kernel but not for this type. Older kernels say "
                    "'unknown func NAME#N'.",
        cause="Using a tracing helper (bpf_get_current_pid_tgid) in a networking program, a "
              "packet helper (bpf_redirect) in a kprobe, or the wrong SEC() name giving the "
              "program another type than intended.",
        fix="Check the section name gives the intended program type, and use only helpers "
            "listed for it by `bpftool feature probe`.",
        snippet='SEC("tc")        /* bpf_redirect is for tc and XDP programs */\n'
                "int prog(struct __sk_buff *skb) { return bpf_redirect(ifindex, 0); }",
        reference=f"{V}: check_helper_call",
    ),
    E(
        id="core-relocation-failed",
        title="CO-RE relocation failed (libbpf poisoned the instruction)",
        patterns=(rf"invalid func unknown#{CORE_POISON}\b", r"<invalid CO-RE relocation>",
                  r"failed to resolve CO-RE relocation"),
        explanation="libbpf could not find the field or type this instruction accesses in the "
                    "kernel's BTF, and replaced the instruction with a call to the impossible "
                    "helper 0xbad2310 (195896080) so the program fails only if that code runs.",
        cause="A struct field that does not exist in this kernel version (renamed, moved, or "
              "config-dependent), accessed without bpf_core_field_exists().",
        fix="Guard the access with bpf_core_field_exists() (or a ___flavor struct for the "
            "other kernel layout), and check the field name against `bpftool btf dump file "
            "/sys/kernel/btf/vmlinux`.",
        snippet="if (bpf_core_field_exists(task->field))\n"
                "        v = BPF_CORE_READ(task, field);",
        reference="libbpf relo_core.c: bpf_core_poison_insn",
    ),
    E(
        id="map-not-created",
        title="program uses a map libbpf did not create",
        patterns=(r"invalid func unknown#2001\d{6}\b", r"<invalid BPF map reference>",
                  r"BPF map '[^']*' is referenced but wasn't created"),
        explanation="The program references a map that was not created (autocreate disabled, "
                    "or its creation failed and was ignored); libbpf replaced the map load with "
                    "a call to the impossible helper 2001000000 + map index.",
        cause="bpf_map__set_autocreate(map, false) for a map a loaded program still uses.",
        fix="Create the map, or do not load programs that use it (bpf_program__set_autoload).",
        snippet="bpf_map__set_autocreate(skel->maps.events, true);",
        reference="libbpf libbpf.c: poison_map_ldimm64",
    ),
    E(
        id="helper-unknown",
        title="helper id unknown to this kernel",
        patterns=(r"invalid func unknown#\d+", r"invalid func \d+"),
        explanation="The program calls a helper number this kernel does not have: the helper "
                    "was added in a later kernel, or the number is corrupt.",
        cause="Code built against newer headers than the running kernel.",
        fix="Check the helper with `bpftool feature probe kernel | grep NAME`; use a fallback "
            "guarded by bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_name) or require "
            "a newer kernel.",
        snippet="if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop))\n"
                "        bpf_loop(n, cb, &ctx, 0);",
        reference=f"{V}: check_helper_call",
    ),
    E(
        id="gpl-only-helper",
        title="GPL-only helper used by a non-GPL program",
        patterns=(r"cannot call GPL-restricted function from non-GPL compatible program",),
        explanation="Some helpers (tracing, probe_read, trace_printk, perf events) are "
                    "gpl_only; the program's license section must name a GPL-compatible "
                    "license to call them.",
        cause='char LICENSE[] SEC("license") is missing or not GPL-compatible.',
        fix="Declare a GPL-compatible license if your code can be so licensed.",
        snippet='char LICENSE[] SEC("license") = "Dual BSD/GPL";',
        reference=f"{V}: check_helper_call (fn->gpl_only)",
    ),
    E(
        id="last-insn-not-exit",
        title="code falls off the end of the program",
        patterns=(r"last insn is not an exit or jmp",),
        explanation="The last instruction of each function must be an exit or a jump, so no "
                    "path can run past the end.",
        cause="A naked function or inline asm without a final exit; a truncated instruction "
              "array built by hand.",
        fix="End every function's code with exit.",
        snippet='asm volatile("r0 = 0;"\n             "exit;");',
        reference=f"{V}: check_subprogs",
    ),
    E(
        id="unreachable-insn",
        title="instruction that no path reaches",
        patterns=(r"unreachable insn \d+",),
        explanation="The verifier refuses dead code: every instruction must be reachable.",
        cause="Inline asm with code after an unconditional exit or jump.",
        fix="Remove the dead instructions.",
        snippet='asm volatile("r0 = 0;"\n             "exit;");   /* nothing after exit */',
        reference=f"{V}: check_cfg",
    ),
    E(
        id="jump-out-of-range",
        title="jump outside the program",
        patterns=(r"jump out of range from insn \d+ to -?\d+",),
        explanation="A jump or call target lies before the start or past the end of the "
                    "function.",
        cause="From a compiler: a call to a function the loader did not append (a `call pc+N` "
              "into .text, where clang put a function it did not inline; loaders without "
              "BPF-to-BPF call support send only the program's own section). By hand: a wrong "
              "offset (offsets count 8-byte slots, and ld_imm64 takes two).",
        fix="Compiled C: load with a loader that links subprograms (libbpf, bpftool), or make "
            "the called functions `static __always_inline`. Hand-built: recompute the offset, "
            "target = pc + 1 + off.",
        snippet="BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 1),   /* skips one insn */",
        reference=f"{V}: check_subprogs",
    ),
    E(
        id="division-by-zero",
        title="division by a constant zero",
        patterns=(r"^div by zero",),
        explanation="A division or modulo by the constant 0 is refused at load time (a zero "
                    "register divisor is allowed: the result is 0).",
        cause="A macro or constant expression evaluating to zero used as divisor in asm.",
        fix="Use a non-zero constant, or check the divisor.",
        snippet="if (n == 0)\n        return 0;\nreturn total / n;",
        reference=f"{V}: check_alu_op",
    ),
    E(
        id="frame-pointer-write",
        title="write to the frame pointer r10",
        patterns=(r"frame pointer is read only",),
        explanation="r10 is the read-only frame pointer; no instruction may write it.",
        cause="Inline asm using r10 as a scratch register.",
        fix="Use another register (r0-r9).",
        snippet='asm volatile("r1 = r10;"\n             "r1 += -8;" ...);',
        reference=f"{V}: check_reg_arg",
    ),
    E(
        id="return-value-out-of-range",
        title="return value outside what the program type allows",
        patterns=(r"At program exit the register R0 (?:has|is)",
                  r"should have been in \["),
        explanation="Some program types must return a value in a given range (cgroup programs "
                    "0 or 1, LSM programs 0 or a negative errno, ...).",
        cause="Returning a constant of another program type (XDP_PASS is 2) or a helper's "
              "unbounded result.",
        fix="Return only the values the program type defines.",
        snippet='SEC("cgroup_skb/ingress")\nint prog(struct __sk_buff *skb)\n{\n'
                "        return 1;   /* 1 = allow, 0 = drop */\n}",
        reference=f"{V}: check_return_code",
    ),
    E(
        id="pointer-leak",
        title="kernel address leaked to user space",
        patterns=(r"leaks addr", r"R\d+ pointer comparison prohibited"),
        explanation="Without CAP_PERFMON a program may not expose kernel addresses: not as a "
                    "return value, not stored into a map, not compared.",
        cause="Returning or storing a pointer (stack, map value, ctx) instead of the data it "
              "points to, in a program loaded without CAP_PERFMON.",
        fix="Store or return the value, not its address; or load with CAP_BPF+CAP_PERFMON.",
        snippet="return *counter;      /* not: return (long)counter; */",
        reference=f"{V}: check_return_code / check_ptr_alu / check_mem_access (allow_ptr_leaks)",
    ),
    E(
        id="invalid-map-fd",
        title="instruction references a map fd that is not a map",
        patterns=(r"fd -?\d+ is not pointing to valid bpf_map",),
        explanation="A 64-bit load of a map (BPF_PSEUDO_MAP_FD) names a file descriptor that "
                    "is not an open BPF map in the loading process.",
        cause="A loader that closed the map fd before loading, or hand-built instructions "
              "with a stale fd.",
        fix="Keep the map fd open until the program is loaded; let libbpf resolve maps.",
        snippet="BPF_LD_MAP_FD(BPF_REG_1, map_fd),   /* map_fd from BPF_MAP_CREATE, still open */",
        reference=f"{V}: resolve_pseudo_ldimm64 / __add_used_map",
    ),
)
