"""Every message Linux 6.12 rejects a program with falls in a specific family.

The messages come from ``messages_6_12.txt`` (tools/gen_verifier_messages.py,
generated from kernel/bpf/verifier.c and btf.c).  Each format string becomes a
sample line with plausible values; the catalog must match it (no fallback)
and the family's class must agree with what the kernel function that prints
it tells us (``CLASS_RULES``: rules written from the kernel, not from the
catalog).
"""

from __future__ import annotations

import re
from importlib import resources

import pytest

from bpfdoctor.verifier import parse_text
from bpfdoctor.verifier.diagnostic import ErrorClass
from bpfdoctor.verifier.explain import match
from bpfdoctor.verifier.families import FAMILIES

S, L, V, E = (ErrorClass.SOURCE_BUG, ErrorClass.LOWERING_ARTIFACT, ErrorClass.VERIFIER_LIMIT,
              ErrorClass.ENVIRONMENT)

_CONV = re.compile(r"%[-+ #0]*\d*(?:\.\d+)?(?:ll|l|z|h)?([a-zA-Z])")
# pieces of a line that earlier calls start (verbose_invalid_scalar, map_kptr_match_type)
CONTINUATIONS = {"smin=%lld", "smax=%lld", "should have been in [%d, %d]", "or %s%s",
                 "expected=%s", "expected=%s%s"}


def rows() -> list[tuple[str, str, str, str, str]]:
    text = resources.files("bpfdoctor.verifier").joinpath("messages_6_12.txt").read_text()
    return [tuple(line.split("\t")) for line in text.splitlines() if not line.startswith("#")]


def sample(fmt: str) -> str:
    """The format with values: a register number, a size, a type name."""
    def fill(m: re.Match[str]) -> str:
        c = m.group(1)
        if c == "s":  # glued to a word ("invalid%s read"): an empty qualifier
            return "" if fmt[m.start() - 1:m.start()].isalnum() else "map_value"
        return {"x": "8", "X": "8", "c": "x"}.get(c, "1")
    return _CONV.sub(fill, fmt)


REJECTING = sorted({(fn, errno, fmt) for _f, fn, errno, kind, fmt in rows()
                    if errno != "log" and kind == "line" and fmt not in CONTINUATIONS})

# (function or message pattern, class): first match decides; rows no rule names
# are only required to have a family.
CLASS_RULES = [
    (r"internal error|verifier bug|[Vv]erifier BUG|internal bug|misconfigured", E),
    (r"^(?:add_kfunc_call|__?find_kfunc_desc_btf|check_struct_ops_btf_id|check_attach_btf_id"
     r"|fixup_call_args|jit_subprogs|check_pseudo_btf_id)\|", E),
    (r"\|.*(?:reserved fields|unknown opcode|invalid BPF_\S+ opcode|unknown insn class)", E),
    (r"\|.*(?:Too large|too deep|too complex|too large|too many subprograms)", V),
    (r"\|same insn cannot be used with different pointers", L),
    (r"\|R\d+ 32-bit pointer arithmetic", L),
    (r"^(?:check_reference_leak|check_mem_region_access|check_mem_size_reg|check_stack_read_fixed_off"
     r"|check_stack_write_fixed_off|process_dynptr_func|process_iter_arg|process_spin_lock"
     r"|check_packet_access|check_ctx_access|check_map_access_type)\|", S),
]


def expected_class(fn: str, fmt: str) -> ErrorClass | None:
    key = f"{fn}|{fmt}"
    for pattern, klass in CLASS_RULES:
        if re.search(pattern, key):
            return klass
    return None


def test_the_data_file_is_the_kernel_list():
    assert len(REJECTING) > 500
    funcs = {fn for fn, _e, _m in REJECTING}
    assert {"check_mem_access", "check_kfunc_args", "btf_prepare_func_args",
            "check_helper_call"} <= funcs


@pytest.mark.parametrize("fn,errno,fmt", REJECTING, ids=lambda v: v if isinstance(v, str) else "")
def test_message_has_a_family_and_its_class(fn, errno, fmt):
    line = sample(fmt)
    log = parse_text(f"0: R1=ctx() R10=fp0\n0: (b7) r0 = 0\n{line}\n")
    assert log.error == line, "the parser must take the message for the error"
    e = match(log)
    assert e is not None, f"{fn}: {line!r} falls to the fallback"
    klass, _ = FAMILIES[e.id]
    want = expected_class(fn, fmt)
    if want is not None:
        assert klass is want, (fn, line, e.id)


def test_old_wordings_are_kept():
    # wordings of kernels before 6.12 that 6.12 no longer prints
    for line, family in [("R1 invalid mem access 'inv'", "scalar-deref"),
                         ("invalid indirect read from stack off -80+44 size 56", "uninitialized-stack-read"),
                         ("invalid stack off=-528 size=8", "stack-out-of-bounds")]:
        got = match(parse_text(f"0: (b7) r0 = 0\n{line}\n"))
        assert got is not None and got.id == family, line


def test_newer_wordings_match():
    # Linux 6.17+ prints internal errors through verifier_bug(): "verifier bug: ..."
    for line in ["verifier bug: ref_obj_id is zero for owning -> non-owning conversion",
                 "verifier bug: scc exit: no visit info for call chain x"]:
        got = match(parse_text(f"0: (b7) r0 = 0\n{line}\n"))
        assert got is not None and got.id == "verifier-internal-error", line


def test_every_specific_fix_is_for_a_kernel_message():
    from bpfdoctor.verifier.kernel_fixes import _ROWS

    samples = [sample(fmt) for _fn, _e, fmt in REJECTING]
    for pattern, _t in _ROWS:
        assert any(re.search(pattern, s) for s in samples), pattern


@pytest.mark.parametrize("line,words", [
    ("stack size of subprog 2 is 640. Too large", ["subprogram 2", "640 bytes"]),
    ("Global function parse() doesn't return scalar. Only those are supported.", ["parse()"]),
    ("func 'tcp_connect' doesn't have 3-th argument", ["tcp_connect()", "3-th"]),
    ("cannot find address for kernel function bpf_foo", ["bpf_ksym_exists(bpf_foo)"]),
])
def test_fix_uses_the_message_values(line, words):
    from bpfdoctor.verifier.explain import explain_log

    d = explain_log(parse_text(f"0: (b7) r0 = 0\n{line}\n")).diagnostic
    assert all(w in d.help[0] for w in words), d.help
