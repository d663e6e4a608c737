"""jit/cslib: capstone's library through ctypes says what the binding says."""

import ctypes
import os
import random
import subprocess
import sys

import capstone
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpfdoctor.jit import cslib, disasm
from bpfdoctor.jit.disasm import ARCHES, disassemble, format_listing
from bpfdoctor.jit.logparse import parse_log

from .test_disasm import TRICKY


@pytest.fixture
def lib():
    lib = cslib.library()
    if lib is None:
        pytest.skip("the installed capstone is not 5.0 (cslib uses the binding)")
    return lib


@pytest.fixture
def binding_only(monkeypatch):
    """disasm as it runs when cslib refuses the library: through the binding."""
    monkeypatch.setattr(cslib, "_lib", False)
    monkeypatch.setattr(disasm, "_handles", {})


def _pair(spec, syntax, detail=False):
    x86 = spec.cs_arch == "CS_ARCH_X86"
    syn = syntax if x86 else None
    engine = cslib.open_engine(spec.cs_arch, spec.cs_mode, syn, detail)
    return engine, cslib.Binding(spec.cs_arch, spec.cs_mode, syn, detail)


def _blobs(images):
    rng = random.Random(12)
    yield TRICKY
    yield from (data for data, _meta in images.values())
    for n in (1, 3, 64, 4096):
        yield bytes(rng.randrange(256) for _ in range(n))


def test_constants_are_the_bindings():
    assert cslib.API == (capstone.CS_API_MAJOR, capstone.CS_API_MINOR)
    for table in (cslib.ARCH, cslib.MODE):
        for name, value in table.items():
            assert getattr(capstone, name) == value, name
    assert cslib.SYNTAX == {"intel": capstone.CS_OPT_SYNTAX_INTEL, "att": capstone.CS_OPT_SYNTAX_ATT}
    assert (cslib._OPT_SYNTAX, cslib._OPT_DETAIL, cslib._OPT_ON) == (
        capstone.CS_OPT_SYNTAX, capstone.CS_OPT_DETAIL, capstone.CS_OPT_ON)
    assert cslib._SUPPORT_DIET == capstone.CS_SUPPORT_DIET
    for spec in ARCHES.values():
        assert spec.cs_arch in cslib.ARCH and set(spec.cs_mode) <= set(cslib.MODE), spec.name


def test_layouts_are_the_bindings():
    ours, theirs = cslib._Insn, capstone._cs_insn
    assert ctypes.sizeof(ours) == ctypes.sizeof(theirs)
    for name in ("address", "size", "mnemonic", "op_str", "detail"):
        assert (getattr(ours, name).offset, getattr(ours, name).size) == \
            (getattr(theirs, name).offset, getattr(theirs, name).size), name
    assert cslib._Detail.x86.offset == capstone._cs_detail.arch.offset
    x86 = capstone.x86.CsX86
    for name in ("disp", "op_count", "operands", "encoding"):
        assert getattr(cslib._X86, name).offset == getattr(x86, name).offset, name
    assert cslib._X86Encoding.disp_size.offset == capstone.x86.CsX86Encoding.disp_size.offset


@pytest.mark.parametrize("name", sorted(ARCHES))
def test_engine_decodes_as_the_binding(lib, images, name):
    spec = ARCHES[name]
    for syntax in ("att", "intel") if spec.cs_arch == "CS_ARCH_X86" else ("att",):
        engine, binding = _pair(spec, syntax)
        assert engine.backend == "ctypes"
        for blob in _blobs(images):
            for pos in (0, 1, 5):
                assert engine.disasm(blob, pos) == binding.disasm(blob, pos), (name, syntax, pos)
            assert engine.disasm(blob, 0, 1) == binding.disasm(blob, 0, 1)


