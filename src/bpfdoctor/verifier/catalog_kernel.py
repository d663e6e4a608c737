"""Catalog families for the rest of the messages of Linux 6.12 (generated list).

``messages_6_12.txt`` (tools/gen_verifier_messages.py) lists every message
kernel/bpf/verifier.c and btf.c print; the entries in catalog_memory,
catalog_program and catalog_more match the common ones with their own
analysis.  These families group the remaining ones by the rule they enforce,
so that no message of the kernel falls to the fallback.  They come last:
the older, more specific entries win.
"""

from __future__ import annotations

from bpfdoctor.verifier.entry import CatalogEntry as E

V, B = "kernel/bpf/verifier.c", "kernel/bpf/btf.c"


def _e(id, title, patterns, explanation, cause, fix, ref):
    return E(id=id, title=title, patterns=patterns, explanation=explanation, cause=cause, fix=fix,
             snippet="", reference=ref)


# Checked before every other entry: an internal error is a kernel bug whatever its words.
FIRST = (
    _e("verifier-internal-error", "the verifier hit an internal error (a kernel bug)",
       (r"verifier internal error", r"[Vv]erifier (?:bug|BUG)", r"internal bug\b", r"^bug: ",
        r"REG INVARIANTS VIOLATION", r"misconfigured", r"Please fix kernel",
        r"not eliminated in verifier pass", r"adding tail call poke descriptor failed",
        r"tracking tail call prog failed", r"non-overwritten BPF_PTR_POISON",
        r"(?:unknown|invalid) return type \d+ of func", r"Helper has invalid btf"),
       "The verifier reached a state its authors consider impossible and refused the program "
       "(usually -EFAULT).",
       "A kernel bug, not a bug in the program; the same program may load on another kernel.",
       "try a newer stable kernel; if it persists, report it to bpf@vger.kernel.org with the "
       "object and the full log; meanwhile restructure the code around the failing instruction",
       f"{V}: verifier internal error paths"),
    _e("kernel-btf-malformed", "the kernel cannot read its own BTF",
       (r"btf_vmlinux is malformed", r"in-kernel BTF is malformed"),
       "The verifier parses /sys/kernel/btf/vmlinux (and module BTF) to check global functions' "
       "arguments, kfuncs, tracing programs and CO-RE; this kernel's copy fails its own BTF "
       "checks, so everything that needs kernel BTF is refused (the next line, such as "
       "'Arg#0 type PTR in prog0() is not supported yet', follows from it).",
       "The kernel package was built with a pahole that emits BTF this kernel does not "
       "understand (a packaging fault of the distribution or of a custom kernel build), not "
       "the program and not the verifier's logic.",
       "use a kernel built with a pahole matching its version (the distribution's fixed "
       "package, or rebuild with the right dwarves); programs that need no kernel BTF still load",
       f"{B}: btf_parse_vmlinux / bpf_get_btf_vmlinux"),
)

