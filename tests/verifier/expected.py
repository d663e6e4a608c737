"""What each saved log must be explained as: catalog id, failing insn, C line.

One row per fixture in tests/bpf/verifier/*.c (and rawbpf.RAW_FIXTURES).
The index and line come from reading the fixture and its log by hand.
"""

# name -> (catalog id, failing instruction index, source line)
EXPECTED = {
    "call_depth": ("call-stack-too-deep", 28, 9),
    "caller_saved": ("caller-saved-register-after-call", 1, 8),
    "combined_stack": ("combined-stack-too-large", 18, 19),
    "core_poison": ("core-relocation-failed", 1, 14),
    "ctx_access": ("invalid-ctx-access", 0, 9),
    "div_by_zero": ("division-by-zero", 1, 9),
    "frame_pointer_write": ("frame-pointer-write", 0, 7),
    "gpl_only": ("gpl-only-helper", 3, 10),
    "helper_arg_type": ("helper-argument-type-mismatch", 4, 10),
    "helper_prog_type": ("helper-not-allowed-for-program-type", 2, 8),
    "helper_unknown": ("helper-unknown", 0, 9),
    "infinite_loop": ("infinite-loop", 5, 10),
    "invalid_map_fd": ("invalid-map-fd", None, None),
    "jump_out_of_range": ("jump-out-of-range", 0, None),
    "last_insn_not_exit": ("last-insn-not-exit", None, None),
    "map_index_negative": ("map-value-negative-index", 17, 22),
    "map_index_unbounded": ("map-value-unbounded-access", 13, 21),
    "map_not_created": ("map-not-created", 0, 17),
    "map_value_null": ("map-value-null-check-missing", 7, 17),
    "map_value_oob": ("map-value-out-of-bounds", 10, 20),
    "misaligned_stack": ("misaligned-stack-access", 1, 7),
    "modified_ctx": ("modified-ctx-deref", 1, 9),
    "nullable_deref": ("nullable-pointer-deref", 7, 15),
    "ok_loop_scan": ("verifier-accepted", None, None),
    "ok_program": ("verifier-accepted", None, None),
    "packet_no_bounds": ("packet-bounds-check-missing", 1, 10),
    "pointer_32bit": ("pointer-arithmetic-32bit", 1, 9),
    "pointer_leak": ("pointer-leak", 1, 11),
    "ptr_arith_unbounded": ("pointer-arithmetic-unbounded", 10, 21),
    "return_range": ("return-value-out-of-range", 1, 8),
    "rodata_write": ("write-to-read-only-map", 3, 10),
    "scalar_deref": ("scalar-deref", 11, 20),
    "stack_buffer_small": ("stack-buffer-too-small", 3, 10),
    "stack_out_of_bounds": ("stack-out-of-bounds", 1, 8),
    "too_large": ("program-too-complex", 3, 12),
    "uninit_register": ("uninitialized-register", 0, 8),
    "uninit_stack": ("uninitialized-stack-read", 13, 24),
    "unreachable_insn": ("unreachable-insn", 2, None),
    "unreleased_ringbuf": ("unreleased-reference", 10, 19),
    "unreleased_socket": ("unreleased-reference", 20, 16),
}

# Level-1 logs that lack what level 2 shows: the kernel rewinds the level-1
# log to the start of the failing path, and check_max_stack_depth runs after
# the walk, so no instruction of the path is left.
LEVEL1_WITHOUT_INSN = {"combined_stack"}