def test_x86_displacement_as_the_binding(lib, images):
    for syntax in ("att", "intel"):
        engine, binding = _pair(ARCHES["x86_64"], syntax, detail=True)
        plain = cslib.Binding("CS_ARCH_X86", ("CS_MODE_64",), syntax, False)
        for blob in _blobs(images):
            for off, size, _m, _o in plain.disasm(blob)[:2000]:
                raw = blob[off:off + size]
                assert engine.x86_disp(raw) == binding.x86_disp(raw), raw.hex()
        assert engine.x86_disp(b"") is None and engine.x86_disp(b"\x0f") is None


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(sorted(ARCHES)), st.sampled_from(["att", "intel"]))
def test_engine_decodes_any_bytes_as_the_binding(data, name, syntax):
    if cslib.library() is None:
        return
    engine, binding = _pair(ARCHES[name], syntax)
    assert engine.disasm(data) == binding.disasm(data)


def test_listing_is_the_same_through_the_binding(lib, images, seed_text, monkeypatch):
    blobs = [TRICKY, parse_log(seed_text).dumps[0].data, *(d for d, _m in images.values())]
    want = {(name, syntax, i): (format_listing(b, name, syntax, opcodes=True), disassemble(b, name, syntax))
            for i, b in enumerate(blobs) for name in ("x86_64", "i386", "arm64") for syntax in ("att", "intel")}
    monkeypatch.setattr(cslib, "_lib", False)
    monkeypatch.setattr(disasm, "_handles", {})
    got = {(name, syntax, i): (format_listing(b, name, syntax, opcodes=True), disassemble(b, name, syntax))
           for i, b in enumerate(blobs) for name in ("x86_64", "i386", "arm64") for syntax in ("att", "intel")}
    assert all(isinstance(h, cslib.Binding) for h in disasm._handles.values())
    assert got == want


def test_binding_fallback_decodes(binding_only):
    assert format_listing(bytes.fromhex("554889e5c3")) == "   0:\tpush   %rbp\n   1:\tmov    %rsp,%rbp\n   4:\tret\n"


def test_other_versions_are_refused(monkeypatch):
    """A libcapstone whose API is not the one declared here is not used."""
    monkeypatch.setattr(cslib, "_lib", None)
    monkeypatch.setattr(cslib, "API", (6, 0))
    assert cslib.library() is None
    assert isinstance(cslib.open_engine("CS_ARCH_X86", ("CS_MODE_64",), "att"), cslib.Binding)


def test_missing_library_falls_back(monkeypatch):
    monkeypatch.setattr(cslib, "_lib", None)
    monkeypatch.setattr(cslib, "library_path", lambda: None)
    assert cslib.library() is None


def test_failed_self_check_falls_back(monkeypatch):
    monkeypatch.setattr(cslib, "_lib", None)
    monkeypatch.setattr(cslib, "_SELF_CHECK", ((b"\xc3", [(0x1000, 1, "retq", "")], None),))
    assert cslib.library() is None


def test_library_is_the_packages(lib):
    assert os.path.dirname(cslib.library_path()) == os.path.join(os.path.dirname(capstone.__file__), "lib")


def test_jit_path_imports_only_what_it_uses(lib, seed_text):
    """Parsing a dump and disassembling it imports neither the binding's
    all-arch tables nor dataclasses/inspect or logging (issue 12)."""
    code = ("import sys\nbefore = set(sys.modules)\n"
            "from bpfdoctor.jit.disasm import format_listing\nfrom bpfdoctor.jit.logparse import parse_log\n"
            "data = parse_log(sys.stdin.read()).dumps[0].data\n"
            "assert format_listing(data).startswith('   0:\\tpush   %rbp\\n')\n"
            "assert format_listing(bytes.fromhex('488b4700c3')) == '   0:\\tmov    0x0(%rdi),%rax\\n   4:\\tret\\n'\n"
            "print(' '.join(sorted(set(sys.modules) - before)))")
    out = subprocess.run([sys.executable, "-c", code], input=seed_text, capture_output=True, text=True, check=True)
    loaded = {m.split(".")[0] for m in out.stdout.split()}
    assert not loaded & {"capstone", "dataclasses", "inspect", "logging", "typing"}, out.stdout
