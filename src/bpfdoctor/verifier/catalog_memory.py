"""Catalog entries: memory safety (pointers, maps, packets, stack, context).

Order matters where two entries can match one line: the more specific entry
comes first (``catalog.CATALOG`` keeps this order).
"""

from __future__ import annotations

from bpfdoctor.verifier.entry import CatalogEntry as E

V = "kernel/bpf/verifier.c"

ENTRIES = (
    E(
        id="map-value-null-check-missing",
        title="map lookup result used without a NULL check",
        patterns=(r"invalid mem access 'map_value_or_null'",),
        explanation="bpf_map_lookup_elem() returns NULL when the key is absent. The verifier "
                    "types its result map_value_or_null and refuses any access through it until "
                    "a comparison with NULL has split the NULL and non-NULL cases.",
        cause="The pointer returned by bpf_map_lookup_elem() is dereferenced directly, or the "
              "check was done on a copy the compiler did not keep in the same register.",
        fix="Test the pointer before using it, on every path, and return early when it is NULL.",
        snippet="__u64 *value = bpf_map_lookup_elem(&counters, &key);\n"
                "if (!value)\n        return XDP_PASS;\n*value += 1;",
        reference=f"{V}: check_mem_access",
    ),
    E(
        id="nullable-pointer-deref",
        title="possibly-NULL pointer dereferenced",
        patterns=(r"invalid mem access '\w*_or_null\w*'", r"invalid mem access 'ptr_or_null_\w*'"),
        explanation="The register holds a pointer that may be NULL (a socket lookup, a ring "
                    "buffer reservation, a kptr, a BTF pointer returned by a kfunc). Memory "
                    "behind it may only be touched after a NULL check.",
        cause="bpf_ringbuf_reserve(), bpf_sk_lookup_tcp() or a kfunc result is used without "
              "`if (!p)` first.",
        fix="Check the pointer for NULL right after the call and leave (releasing nothing) "
            "when it is NULL.",
        snippet="__u64 *slot = bpf_ringbuf_reserve(&events, sizeof(*slot), 0);\n"
                "if (!slot)\n        return 0;\n*slot = bpf_ktime_get_ns();\n"
                "bpf_ringbuf_submit(slot, 0);",
        reference=f"{V}: check_mem_access",
    ),
    E(
        id="scalar-deref",
        title="a number is used as a pointer",
        patterns=(r"invalid mem access '(?:scalar|inv)'",),
        explanation="The register holds a plain number (type scalar; 'inv' before Linux 5.18), "
                    "not a pointer the verifier knows. BPF programs may only dereference "
                    "pointers whose provenance the verifier tracked: ctx, stack, map values, "
                    "packet data, BTF pointers.",
        cause="An address read from a map, a context field or a struct member is cast to a "
              "pointer and dereferenced; or a pointer was spilled and lost its type.",
        fix="Read kernel or user memory through bpf_probe_read_kernel()/bpf_probe_read_user() "
            "(or BPF_CORE_READ), which copy into a buffer the verifier knows.",
        snippet="int val;\nif (bpf_probe_read_kernel(&val, sizeof(val), (void *)addr))\n"
                "        return 0;",
        reference=f"{V}: check_mem_access",
    ),
    E(
        id="packet-bounds-check-missing",
        title="packet read without a bounds check",
        patterns=(r"invalid access to packet", r"offset is outside of the packet"),
        explanation="Packet data may only be read between data and data_end. The verifier "
                    "learns the readable range (r=N in pkt(...)) only from a comparison of the "
                    "pointer, plus the access size, against data_end.",
        cause="Reading a header field before `if (data + sizeof(hdr) > data_end)`, or checking "
              "a different pointer than the one dereferenced, or checking too few bytes.",
        fix="Compare the end of everything you read with data_end before reading it.",
        snippet="void *data = (void *)(long)ctx->data;\n"
                "void *data_end = (void *)(long)ctx->data_end;\n"
                "struct ethhdr *eth = data;\nif ((void *)(eth + 1) > data_end)\n"
                "        return XDP_PASS;",
        reference=f"{V}: check_packet_access",
    ),
    E(
        id="caller-saved-register-after-call",
        title="register used after a call scratched it",
        patterns=(r"\bR[1-5] !read_ok",),
        requires="call-before",
        explanation="A helper or function call overwrites R1-R5 (the argument registers). "
                    "After the call they are uninitialised; only R0 (the result) and R6-R9 "
                    "survive.",
        cause="Hand-written or inline asm keeps a value (often ctx in R1) in an argument "
              "register across a call.",
        fix="Save the value in a callee-saved register (R6-R9) before the call and use that "
            "copy afterwards.",
        snippet='asm volatile("r6 = r1;"\n             "call %[bpf_get_prandom_u32];"\n'
                '             "r0 = *(u32 *)(r6 + 0);" ...);',
        reference=f"{V}: check_helper_call (caller_saved registers marked not init)",
    ),
    E(
        id="uninitialized-register",
        title="register read before it was written",
        patterns=(r"\bR\d+ !read_ok",),
        explanation="The instruction reads a register no instruction on this path has written. "
                    "On entry only R1 (the context) and R10 (the frame pointer) are set.",
        cause="Inline asm that reads a register it never set, or a function that reads an "
              "argument register it was not passed.",
        fix="Initialise the register on every path that reaches the instruction.",
        snippet='asm volatile("r2 = 0;"\n             "r0 = r2;" ...);',
        reference=f"{V}: check_reg_arg",
    ),
    E(
        id="uninitialized-stack-read",
        title="stack memory read before it was written",
        patterns=(r"invalid (?:indirect )?read from stack", r"invalid indirect access to stack .*"
                  r"(?:uninit|not initialized)"),
        explanation="The program (or a helper it calls, such as bpf_map_update_elem reading the "
                    "value) reads stack bytes no instruction wrote. Only loaders with CAP_PERFMON "
                    "may read uninitialised stack; for others every byte must be written first.",
        cause="A struct or buffer on the stack is passed to a helper with some fields or "
              "padding never written, or written on only some paths.",
        fix="Zero the whole buffer (including padding) before filling it.",
        snippet="char name[16];\n__builtin_memset(name, 0, sizeof(name));\n"
                "bpf_map_update_elem(&names, &key, name, BPF_ANY);",
        reference=f"{V}: check_stack_range_initialized",
    ),
    E(
        id="stack-buffer-too-small",
        title="a helper is told the buffer is larger than it is",
        patterns=(r"invalid (?:indirect access|write|read) to stack R\d+ off=(-?\d+) size=(\d+)",
                  r"invalid stack type R\d+ off=-?\d+ access_size=\d+"),
        requires="overflows-frame",
        explanation="A stack buffer passed to a helper is shorter than the size argument, so "
                    "the helper's access would run past the top of the stack frame.",
        cause="The size argument is a constant or sizeof() of a different, larger object than "
              "the buffer.",
        fix="Pass sizeof(buffer) as the size.",
        snippet="char comm[16];\nbpf_get_current_comm(comm, sizeof(comm));",
        reference=f"{V}: check_stack_access_within_bounds",
    ),
    E(
        id="stack-out-of-bounds",
        title="stack access outside the 512-byte frame",
        # a variable offset outside the frame is catalog_more's stack-var-offset:
        # its cause is an unbounded index, not the 512-byte frame
        patterns=(r"invalid (?:indirect access|write|read) to stack R\d+ off=-?\d+ size=\d+",
                  r"invalid stack off=-?\d+ size=\d+"),
        explanation="Each BPF frame has 512 bytes of stack, from r10-512 to r10. The access "
                    "falls (partly) outside that range.",
        cause="A local array too large for the stack, or an offset from r10 computed beyond "
              "-512 (in asm or after inlining several large buffers).",
        fix="Move large buffers to a per-CPU array map and use the map value as scratch space.",
        snippet="struct {\n        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);\n"
                "        __uint(max_entries, 1);\n        __type(key, __u32);\n"
                "        __type(value, struct big_buf);\n} scratch SEC(\".maps\");\n"
                "__u32 zero = 0;\nstruct big_buf *buf = bpf_map_lookup_elem(&scratch, &zero);",
        reference=f"{V}: check_stack_access_within_bounds",
    ),
    E(
        id="map-value-negative-index",
        title="index into a map value may be negative",
        patterns=(r"min value is negative, either use unsigned index",),
        explanation="The offset added to the map value pointer has a negative lower bound: a "
                    "signed index was checked only from above.",
        cause="`int idx; if (idx < N) v[idx]` leaves idx in [INT_MIN, N).",
        fix="Use an unsigned index, or check both bounds.",
        snippet="__u32 idx = ...;\nif (idx >= ARRAY_LEN)\n        return 0;\nreturn slots[idx];",
        reference=f"{V}: check_mem_region_access",
    ),
    E(
        id="map-value-unbounded-access",
        title="index into a map value has no upper bound",
        patterns=(r"unbounded memory access, make sure to bounds check any (?:such|array) access",),
        explanation="A variable offset was added to a map value pointer and the verifier cannot "
                    "bound it from above, so the access could land outside the value.",
        cause="An array element of a map value indexed by a number from the packet, the "
              "context or another map without `if (idx >= LEN)`.",
        fix="Compare the index with the array length right before the access (in the same "
            "register; compilers may drop a check on a copy).",
        snippet="if (idx >= 64)\n        return XDP_PASS;\nreturn slots[idx];",
        reference=f"{V}: check_mem_region_access",
    ),
    E(
        id="map-value-out-of-bounds",
        title="access past the end of a map value",
        patterns=(r"invalid access to map value, value_size=\d+ off=-?\d+ size=\d+",
                  r"(?:min|max) value is outside of the allowed memory range",
                  r"invalid access to map value pointer"),
        explanation="The access at this offset and size does not fit in the map's value_size.",
        cause="A constant index one past the end of an array in the value, or a value struct "
              "in the program that is larger than the map's declared value type.",
        fix="Keep every offset + size within value_size; check array indices against the "
            "array's length.",
        snippet="if (i >= ARRAY_SIZE(v->slots))\n        return 0;\nreturn v->slots[i];",
        reference=f"{V}: check_map_access",
    ),
    E(
        id="pointer-arithmetic-unbounded",
        title="pointer arithmetic with an unbounded or huge offset",
        patterns=(r"math between \w+ pointer and register with unbounded min value is not allowed",
                  r"value -?\d+ makes \w+ pointer be out of bounds",
                  r"math between \w+ pointer and -?\d+ is not allowed",
                  r"pointer arithmetic of map value goes out of range"),
        explanation="A register with an unknown (possibly huge or negative) value is added to a "
                    "pointer. The verifier refuses the arithmetic itself, before any access, "
                    "when the offset is not bounded within +-2^29.",
        cause="Adding a 64-bit value from a helper (bpf_ktime_get_ns, a map field) or a "
              "sign-extended int to a map value or packet pointer without clamping it.",
        fix="Bound the offset first, with an unsigned comparison or a mask, in the register "
            "that is added.",
        snippet="__u64 off = bpf_ktime_get_ns();\noff &= 0xff;        /* or: if (off >= 256) return 0; */\n"
                "return base[off];",
        reference=f"{V}: adjust_ptr_min_max_vals / check_reg_sane_offset",
    ),
    E(
        id="pointer-arithmetic-32bit",
        title="32-bit arithmetic on a pointer",
        patterns=(r"32-bit pointer arithmetic prohibited",),
        explanation="Pointers are 64-bit; a 32-bit ALU operation (w registers) on one loses its "
                    "upper half, so the verifier forbids it.",
        cause="Arithmetic on the __u32 ctx->data/ctx->data_end fields (XDP, __sk_buff) in C "
              "before casting them to pointers.",
        fix="Cast the field to a pointer first, then do the arithmetic on the pointer.",
        snippet="void *data = (void *)(long)ctx->data;\nvoid *l3 = data + sizeof(struct ethhdr);",
        reference=f"{V}: adjust_ptr_min_max_vals",
    ),
    E(
        id="modified-ctx-deref",
        title="context pointer dereferenced after being moved",
        patterns=(r"dereference of modified ctx ptr",),
        explanation="Context accesses are rewritten at load time by their constant offset from "
                    "the start of the context, so the ctx pointer itself must not be changed.",
        cause="Pointer arithmetic on ctx (ctx + n), often from a loop over context fields or "
              "from taking the address of a field and passing it around.",
        fix="Access fields as ctx->field with the original pointer.",
        snippet="__u32 len = skb->len;          /* not: *(__u32 *)((void *)skb + off) */",
        reference=f"{V}: __check_ptr_off_reg",
    ),
    E(
        id="misaligned-stack-access",
        title="misaligned stack access",
        patterns=(r"misaligned stack access",),
        explanation="Stack accesses must be aligned to their size: the verifier's spill "
                    "tracking works on 8-byte slots and always enforces alignment for the stack.",
        cause="A stack layout C does not produce (clang aligns every variable to its type): a "
              "code generator's (bpftrace placed 8-byte tuple and map-key members at 4-byte "
              "offsets), a packed struct on the stack, casts of a char buffer to a wider type, or "
              "hand-written offsets from r10 (asm).",
        fix="Align stack offsets to the access size, or copy with __builtin_memcpy.",
        snippet="__u64 v;\n__builtin_memcpy(&v, buf + 3, sizeof(v));",
        reference=f"{V}: check_ptr_alignment",
    ),
    E(
        id="invalid-ctx-access",
        title="invalid access to the program's context",
        patterns=(r"invalid bpf_context access off=-?\d+ size=\d+",),
        explanation="Each program type allows reading (and rarely writing) only some fields "
                    "of its context, at their exact offset and size.",
        cause="Reading a field the program type does not expose, writing a read-only field, "
              "or using the wrong context struct for the section (e.g. struct pt_regs in a "
              "tracepoint).",
        fix="Use the context type of the program's section and only the fields it allows; "
            "use helpers (bpf_skb_store_bytes, bpf_xdp_adjust_head) to change packets.",
        snippet="SEC(\"xdp\")\nint prog(struct xdp_md *ctx)\n{\n        __u32 q = ctx->rx_queue_index;\n",
        reference=f"{V}: check_ctx_access",
    ),
    E(
        id="write-to-read-only-map",
        title="write into read-only map memory",
        patterns=(r"write into map forbidden", r"cannot write into (?:rdonly|read-only) map"),
        explanation="The map was created or frozen read-only for programs: .rodata (const "
                    "globals, string literals) and maps with BPF_F_RDONLY_PROG.",
        cause="Writing a `const volatile` global (it lives in .rodata), or casting away const.",
        fix="Keep run-time state in a non-const global (.bss/.data) or in a map.",
        snippet="__u32 threshold = 10;          /* .bss/.data: writable */\n"
                "const volatile __u32 limit = 10; /* .rodata: set before load only */",
        reference=f"{V}: check_map_access_type",
    ),
)
