"""Bad input: the parser and disassembler return a result or raise our error."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from .jit_logforms import FORMS, DumpSpec, make_log

from bpfdoctor.errors import BpfDoctorError
from bpfdoctor.jit.disasm import ARCHES, disassemble
from bpfdoctor.jit.logparse import parse_log, select_dump


def _base_log():
    data = bytes(range(7, 250, 3))
    specs = [DumpSpec(data, 10, pid=1), DumpSpec(data[::-1], 11, pid=2, address=0xFFFFFFFFA0000000,
                                                 image_ptr="ffffffffa0000000")]
    return make_log(specs, FORMS["kmsg_caller"], rng=random.Random(0), noise=0.3).encode()


BASE = _base_log()


def _check(text):
    jl = parse_log(text, "fuzz")
    for d in jl.dumps:
        assert len(d.data) <= d.proglen
        assert d.complete == (len(d.data) == d.proglen and not d.problems)
        d.to_dict()
    try:
        select_dump(jl)
    except BpfDoctorError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4000))
def test_random_bytes(data):
    _check(data)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="JIT code: 0123456789abcdefflenprogpassimage=from pid\n[]T;,-", max_size=3000))
def test_random_text_from_the_log_alphabet(text):
    _check(text)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(BASE)), st.lists(st.tuples(st.integers(0, len(BASE) - 1), st.integers(0, 255)),
                                           max_size=20))
def test_truncated_and_flipped_real_log(cut, flips):
    data = bytearray(BASE[:cut])
    for pos, value in flips:
        if pos < len(data):
            data[pos] = value
    _check(bytes(data))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512), st.sampled_from(sorted(ARCHES)), st.sampled_from(["att", "intel"]))
def test_disassembler_covers_any_bytes(data, arch, syntax):
    insns = disassemble(data, arch, syntax)
    assert b"".join(i.raw for i in insns) == data
