"""Every family matches the messages kernel/bpf/verifier.c prints for it.

Samples are the kernel's format strings (6.18 unless noted) with values
filled in; older wordings are kept next to the current ones.  Each family also
has a class, and the class decides the layer the diagnostic names.
"""

from __future__ import annotations

import pytest

from bpfdoctor.verifier import CATALOG, parse_text
from bpfdoctor.verifier.diagnostic import ErrorClass
from bpfdoctor.verifier.explain import explain_log, match
from bpfdoctor.verifier.families import FAMILIES

SAMPLES = {
    "tail-call-map-type": ["cannot pass map_type 1 into func bpf_tail_call#12",
                           "expected prog array map for tail call"],
    "map-helper-incompatible": ["cannot pass map_type 4 into func bpf_map_lookup_elem#1"],
    "call-while-holding-lock": ["function calls are not allowed while holding a lock",
                                "global function calls are not allowed while holding a lock,"],
    "spin-lock-unbalanced": ["bpf_spin_unlock is missing",
                             "BPF_EXIT instruction in main prog cannot be used inside "
                             "bpf_spin_lock-ed region"],
    "misaligned-access": ["misaligned value access off (0x0; 0x0)+0+2 size 4",
                          "misaligned packet access off 2+(0x0; 0x0)+14 size 4"],
    "zero-sized-access": ["R2 invalid zero-sized read"],
    "size-unbounded": ["R2 min value is negative, either use unsigned or 'var &= const'",
                       "R2 unbounded memory access, use 'var &= const' or 'if (var < const)'"],
    "global-func-args": ["Caller passes invalid args into func#1 ('parse')"],
    "kfunc-null-arg": ["Possibly NULL pointer passed to trusted arg0"],
    "kfunc-rcu-arg": ["R1 must be a rcu pointer", "R1 must be referenced or trusted"],
    "kfunc-unknown": ["calling kernel function bpf_foo is not allowed"],
    "dynptr-misuse": ["Expected an initialized dynptr as arg #1",
                      "Dynptr has to be an uninitialized dynptr"],
    "iterator-misuse": ["expected an initialized iter_num as arg #1"],
    "irq-flag-misuse": ["expected an initialized irq flag as arg#0"],
    "rcu-lock-unbalanced": ["bpf_rcu_read_unlock is missing"],
    "exception-callback": ["cannot call exception cb directly"],
    "complexity-reported-as-size": ["bpf: Argument list too long. Program  too large (113 insns), "
                                    "at most 4096 insns"],
    "kptr-misuse": ["off=8 kptr isn't referenced kptr"],
    "sleepable-context": ["helper call might sleep in a non-sleepable prog"],
    "infinite-loop": ["back-edge from insn 12 to 5", "infinite loop detected at insn 7"],
    "too-many-insns": ["BPF program is too large"],
    "stack-var-offset": ["invalid unbounded variable-offset write to stack R2",
                         "invalid variable-offset read from stack R2 var_off=(0x0; 0x7fc) off=-32 size=4"],
    "pointer-leak": ["R1 pointer comparison prohibited", "R0 leaks addr as return value"],
    "helper-argument-type-mismatch": ["R1 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value"],
    "gpl-only-helper": ["cannot call GPL-restricted function from non-GPL compatible program"],
    "nullable-pointer-arith": ["R1 pointer arithmetic on map_value_or_null prohibited, null-check it first"],
    "pointer-arith-prohibited": ["R2 pointer arithmetic on pkt_end prohibited",
                                 "R1 bitwise operator &= on pointer prohibited"],
    "pointer-sanitizer": ["R2 tried to add from different maps, paths or scalars"],
    "release-unacquired": ["R1 must be referenced when passed to release function",
                           "arg 1 is an unacquired reference"],
    "stack-spill-corrupt": ["attempt to corrupt spilled pointer on stack"],
    "sock-field-access": ["invalid bpf_sock access off=80 size=4", "invalid tcp_sock access off=0 size=8"],
    "btf-struct-access": ["access beyond struct task_struct at off 9000 size 8"],
    "buffer-access": ["R1 invalid rdonly buffer access: off=16, size=8"],
    "unsupported-instruction": ["unknown opcode 8d", "invalid BPF_LD_IMM insn",
                                "BPF_ALU uses reserved fields"],
    "tail-call-mixing": ["mixing of tail_calls and bpf-to-bpf calls is not supported"],
    "btf-required": ["map 'counts' has to have BTF in order to use bpf_spin_lock"],
    "attach-target": ["Tracing programs must provide btf_id",
                      "Extension program changes packet data, while original does not"],
    "attach-failed": ["failed to attach: ERROR: strerror_r(-524)=22",
                      "failed to attach to perf_event FD 7: -95"],
    "btf-func-info": ["invalid func info rec size 12", "Invalid line_info[3].insn_off:40"],
    "privileged-feature": ["function pointers are allowed for CAP_BPF and CAP_SYS_ADMIN"],
    "ld-abs-misuse": ["BPF_LD_[ABS|IND] instructions not allowed for this program type"],
    "atomic-misuse": ["BPF_ATOMIC stores into R1 ctx is not allowed"],
    "too-many-subprogs": ["too many subprograms"],
    "timer-misuse": ["map 'x' has no valid bpf_timer"],
    # older families, current and old wordings
    "scalar-deref": ["R1 invalid mem access 'scalar'", "R1 invalid mem access 'inv'"],
    "map-value-null-check-missing": ["R0 invalid mem access 'map_value_or_null'"],
    "nullable-pointer-deref": ["R0 invalid mem access 'ringbuf_mem_or_null'",
                               "R0 invalid mem access 'sock_or_null'"],
    "uninitialized-stack-read": ["invalid indirect read from stack R4 off -64+0 size 64",
                                 "invalid indirect read from stack off -80+44 size 56"],
    "stack-out-of-bounds": ["invalid write to stack R10 off=-520 size=8", "invalid stack off=-528 size=8"],
    "packet-bounds-check-missing": ["invalid access to packet, off=16 size=2, R3(id=0,off=16,r=16)",
                                    "R6 offset is outside of the packet"],
    "modified-ctx-deref": ["dereference of modified ctx ptr R6 off=20 disallowed"],
    "program-too-complex": ["BPF program is too large. Processed 1000001 insn",
                            "The sequence of 8193 jumps is too complex."],
    "combined-stack-too-large": ["combined stack size of 2 calls is 608. Too large"],
    "return-value-out-of-range": ["At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]",
                                  "At program exit the register R0 has value (0x2; 0x0) should have been in (0x0; 0x1)",
                                  "At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]"],
    "unreleased-reference": ["Unreleased reference id=2 alloc_insn=4"],
    "helper-not-allowed-for-program-type": ["program of this type cannot use helper bpf_trace_printk#6"],
}


