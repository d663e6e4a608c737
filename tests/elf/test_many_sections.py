"""Objects with thousands of sections, programs and symbols: every
per-section lookup is an index, not a scan of all symbols or sections.

Such objects were quadratic: 8,000 one-instruction programs took 18 s in
``elf info`` and in ``disasm -r`` (each section scanned every symbol and
every relocation section), ``compat`` rebuilt the object's kfunc set for
each program, and each kprobe missing from the target scanned all of its
200,000 kallsyms for ``.isra`` clones (45 ms each).  The tests count the
walks rather than time them, and compare the listings with llvm-objdump.
"""

from __future__ import annotations

import struct
import subprocess

import pytest
from testlib import require_tool, run_cli

from bpfdoctor.elf import open_object
from bpfdoctor.elf.reader import ElfFile

_CODE = bytes.fromhex("1801000000000000" "0000000000000000" "b700000000000000" "9500000000000000")


def many_programs(n: int, prefix: str = "xdp/p") -> bytes:
    """A relocatable BPF ELF: ``n`` program sections of one map load and an
    exit, each with its function symbol and a relocation section naming the
    map ``m`` in ``.maps``; then license, symbols, strings."""
    names, strs = bytearray(b"\0"), bytearray(b"\0")

    def add(table: bytearray, name: str) -> int:
        at = len(table)
        table += name.encode() + b"\0"
        return at

    secs = [(0, 0, 0, b"", 0, 0, 0, 0)]  # (name, type, flags, data, link, info, align, entsize)
    progs = []
    for i in range(n):
        progs.append(len(secs))
        secs.append((add(names, f"{prefix}{i}"), 1, 6, _CODE, 0, 0, 8, 0))
    secs.append((add(names, "license"), 1, 3, b"GPL\0", 0, 0, 1, 0))
    maps = len(secs)
    secs.append((add(names, ".maps"), 1, 3, bytes(8), 0, 0, 8, 0))
    symtab = len(secs) + n
    map_sym = n + 1
    for i in range(n):
        rel = struct.pack("<QQ", 0, map_sym << 32 | 1)
        secs.append((add(names, f".rel{prefix}{i}"), 9, 0, rel, symtab, progs[i], 8, 16))
    syms = [bytes(24)] + [struct.pack("<IBBHQQ", add(strs, f"p{i}"), 0x12, 0, progs[i], 0, len(_CODE))
                          for i in range(n)]
    syms.append(struct.pack("<IBBHQQ", add(strs, "m"), 0x11, 0, maps, 0, 8))
    secs.append((add(names, ".symtab"), 2, 0, b"".join(syms), symtab + 1, 1, 8, 24))
    secs.append((add(names, ".strtab"), 3, 0, bytes(strs), 0, 0, 1, 0))
    shstr = len(secs)
    name_off = add(names, ".shstrtab")
    secs.append((name_off, 3, 0, bytes(names), 0, 0, 1, 0))
    out, offsets = bytearray(64), []
    for s in secs:
        out += bytes(-len(out) % 8)
        offsets.append(len(out))
        out += s[3]
    out += bytes(-len(out) % 8)
    shoff = len(out)
    for (name, typ, flags, data, link, info, align, entsize), off in zip(secs, offsets):
        out += struct.pack("<IIQQQQIIQQ", name, typ, flags, 0, off, len(data), link, info, align, entsize)
    out[:64] = (b"\x7fELF\x02\x01\x01\x00" + bytes(8)
                + struct.pack("<HHIQQQIHHHHHH", 1, 247, 1, 0, 0, shoff, 0, 64, 0, 0, 64, len(secs), shstr))
    return bytes(out)


class _Walks(list):
    """A list that counts how often it is walked from the start."""

    walks = 0

    def __iter__(self):
        type(self).walks += 1
        return super().__iter__()


@pytest.fixture
def counted(tmp_path, monkeypatch):
    path = tmp_path / "many.o"
    path.write_bytes(many_programs(300))
    real = ElfFile._parse_symbols

    def parse(self):
        return _Walks(real(self))

    monkeypatch.setattr(ElfFile, "_parse_symbols", parse)
    _Walks.walks = 0
    return path


def test_listings_walk_the_symbols_once(counted):
    from bpfdoctor.elf.listing import kernel_listing
    from bpfdoctor.elf.objdump import disassemble
    from bpfdoctor.elf.reloc_listing import add_relocations

    obj = open_object(str(counted))
    assert len(obj.programs) == 300 and obj.program("p299").section == "xdp/p299"
    obj.data_sections
    listing = disassemble(obj.elf, "many.o")
    add_relocations(obj.elf, listing)
    kernel_listing(obj.elf, "many.o")
    # once to index them by section; the old code walked them once per section
    assert _Walks.walks <= 3, _Walks.walks


def test_relocation_sections_are_found_by_index(counted):
    elf = ElfFile(counted.read_bytes(), str(counted))
    calls = []
    real = elf.relocation_sections
    elf.relocation_sections = lambda: calls.append(1) or real()
    for sec in elf.sections[1:301]:
        (rel,) = elf.relocations_for(sec)
        assert rel.sym == 301
    assert len(calls) == 1


@pytest.mark.tools
@pytest.mark.parametrize("ours,theirs", [(("disasm", "-r"), ("llvm-objdump-19", "-dr")),
                                          (("elf", "sections"), ("llvm-objdump-19", "-h")),
                                          (("elf", "relocs"), ("llvm-readelf-19", "-r"))])
def test_many_sections_read_as_llvm_reads_them(tmp_path, monkeypatch, ours, theirs):
    require_tool(theirs[0])
    (tmp_path / "many.o").write_bytes(many_programs(500))
    ref = subprocess.run([*theirs, "many.o"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    monkeypatch.chdir(tmp_path)
    res = run_cli(*ours, "many.o")
    assert res.exit_code == 0, res.stderr
    assert res.stdout == ref


def test_compat_builds_object_wide_sets_once(tmp_path, monkeypatch):
    from bpfdoctor.compat import check

    path = tmp_path / "many.o"
    path.write_bytes(many_programs(200))
    built = []
    real_init = check.Checker.__init__

    def init(self, *a, **k):
        real_init(self, *a, **k)
        built.append(self)

    monkeypatch.setattr(check.Checker, "__init__", init)
    res = run_cli("compat", str(path), "--json")
    assert res.exit_code in (0, 1), res.stderr
    # made once per checker and kept (the old code made a new set per program)
    assert built and all(c._all_kfuncs is not None and c._helper_names is not None for c in built)


def test_clone_lookup_is_the_scan_it_replaces():
    import re

    from bpfdoctor.compat.targets import Target

    symbols = frozenset(["tcp_v4_connect", "tcp_v4_connect.isra.0", "tcp_v4_connect.cold",
                         "do_x.constprop.0.isra.0", "do_x.part.1", "do_x", "a.b.llvm.123", "a.b",
                         "plain.other", ".isra.0", "x.isra", "y.isra.z"])
    t = Target("t", None, symbols=symbols)
    clone = re.compile(r"^(.+?)\.(isra|constprop|part|cold|llvm)(\.\d+)*")
    for name in ["tcp_v4_connect", "do_x", "do_x.constprop.0", "a", "a.b", "plain", "", "x", "y", "nope"]:
        want = sorted(s for s in symbols if s.startswith(name + ".") and clone.match(s))
        assert t.symbol_clones(name) == want, name
    assert Target("t", None).symbol_clones("x") == []
