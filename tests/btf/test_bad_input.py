"""Malformed BTF: our own error, naming file/section/offset; never a crash or hang."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpfdoctor.btf import parse_btf
from bpfdoctor.btf.cdump import dump_c
from bpfdoctor.btf.ext import parse_btf_ext
from bpfdoctor.btf.jsondump import dump_json
from bpfdoctor.btf.rawdump import dump_raw
from bpfdoctor.errors import BpfDoctorError, ParseError

from .btfgen import BtfBuilder


def _sample() -> bytes:
    b = BtfBuilder()
    i = b.int_("int", 4, 32, 1)
    p = b.ptr(i)
    b.struct("s", 16, [("a", i, 0), ("p", p, 64)])
    b.typedef("t", 3)
    return b.encode()


SAMPLE = _sample()


def _exercise(data: bytes) -> None:
    try:
        btf = parse_btf(data, path="fuzz.btf")
        dump_raw(btf)
        dump_json(btf)
        dump_c(btf)
    except BpfDoctorError:
        pass


@settings(max_examples=300, deadline=2000)
@given(st.integers(0, len(SAMPLE)))
def test_truncated(n):
    _exercise(SAMPLE[:n])


@settings(max_examples=300, deadline=2000)
@given(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255))
def test_flipped(pos, val):
    data = bytearray(SAMPLE)
    data[pos] = val
    _exercise(bytes(data))


@settings(max_examples=200, deadline=2000)
@given(st.binary(max_size=200))
def test_random(data):
    _exercise(b"\x9f\xeb\x01\x00" + data)
    _exercise(data)


@settings(max_examples=200, deadline=2000)
@given(st.binary(max_size=120))
def test_random_ext(data):
    btf = parse_btf(SAMPLE)
    for blob in (data, b"\x9f\xeb\x01\x00\x20\x00\x00\x00" + data):
        try:
            parse_btf_ext(blob, btf)
        except BpfDoctorError:
            pass


@pytest.mark.parametrize("data,needle", [
    (b"\x00\x00" + SAMPLE[2:], "bad magic"),
    (SAMPLE[:10], "header truncated"),
    (SAMPLE[:4] + struct.pack("<I", 999) + SAMPLE[8:], "bad header length"),
    (SAMPLE[:-3], "extend past"),
    # both sections at offset 0 (found loading the loader campaign's corpus beside bpftool:
    # the overlap went unseen and the types were read as strings and the strings as types)
    (SAMPLE[:16] + struct.pack("<I", 0) + SAMPLE[20:], r"type \(0\+\d+\) and string \(0\+\d+\) sections overlap"),
    (SAMPLE[:16] + struct.pack("<I", 4) + SAMPLE[20:], "sections overlap"),  # strings inside the types
])
def test_specific_errors(data, needle):
    with pytest.raises(ParseError, match=needle) as e:
        parse_btf(data, path="bad.btf")
    assert "bad.btf" in str(e.value) and "section .BTF" in str(e.value)


def test_strings_before_types_are_read():
    """The kernel takes the two sections in either order (btf_check_sec_info sorts
    them); libbpf wants the types first.  We read both orders."""
    type_off, type_len, str_off, str_len = struct.unpack_from("<4I", SAMPLE, 8)
    hdr, types = SAMPLE[:24], SAMPLE[24 + type_off:24 + type_off + type_len]
    strs = SAMPLE[24 + str_off:24 + str_off + str_len]
    pad = b"\0" * (-len(strs) % 4)
    swapped = hdr[:8] + struct.pack("<4I", len(strs) + len(pad), type_len, 0, str_len) + strs + pad + types
    assert dump_raw(parse_btf(swapped)) == dump_raw(parse_btf(SAMPLE))


def test_vlen_overrun_names_type_and_offset():
    b = BtfBuilder()
    b.add(4, "s", 4, vlen=50)  # claims 50 members, has none
    with pytest.raises(ParseError, match=r"type \[1\] STRUCT vlen=50.*offset 0x18"):
        parse_btf(b.encode(), path="v.btf")


def test_bad_string_offset_in_dump():
    b = BtfBuilder()
    b.words += [10_000, 1 << 24, 4, 32]  # INT with a name offset past the strings
    btf = parse_btf(b.encode(), path="s.btf")
    with pytest.raises(ParseError, match="outside the string section"):
        dump_raw(btf)


def test_unknown_kind_is_reported_not_fatal():
    b = BtfBuilder()
    b.int_("int", 4, 32)
    b.add(25, "future", 0)
    btf = parse_btf(b.encode(), path="k.btf")
    assert btf.count == 1 and "unknown kind 25" in btf.problems[0]


def test_cli_error_is_one_line(tmp_path):
    from bpfdoctor.cli import main

    bad = tmp_path / "bad.btf"
    bad.write_bytes(b"\x9f\xeb\x01\x00" + b"\x00" * 4)
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "bpfdoctor", "btf", "dump", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and str(bad) in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "bpfdoctor", "btf", "dump", str(tmp_path / "missing")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "missing" in r.stderr


def test_trailing_words_shorter_than_a_header():
    # One or two words after the last type cannot be a type: libbpf refuses them too.
    for extra in ([7], [7, 1 << 24]):
        b = BtfBuilder()
        b.ptr(0)
        b.words += extra
        with pytest.raises(ParseError, match=r"truncated inside the header of type \[2\].*offset 0x24"):
            parse_btf(b.encode(), path="t.btf")