@pytest.mark.parametrize("family", sorted(SAMPLES))
def test_samples_match_their_family(family):
    for line in SAMPLES[family]:
        log = parse_text(f"0: R1=ctx() R10=fp0\n0: (b7) r0 = 0\n{line}\n")
        got = match(log)
        assert got is not None and got.id == family, (line, got and got.id)


def test_every_new_family_has_samples_and_a_class():
    from bpfdoctor.verifier import catalog_more

    assert {e.id for e in catalog_more.ENTRIES} <= set(SAMPLES)
    assert {e.id for e in CATALOG} <= set(FAMILIES)
    assert all(isinstance(k, ErrorClass) for k, _ in FAMILIES.values())


@pytest.mark.parametrize("line,klass", [
    ("unknown opcode 8d", ErrorClass.ENVIRONMENT),
    ("BPF program is too large. Processed 1000001 insn", ErrorClass.VERIFIER_LIMIT),
    ("dereference of modified ctx ptr R6 off=20 disallowed", ErrorClass.LOWERING_ARTIFACT),
    ("Unreleased reference id=2 alloc_insn=4", ErrorClass.SOURCE_BUG),
])
def test_class_decides_the_layer(line, klass):
    d = explain_log(parse_text(f"0: (b7) r0 = 0\n{line}\n")).diagnostic
    assert d.klass is klass and d.klass.layer
