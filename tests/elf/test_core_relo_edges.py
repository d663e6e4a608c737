"""``disasm -r`` on CO-RE records that point at broken type chains, against
``llvm-objdump-19 -dr``.

The fixture ``core.o`` is patched in place: a type turned into a modifier
or typedef that refers to itself or to an id past the end, an enum
relocation aimed at a struct, a member whose type id is past the end or
void.  llvm-objdump (``BTFParser::symbolize``) describes each such record
with its own ``<...>`` message and goes on; so must we, byte for byte.
The one case where llvm-objdump never ends (a typedef cycle on a field's
access path: its ``skipModsAndTypedefs`` has no bound) ends here with
``<modifiers chain is too long>``.
"""

from __future__ import annotations

import struct
import subprocess
import sys

import pytest
from testlib import BUILD, require_tool, run_cli, time_limit

from bpfdoctor.btf.kinds import Kind
from bpfdoctor.elf import open_object

pytestmark = pytest.mark.tools

SRC = BUILD / "core.o"


class Patch:
    """The bytes of an object, with its .BTF types and CO-RE records editable."""

    def __init__(self, path) -> None:
        self.obj = open_object(str(path))
        self.data = bytearray(path.read_bytes())
        btf_sec = self.obj.elf.section(".BTF")
        hdr_len, type_off = struct.unpack_from("<II", self.data, btf_sec.offset + 4)
        self.types_at = btf_sec.offset + hdr_len + type_off
        ext = self.obj.elf.section(".BTF.ext")
        ext_hdr_len, = struct.unpack_from("<I", self.data, ext.offset + 4)
        core_off, core_len = struct.unpack_from("<II", self.data, ext.offset + 24)
        start = ext.offset + ext_hdr_len + core_off
        rec_size, = struct.unpack_from("<I", self.data, start)
        self.relos: list[int] = []  # file offset of each record
        pos = start + 4
        while pos < start + core_len:
            _, count = struct.unpack_from("<II", self.data, pos)
            pos += 8
            for _ in range(count):
                self.relos.append(pos)
                pos += rec_size

    def _word(self, tid: int, i: int) -> int:
        _, w = self.obj.btf.raw(tid)
        return self.types_at + 4 * (w + i)

    def type(self, tid: int, kind: Kind, ref: int) -> "Patch":
        """Make a 3-word type (here a PTR) a ``kind`` referring to ``ref``."""
        struct.pack_into("<II", self.data, self._word(tid, 1), int(kind) << 24, ref)
        return self

    def word(self, tid: int, i: int, value: int) -> "Patch":
        struct.pack_into("<I", self.data, self._word(tid, i), value)
        return self

    def access(self, record: int, text: bytes) -> "Patch":
        """Point CO-RE record ``record`` at the access string ``text``, written
        over the longest string of .BTF (a source line nothing else here reads)."""
        btf_sec = self.obj.elf.section(".BTF")
        hdr_len, _, _, str_off, str_len = struct.unpack_from("<IIIII", self.data, btf_sec.offset + 4)
        base = btf_sec.offset + hdr_len + str_off
        strings = bytes(self.data[base:base + str_len]).split(b"\0")
        longest = max(range(len(strings)), key=lambda i: len(strings[i]))
        room = len(strings[longest])
        at = sum(len(x) + 1 for x in strings[:longest])
        assert len(text) <= room
        self.data[base + at:base + at + room] = text.ljust(room, b"\0")
        struct.pack_into("<I", self.data, self.relos[record] + 8, at)
        return self

    def relo_types(self, type_id: int, kinds=None) -> "Patch":
        for at in self.relos:
            kind, = struct.unpack_from("<I", self.data, at + 12)
            if kinds is None or kind in kinds:
                struct.pack_into("<I", self.data, at + 4, type_id)
        return self


def _ptr_and_struct():
    btf = open_object(str(SRC)).btf
    ptr = next(t for t in range(1, btf.type_count) if btf.kind(t) == Kind.PTR)
    struct_id = next(t for t in range(1, btf.type_count)
                     if btf.kind(t) == Kind.STRUCT and btf.name(t) == "task_struct")
    return ptr, struct_id


# case: (patch, a message llvm-objdump prints for it, None: the listing is all)
CASES = {
    "modifier cycle": (lambda p, ptr, s: p.type(ptr, Kind.CONST, ptr).relo_types(ptr),
                       "<modifiers chain is too long>"),
    "modifier to an unknown id": (lambda p, ptr, s: p.type(ptr, Kind.VOLATILE, 9999).relo_types(ptr),
                                  "<unknown type id: 9999 in modifiers chain>"),
    "typedef to an unknown id": (lambda p, ptr, s: p.type(ptr, Kind.TYPEDEF, 9999).relo_types(ptr),
                                 "<unexpected type kind 8 for spec sub-string 1>"),
    "enum relocation on a struct": (lambda p, ptr, s: p.relo_types(s, kinds=(10, 11)),
                                    "<unexpected type kind for enum relocation: 4>"),
    # task_struct's first member (pid): its type is the record's 5th word
    "member of an unknown type": (lambda p, ptr, s: p.word(s, 4, 9999),
                                  "<unknown member type id 9999 for spec sub-string 1>"),
    "member of type void": (lambda p, ptr, s: p.word(s, 4, 0), None),
}


