"""The BTF writer: every fixture's .BTF and the kernel's vmlinux BTF
re-encoded from their records come back byte for byte, in both byte orders;
BTF built type by type reads back as written."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from testlib import BUILD  # noqa: E402

from bpfdoctor.btf import parse_btf
from bpfdoctor.btf.kinds import Kind
from bpfdoctor.btf.writer import BtfWriter, write_btf
from bpfdoctor.elf.reader import ElfFile

from .helpers import VMLINUX

_OBJECTS = sorted(BUILD.glob("*.o")) + sorted((BUILD.parent / "verifier" / "build").glob("*.o"))


def _btf_section(path: Path) -> bytes | None:
    elf = ElfFile(path.read_bytes(), str(path))
    sec = elf.section(".BTF")
    return elf.section_data(sec) if sec else None


@pytest.mark.parametrize("path", _OBJECTS, ids=lambda p: p.name)
def test_fixture_round_trip(path: Path):
    raw = _btf_section(path)
    if raw is None:
        pytest.skip(f"{path.name} has no .BTF")
    assert write_btf(parse_btf(raw, path=str(path))) == raw


def test_fixtures_exist():
    if not _OBJECTS:
        pytest.skip("fixtures not built (make -C tests/bpf)")
    assert any(".bpfeb" in p.name for p in _OBJECTS), "big-endian fixtures are part of the round trip"


def test_vmlinux_round_trip():
    if not VMLINUX.exists():
        pytest.skip("this kernel has no /sys/kernel/btf/vmlinux")
    raw = VMLINUX.read_bytes()
    btf = parse_btf(raw, path=str(VMLINUX))
    assert write_btf(btf) == raw
    # The other byte order reads back to the same types.
    swapped = write_btf(btf, byte_order=">")
    assert swapped != raw and swapped[:2] == b"\xeb\x9f"
    back = parse_btf(swapped)
    for tid in (1, btf.type_count // 2, btf.type_count - 1):
        assert back.type(tid) == btf.type(tid)


def test_built_btf_reads_back():
    w = BtfWriter()
    u32 = w.int("unsigned int", 4)
    s8 = w.int("signed char", 1, signed=True)
    arr = w.array(s8, u32, 16)
    st = w.struct("task", 24, [("pid", u32, 0), ("flag", u32, 32, 3), ("comm", arr, 64)])
    ptr = w.ptr(st)
    en = w.enum("mode", [("A", -1), ("B", 7)], signed=True)
    en64 = w.enum("big", [("HUGE", 1 << 40)], size=8)
    proto = w.func_proto(u32, [("t", ptr), ("", 0)])
    fn = w.func("f", proto)
    btf = parse_btf(w.encode())
    assert btf.type_count == fn + 1
    t = btf.type(st)
    assert t.kflag and [(m.name, m.bit_offset, m.bitfield_size) for m in t.members] == \
        [("pid", 0, 0), ("flag", 32, 3), ("comm", 64, 0)]
    assert [v.value for v in btf.type(en).values] == [-1, 7]
    assert btf.type(en64).kind == Kind.ENUM64 and btf.type(en64).values[0].value == 1 << 40
    assert btf.type(proto).is_variadic and btf.name(fn) == "f"
    assert write_btf(btf) == w.encode()