ENTRIES = (
    _e("kfunc-environment", "this kernel cannot call that kernel function",
       (r"kernel function is not supported without CONFIG_DEBUG_INFO_BTF",
        r"JIT (?:is required for|does not support) calling kern", r"JIT does not support calling kfunc",
        r"module BTF", r"without fd_array is invalid", r"negative offset disallowed for kernel module",
        r"failed to find BTF for kernel function", r"too many different kernel function calls",
        r"kernel btf_id \d+ is not a function", r"kernel function btf_id \d+ does not have a valid",
        r"(?:cannot find address|address) (?:for|of) kernel function",
        r"cannot call kernel function from non-GPL", r"destructive kfunc calls require",
        r"not allowed in non-JITed programs", r"JIT doesn't support bpf-to-bpf calls",
        r"points to kernel module type \(unsupported\)"),
       "kfunc calls need kernel BTF, a JIT that supports them, the module BTF passed in "
       "fd_array, and some need GPL or CAP_SYS_BOOT.",
       "The kernel lacks CONFIG_DEBUG_INFO_BTF or the kfunc, runs without JIT, or the loader "
       "did not resolve a module kfunc.",
       "check the kfunc exists on this kernel (bpftool btf dump file /sys/kernel/btf/vmlinux "
       "| grep NAME), enable the JIT, use a GPL-compatible license, or guard the call with "
       "bpf_ksym_exists()", f"{V}: add_kfunc_call / fixup_call_args"),
    _e("btf-func-mismatch", "a function's BTF prototype is not one the verifier accepts",
       (r"The function \S+ (?:has|return|with|arg)",
        r"^arg#\d+ (?:type tag|has (?:unsupported|invalid|pointer tag)|arena cannot|should be|type isn't a "
        r"pointer|type doesn't have a name|struct doesn't have a name|reference type\()", r"\S+\(\) has \d+ args while", r"Return type \S+ of \S+\(\) doesn't match",
        r"^arg\d+ (?:in|\S+\(struct)", r"Program extension requires BTF", r"Global functions? ",
        r"BTF of func#\d+ doesn't point to KIND_FUNC", r"Invalid type of function", r"^Arg#\d+ type",
        r"use static function instead", r"max struct nesting depth exceeded", r"exception cb only supports",
        r"callback function not static", r"callback function cannot be the main program",
        r"kern ctx type id \d+ is not a struct", r"call to invalid destination"),
       "Global functions, extensions, callbacks and kfunc prototypes are checked against their "
       "BTF: argument counts, scalar or pointer-to-context/struct arguments, a scalar return.",
       "A global function takes or returns a type the verifier does not support, or an "
       "extension does not match the function it replaces.",
       "make the function `static` (verified at each call), pass scalars or pointers to "
       "structs, return int, and keep extension prototypes identical to their target",
       f"{B}: btf_prepare_func_args / btf_check_func_type_match"),
    _e("kfunc-arg-misuse", "a kfunc argument breaks the kfunc's rules",
       (r"^arg#\d+ ", r"^arg\d+ expected pointer to func", r"rdonly/rdwr_buf_size",
        r"R\d+ (?:is not a const|must be a known constant|is not a scalar|is not a known constant)",
        r"Function \S+ has \d+ > \d+ args", r"Unrecognized arg#", r"isn't map pointer",
        r"workqueue pointer in R1", r"allocated object must be referenced",
        r"css_task_iter is only allowed", r"rbtree", r"bpf_obj_new", r"bpf_percpu_obj_new",
        r"bpf_rdonly_cast", r"owning", r"expected \S+ or socket", r"operation on \S+ expects arg#",
        r"not found at offset=", r"must be held for", r"held lock and object are not in the same",
        r"kfunc \S+ failed callback verification", r"acquire kernel function does not return",
        r"local type ID argument", r"unhandled dynamic return type", r"returns pointer type .* is not supported",
        r"the prog does not allow writes to packet data", r"program must be sleepable to call sleepable kfunc",
        r"unmatched attempt to enable preemption", r"doesn't have constant offset\. \S+ has to be at",
        r"must have zero offset when passed to release func", r"\S+ has to be at a constant offset",
        r"cannot pass in \S+ at an offset=", r"cannot release unowned const bpf_dynptr",
        r"expected pointer to (?:stack or const struct bpf_dynptr|an iterator on stack)",
        r"expected valid iter pointer", r"expected an RCU CS when using",
        r"cannot pass pointer to const bpf_dynptr", r"potential write to dynptr",
        r"Unsupported reg type \S+ for bpf_dynptr_from_mem"),
       "Each kfunc states what its arguments must be (KF_TRUSTED_ARGS, constants, owning "
       "references, iterators and dynptrs on the stack at a constant offset, a held lock).",
       "The argument comes from the wrong place: a walked or offset pointer, a run-time value "
       "where a constant is needed, a released or non-owning reference.",
       "pass what the kfunc's prototype and kernel documentation ask for (Documentation/bpf/"
       "kfuncs.rst): an unmodified pointer from the acquire call, a constant, an object on the stack",
       f"{V}: check_kfunc_args / check_kfunc_call"),
    _e("pointer-arith-unsafe", "pointer arithmetic the verifier cannot prove safe",
       (r"tried to subtract pointer from scalar", r"subtraction from stack pointer prohibited",
        r"pointer arithmetic with \S+ operator prohibited", r"R\d+ pointer \S+ pointer prohibited",
        r"sign-extension part of pointer", r"partial copy of pointer",
        r"math between \S+ pointer and", r"pointer offset -?\d+ is not allowed",
        r"makes \S+ pointer be out of bounds", r"unknown scalar with mixed signed bounds",
        r"pointer with unsupported alu operation", r"beyond pointer bounds",
        r"could not be pushed for speculative verification",
        # Linux 4.9-4.13 wordings for packet pointers (check_packet_ptr_add)
        r"addition of negative constant to packet pointer",
        r"cannot add integer value with \d+ upper zero bits to ptr_to_packet"),
       "Only + and - of a bounded scalar on a pointer are allowed, within the object's bounds "
       "and the Spectre sanitation limits.",
       "A pointer is multiplied, masked, cast to 32 bits, or moved by a value whose bounds are "
       "unknown or mix signed and unsigned ranges.",
       "bound the offset first (`off &= MASK;` or `if (off >= SIZE) return ...;` on an unsigned "
       "variable) and add it to the pointer, not the pointer to it", f"{V}: adjust_ptr_min_max_vals"),
    _e("memory-access-denied", "a load or store outside what the pointer allows",
       (r"invalid access to map key", r"read from map forbidden", r"negative offset \S+ ptr R\d+",
        r"dereference of modified \S+ ptr", r"variable \S+ access var_off=",
        r"cannot be accessed directly by load/store", r"R\d+ invalid \S+ access off=-?\d+ size=",
        r"R\d+ invalid mem access '", r"R\d+ cannot write into", r"cannot write into packet",
        r"write to change key R\d+", r"invalid variable buffer offset", r"R\d+ invalid \S+ buffer access", r"R\d+ is ptr_\S+ ",
        r"access is allowed only to CAP_PERFMON", r"Cannot access kernel 'struct",
        r"map_ptr access not supported", r"R\d+ is \S+ invalid negative access",
        r"only read from \S+ is supported", r"invalid(?: unbounded)?(?: variable-offset)?\S* stack R\d+",
        r"invalid (?:\w+ )?read from stack R\d+", r"direct access to \S+ is disallowed",
        r"cannot access ptr member", r"access beyond the end of member", r"doesn't have field at offset",
        r"Type '\S+' is not a struct", r"misaligned \S*access off", r"variable offset stack pointer cannot",
        r"R\d+ is invalid$", r"helper access to the packet is not allowed",
        r"may write into memory pointed by R\d+", r"R\d+ is of type \S+ but \S+ is expected",
        r"does not point to a readonly map", r"is not a constant address", r"string is not zero-terminated",
        r"direct value access", r"invalid map_ptr to access"),
       "Each pointer type has its own rules: what may be read or written, at which offsets, "
       "with which sizes and alignment.",
       "Access past the object, at a variable or negative offset, writing a read-only object, "
       "or through a pointer type that allows no direct access.",
       "access within the object's size at a bounded offset, use the helper meant for that "
       "object (bpf_probe_read_kernel, bpf_skb_load_bytes), or copy into the stack first",
       f"{V}: check_mem_access"),
    _e("stack-spill-misuse", "a register spill or fill the verifier refuses",
       (r"cannot spill pointers to stack into stack frame of the caller", r"spilled ptr in range",
        r"invalid size of register fill", r"leaking pointer from stack"),
       "Pointers spilled to the stack must be filled back whole, in the same frame.",
       "A partial read of a spilled pointer, or a store of a pointer into a caller's frame.",
       "keep pointers in whole 8-byte stack slots of the function that owns them",
       f"{V}: check_stack_write_fixed_off / check_stack_read_fixed_off"),
    _e("map-prog-incompatible", "this map cannot be used by this program",
       (r"progs cannot use bpf_", r"offload device mismatch", r"bpf_struct_ops map cannot be used",
        r"Sleepable programs can only use", r"maps per program has reached the limit",
        r"only one cgroup storage", r"Only one arena per program", r"arena",
        r"tail_call abusing map_ptr"),
       "Some map types and special fields are refused for some program types, sleepable programs "
       "and offloaded programs; a program may reference at most 64 maps and one arena.",
       "The map's type or its special fields do not fit the program type, or too many maps.",
       "use a map type the program type supports, move the logic to another program type, "
       "or merge maps", f"{V}: check_map_prog_compatibility"),
    _e("lock-region-misuse", "not allowed inside a lock, RCU or preempt-disabled region",
       (r"bpf_spin_lock", r"bpf_spin_unlock of different lock", r"spin_\{lock,unlock\}",
        r"in rcu_read_lock region", r"in non-preemptible region", r"cannot be used inside bpf_\w+-ed region",
        r"with preemption disabled", r"bpf_preempt_enable\S* missing", r"bpf_rcu_read_\{lock,unlock\}"),
       "Sleepable helpers, tail calls, LD_ABS and global calls are refused while a lock, "
       "RCU read section or preempt-disabled section is held, and every lock needs its unlock.",
       "The call sits between lock and unlock, or the unlock is missing or for another lock.",
       "move the call outside the locked region and pair every lock with one unlock on every path",
       f"{V}: check_helper_call / process_spin_lock"),
    _e("helper-context", "this helper or instruction is not allowed here",
       (r"supported only for fentry/fexit/fmod_ret programs", r"not supported for program type \d+",
        r"^invalid func \S+#\d+", r"helper call is not allowed in probe", r"get_local_storage\(\) doesn't support",
        r"cannot update sockmap in this context", r"invalid arg_type for sockmap", r"callback function not allowed for map",
        r"Invalid format string", r"BPF_LSM_CGROUP that attach to void LSM hooks", r"BPF_LD_\[ABS\|IND\]",
        r"R6 != pointer to skb", r"LD_ABS is (?:not|only) allowed", r"tail_call is (?:not|only) allowed",
        r"cannot tail call within exception cb", r"^unable to resolve the size of type"),
       "Helpers and legacy instructions are allowed only in some program types, contexts and "
       "functions (LD_ABS and tail calls only where the context is in R6 and the function returns int).",
       "The helper belongs to another program type or attach point, or is used in a callback or subprogram.",
       "use the helper or instruction from a program type that allows it, or its replacement "
       "(bpf_skb_load_bytes for LD_ABS); `bpftool feature probe` lists helpers per program type",
       f"{V}: check_helper_call"),
    _e("btf-info-invalid", "the program's func_info, line_info or CO-RE records are invalid",
       (r"func info record", r"invalid type id -?\d+ in func info", r"line_info\[\d+\]", r"bpf_line_info for",
        r"core_relo\[\d+\]", r"invalid btf id for main subprog", r"ldimm64", r"invalid bpf_ld_imm64 insn",
        r"unrecognized bpf_ld_imm64 insn", r"fd_idx without fd_array", r"direct value offset of \d+",
        r"jump into the middle of ldimm64",
        r"kernel is missing BTF", r"missing btf func_info", r"invalid module BTF object FD", r"field \S+ doesn't have size"),
       "The loader passes BTF records and ldimm64 relocations with the program; the verifier "
       "checks they agree with the instructions and with the kernel's BTF.",
       "An old or mismatched loader or compiler, an object edited after linking, or a kernel "
       "without BTF (CONFIG_DEBUG_INFO_BTF) or without the symbol a ksym refers to.",
       "rebuild with a current clang and libbpf and load with the same libbpf; for a ksym, "
       "check the symbol exists on this kernel (/proc/kallsyms) or declare it __weak", f"{V}: check_btf_info / resolve_pseudo_ldimm64"),
    _e("attach-config", "the program type, attach point or flags do not fit together",
       (r"struct ops programs must have a GPL", r"struct_ops module \S+ is not found",
        r"attach_btf_id \d+ is not a supported struct", r"attach to invalid member",
        r"programs can (?:only )?be sleepable", r"Attaching fexit/fmod_ret to __noreturn",
        r"^func '\S*' (?:offset|doesn't have|arg\d+|size)", r"ret type \S+ not allowed for fmod_ret",
        r"invalid btf_id for context argument"),
       "Tracing, LSM and struct_ops programs are checked against the kernel function or struct "
       "they attach to: its BTF, its arguments, whether it can be sleepable.",
       "The section name or attach target does not match the kernel (another version, a "
       "__noreturn function, a missing struct_ops module), or the program reads ctx arguments "
       "the target does not have.",
       "check the target in the kernel's BTF (bpftool btf dump file /sys/kernel/btf/vmlinux), "
       "fix the section name and argument types, or drop the sleepable flag",
       f"{V}: check_attach_btf_id / {B}: btf_ctx_access"),
    _e("insn-encoding", "an instruction is not valid BPF",
       (r"invalid BPF_\S+ opcode", r"invalid shift -?\d+", r"invalid may_goto", r"invalid atomic opcode",
        r"invalid BPF_LD mode", r"unknown insn class", r"addr_space_cast insn"),
       "The instruction's encoding is not one this kernel knows (or not in this program's context).",
       "Bytecode for a newer kernel (clang -mcpu=v4 features), a shift by the register width "
       "or more, or a hand-written instruction.",
       "build for this kernel (-mcpu=v3 or lower), keep shift counts below the width",
       f"{V}: check_alu_op / do_check"),
    _e("stack-size-limit", "a subprogram's stack exceeds the limit",
       (r"stack size of subprog \d+ is \d+\. Too large", r"tail_calls are not allowed when call stack",
        r"stack size -?\d+\(extra \d+\) is too large"),
       "Each BPF function has at most 512 bytes of stack; with tail calls the frames before it "
       "may use at most 256 bytes.",
       "Large local arrays or structs, or deep calls before a tail call.",
       "move large buffers to a per-CPU array map, or reduce the frames before the tail call",
       f"{V}: check_max_stack_depth_subprog"),
    _e("return-value-unknown", "the return value is not a known scalar",
       (r"the register R\d+ is not a (?:known|scalar) value", r"At subprogram exit the register"),
       "A program, callback or subprogram must return a scalar whose range the verifier can check.",
       "A pointer or an unbounded value is returned.",
       "return a constant of the program type's return codes, or clamp the value before returning",
       f"{V}: check_return_code"),
    _e("insn-shared-pointer-types", "one instruction is reached with two pointer types",
       (r"same insn cannot be used with different pointers",),
       "The verifier rewrites each ctx or map load for one pointer type; an instruction reached "
       "with a ctx pointer on one path and another pointer on the other cannot be rewritten.",
       "The compiler merged two loads from different structs (often `p = cond ? ctx : &local;` "
       "or a shared tail after if/else) into one instruction.",
       "keep the accesses apart: read the field in each branch, or put a barrier() / "
       "barrier_var(p) between the branches so clang does not merge them",
       f"{V}: save_aux_ptr_type"),
)