@pytest.fixture(scope="module")
def ids(build_dir):
    assert SRC.exists(), f"{SRC} not built"
    return _ptr_and_struct()


@pytest.mark.parametrize("case", CASES)
def test_broken_chains_read_as_llvm_objdump_reads_them(case, ids, tmp_path, monkeypatch):
    require_tool("llvm-objdump-19")
    obj = tmp_path / "patched.o"
    patch, message = CASES[case]
    obj.write_bytes(patch(Patch(SRC), *ids).data)
    ref = subprocess.run(["llvm-objdump-19", "-dr", obj.name], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    assert message is None or message in ref, "the patch no longer makes the case it names"
    monkeypatch.chdir(tmp_path)  # (llvm-objdump names the file as given)
    with time_limit(60, case):
        res = run_cli("disasm", "-r", obj.name)
    assert res.exit_code == 0, res.stderr
    assert res.stdout == ref


def test_a_typedef_cycle_on_the_access_path_ends(ids, tmp_path):
    ptr, _ = ids
    obj = tmp_path / "cycle.o"
    obj.write_bytes(Patch(SRC).type(ptr, Kind.TYPEDEF, ptr).relo_types(ptr).data)
    with time_limit(60, "disasm -r on a typedef cycle"):
        res = run_cli("disasm", "-r", str(obj))
    assert res.exit_code == 0, res.stderr
    lines = [ln.strip() for ln in res.stdout.splitlines() if "CO-RE" in ln]
    field = [ln for ln in lines if "<byte_off>" in ln]
    assert field and all(ln.endswith("<modifiers chain is too long>") for ln in field), field


# Access strings llvm-objdump reads its own way (consumeUnsignedInteger,
# then a uint32 each): no sign or blanks, 64-bit overflow is "not a number",
# a trailing ':' is allowed, other bytes are named as the delimiter.
ACCESS = ["-1", "+1", " 1", "1_0", "0x1", "0:1a", "0:1 ", "0:", "0:1:", "0::1", ":", "", "00",
          "\u0663", "0:1\u00e9", "4294967296", "0:4294967297", "18446744073709551615",
          "18446744073709551616", "0:" + "9" * 30, "0:" + "0" * 30 + "1"]


@pytest.mark.parametrize("text", ACCESS, ids=repr)
def test_access_strings_read_as_llvm_objdump_reads_them(text, tmp_path, build_dir):
    require_tool("llvm-objdump-19")
    obj = tmp_path / "access.o"
    obj.write_bytes(Patch(SRC).access(1, text.encode()).data)  # record 1: a byte_off on task_struct
    ref = subprocess.run(["llvm-objdump-19", "-dr", obj.name], cwd=tmp_path, capture_output=True,
                         timeout=60, check=True).stdout
    # through a pipe, as people diff it: a delimiter byte that is not UTF-8
    # on its own is written as the byte itself, as llvm-objdump writes it
    ours = subprocess.run([sys.executable, "-m", "bpfdoctor", "disasm", "-r", obj.name], cwd=tmp_path,
                          capture_output=True, timeout=60)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == ref


@pytest.mark.parametrize("text", ["0:\u00b2", "\u0663", "0:1\u00b9"], ids=repr)
def test_access_strings_with_digits_int_refuses(text, tmp_path, build_dir):
    # str.isdigit() is true for "²", int() refuses it: elf info and compat
    # printed a ValueError traceback; the record now reads as unparsed
    obj = tmp_path / "digits.o"
    obj.write_bytes(Patch(SRC).access(1, text.encode()).data)
    info = run_cli("elf", "info", str(obj))
    assert info.exit_code == 0 and "Traceback" not in info.stderr, info.stderr
    assert f"bad access string {text!r}" in info.stdout
    res = run_cli("compat", str(obj))  # against the running kernel
    assert res.exit_code in (0, 1) and "Traceback" not in res.stderr, res.stderr
    assert f"bad access string {text!r}" in res.stdout


def test_an_access_number_past_int_digits_is_refused():
    from bpfdoctor.btf.core_spec import parse_raw_access
    from bpfdoctor.errors import ParseError

    btf = open_object(str(SRC)).btf
    assert parse_raw_access(btf, "0:" + "0" * 40 + "7") == [0, 7]
    for text in ("0:" + "1" * 5000, "0:99999999999", "0:\u00b2"):
        with pytest.raises(ParseError, match="bad access string"):
            parse_raw_access(btf, text)
