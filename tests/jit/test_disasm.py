"""Native disassembly: identical to binutils objdump on real JIT images."""

import pytest
from .objdump_ref import objdump_insns, our_insns

from bpfdoctor.errors import UsageError
from bpfdoctor.jit import x86style
from bpfdoctor.jit.disasm import (ARCHES, arch_for_machine, disassemble, format_header, format_listing,
                                  resolve_arch)
from bpfdoctor.jit.logparse import parse_log

# Spellings objdump shows that we do not (documented in docs/readme/jit.md,
# "Differences"): unused REX bits other than a bare 0x40 ("rex.W" etc.).
# The JIT images below contain none, so the comparison is exact.


def _compare(objdump, path, data, syntax):
    want = objdump_insns(objdump, path, syntax)
    got = our_insns(format_listing(data, "x86_64", syntax))
    assert [o for o, _ in got] == [o for o, _ in want], "instruction boundaries differ"
    diffs = [(w, g) for w, g in zip(want, got) if w != g]
    assert not diffs, diffs[:10]


@pytest.mark.tools
@pytest.mark.parametrize("syntax", ["att", "intel"])
def test_identical_to_objdump_on_real_images(objdump, images, tmp_path, syntax):
    from .conftest import DATA

    for name, (data, _meta) in images.items():
        _compare(objdump, DATA / name, data, syntax)


@pytest.mark.tools
@pytest.mark.parametrize("syntax", ["att", "intel"])
def test_identical_to_objdump_on_seed(objdump, seed_text, tmp_path, syntax):
    data = parse_log(seed_text).dumps[0].data
    path = tmp_path / "seed.bin"
    path.write_bytes(data)
    _compare(objdump, path, data, syntax)


# Encodings whose spelling depends on bytes capstone does not show: zero
# disp8, D1 shift-by-one vs C1 ib 1, bare REX, scale 1, lock, sized stores.
TRICKY = bytes.fromhex(
    "488b7f00" "488b3f" "660f1f440000" "0f1f440000" "d1e7" "c1e701" "49d1ef" "400fbed2" "40887d00"
    "f0480fb138" "f0480138" "48c745f800000000" "c645ff00" "66c745fe0000" "4883c6fc" "83e7fe"
    "48bf009c245f0788ffff" "ffe0" "41ffd3" "e800000000" "c3" "c9" "cc" "f30f1efa" "0faee8" "4899" "4898"
    "66c1c708" "480fcf" "c4e2f9f7c7" "480fa3c7" "4c8d0424" "498b442408" "65488b0425280000000f"
)


@pytest.mark.tools
@pytest.mark.parametrize("syntax", ["att", "intel"])
def test_identical_to_objdump_on_tricky_encodings(objdump, tmp_path, syntax):
    path = tmp_path / "tricky.bin"
    path.write_bytes(TRICKY)
    _compare(objdump, path, TRICKY, syntax)


def test_listing_layout_matches_bpf_jit_disasm():
    # tools/bpf/bpf_jit_disasm.c: "%4x:\t" + insn, with -o "\n\t" + "%02x " per byte.
    code = bytes.fromhex("554889e5c3")
    assert format_listing(code) == "   0:\tpush   %rbp\n   1:\tmov    %rsp,%rbp\n   4:\tret\n"
    assert format_listing(code, opcodes=True).splitlines()[:2] == ["   0:\tpush   %rbp", "\t55 "]
    assert format_header(335, 4, 55, "00000000c0ffee12") == \
        "335 bytes emitted from JIT compiler (pass:4, flen:55)\nc0ffee12 + <x>:\n"
    assert format_header(1, 1, 1, "(null)").endswith("(null) + <x>:\n")


def test_bad_bytes_continue_like_libopcodes():
    insns = disassemble(bytes.fromhex("06" "90" "0f0b"), "x86_64")
    assert [(i.offset, i.mnemonic) for i in insns] == [(0, "(bad)"), (1, "nop"), (2, "ud2")]
    # An instruction cut off by the end: prefixes one by one, then ".byte".
    truncated = disassemble(bytes.fromhex("f0480fb1"), "x86_64")
    assert [(i.offset, i.mnemonic, i.operands) for i in truncated] == [
        (0, "lock", ""), (1, "rex.W", ""), (2, ".byte", "0xf"), (3, ".byte", "0xb1")]


@pytest.mark.tools
@pytest.mark.parametrize("tail", ["0f", "48bf0011", "06", "488b", "f0480fb1", "66", "41ff"])
def test_cut_off_and_invalid_bytes_like_objdump(objdump, tmp_path, tail):
    data = bytes.fromhex("554889e5" + tail)
    path = tmp_path / "cut.bin"
    path.write_bytes(data)
    _compare(objdump, path, data, "att")


def test_bad_bytes_are_not_probed_for_a_cut_off_tail(monkeypatch):
    # Only the last 14 bytes can start an instruction that runs past the end
    # (x86's limit is 15 bytes); probing every bad byte with a copy of the
    # rest of the image made 256 KB of bad bytes take 22 s.
    from bpfdoctor.jit import disasm

    probed = []
    real_handle = disasm._handle

    class Counting:
        def __init__(self, md):
            self.md = md

        def disasm(self, code, pos=0, count=0, address=None):
            if count == 1:
                probed.append(len(code) - pos)
            return self.md.disasm(code, pos, count, address)

    monkeypatch.setattr(disasm, "_handle", lambda *a, **k: Counting(real_handle(*a, **k)))
    blob = bytes([0x06]) * 4096 + bytes.fromhex("f0480fb1")
    text = format_listing(blob)
    assert text.count("(bad)") == 4096 and text.endswith("1003:\t.byte 0xb1\n")
    assert 0 < len(probed) < 16 and sum(probed) < 16 * 30, "bad bytes far from the end were probed"


@pytest.mark.tools
def test_many_bad_bytes_then_a_cut_off_tail_like_objdump(objdump, tmp_path):
    data = bytes.fromhex("06" * 40 + "90" + "06" * 20 + "f0480fb1")
    path = tmp_path / "bad.bin"
    path.write_bytes(data)
    _compare(objdump, path, data, "att")


@pytest.mark.parametrize("name", sorted(ARCHES))
def test_every_arch_decodes_and_covers_the_image(name):
    spec = ARCHES[name]
    blob = bytes(range(256)) * 4
    insns = disassemble(blob, spec)
    assert insns[0].offset == 0
    for a, b in zip(insns, insns[1:]):
        assert a.offset + len(a.raw) == b.offset
    assert insns[-1].offset + len(insns[-1].raw) == len(blob)


def test_arch_names_and_machines():
    assert resolve_arch("aarch64").name == "arm64"
    assert resolve_arch("X86-64").name == "x86_64"
    assert arch_for_machine("x86_64").name == "x86_64"
    assert arch_for_machine("ppc64le").name == "ppc64le"
    assert arch_for_machine("ppc64", "big").name == "ppc64"
    assert arch_for_machine("mips64", "little").name == "mips64el"
    assert arch_for_machine("armv7l").name == "arm"
    with pytest.raises(UsageError, match="LoongArch"):
        resolve_arch("loongarch64")
    with pytest.raises(UsageError, match="unknown syntax"):
        disassemble(b"\x90", "x86_64", "masm")


def test_arm64_against_known_encodings():
    # A64 encodings from the Arm ARM: mov x29, sp / ret / nop.
    insns = disassemble(bytes.fromhex("fd030091" "c0035fd6" "1f2003d5"), "arm64")
    assert [i.mnemonic for i in insns] == ["mov", "ret", "nop"]
    assert insns[0].text == "mov\tx29, sp"


def test_x86style_rules():
    assert x86style.att("movq", "$-4, %rsi") == ("mov", "$0xfffffffffffffffc,%rsi")
    assert x86style.att("movl", "$-2, %edi") == ("mov", "$0xfffffffe,%edi")
    assert x86style.att("movq", "$0, -8(%rbp)") == ("movq", "$0x0,-0x8(%rbp)")
    assert x86style.att("nopw", "(%rax, %rax)", zero_disp=True) == ("nopw", "0x0(%rax,%rax,1)")
    assert x86style.att("shll", "$1, %edi", one=True) == ("shl", "%edi")
    assert x86style.intel("mov", "qword ptr [rbp - 8], 0") == ("mov", "QWORD PTR [rbp-0x8],0x0")
    assert x86style.intel("shl", "edi, 1", one=True) == ("shl", "edi,1")
    assert x86style.unused_rex40(bytes.fromhex("400fbed2"), "%dl, %edx")
    assert not x86style.unused_rex40(bytes.fromhex("40887d00"), "%dil, (%rbp)")


@pytest.mark.parametrize("syntax", ["att", "intel"])
def test_listing_and_records_agree(images, syntax):
    # format_listing has its own fast x86 loop; disassemble() must say the same.
    for data, _meta in images.values():
        blob = data + bytes.fromhex("400fbed2" "488b0510000000" "f0480f")
        listing = format_listing(blob, "x86_64", syntax, opcodes=True).splitlines()
        insns = disassemble(blob, "x86_64", syntax)
        assert len(listing) == 2 * len(insns)
        for insn, text, raw in zip(insns, listing[::2], listing[1::2]):
            mnem = insn.mnemonic
            want = mnem if not insn.operands else (
                f"{mnem} {insn.operands}" if mnem == ".byte" else f"{mnem:<6} {insn.operands}")
            assert text == f"{insn.offset:4x}:\t{want}"
            assert raw == "\t" + insn.raw.hex(" ") + " "


def test_non_x86_listing_layout():
    text = format_listing(bytes.fromhex("fd030091c0035fd6"), "arm64", opcodes=True)
    assert text == "   0:\tmov\tx29, sp\n\tfd 03 00 91 \n   4:\tret\n\tc0 03 5f d6 \n"
