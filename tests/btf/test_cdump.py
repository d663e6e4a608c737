"""The C dump compiles (vmlinux.h use case) and matches bpftool's ordering."""

from __future__ import annotations

import subprocess

import pytest

from bpfdoctor.btf.cdump import dump_c

from .helpers import need_bpftool, need_clang

pytestmark = pytest.mark.tools

PROG = """#include "vmlinux.h"
#define SEC(n) __attribute__((section(n), used))
SEC("tp_btf/sched_process_exec")
int on_exec(unsigned long long *ctx)
{
	struct task_struct *t = (struct task_struct *)ctx[0];
	return t->pid + sizeof(struct sk_buff);
}
char LICENSE[] SEC("license") = "GPL";
"""


@pytest.fixture(scope="module")
def vmlinux_h(vmlinux, tmp_path_factory):
    path = tmp_path_factory.mktemp("hdr") / "vmlinux.h"
    path.write_text(dump_c(vmlinux), encoding="utf-8", errors="surrogateescape")
    return path


def test_vmlinux_header_compiles(vmlinux_h):
    clang = need_clang()
    r = subprocess.run([clang, "-target", "bpf", "-c", "-x", "c", str(vmlinux_h), "-o", "/dev/null"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]


def test_bpf_program_including_it_builds(vmlinux_h, tmp_path):
    clang = need_clang()
    src = tmp_path / "prog.c"
    src.write_text(PROG)
    r = subprocess.run([clang, "-g", "-O2", "-target", "bpf", "-I", str(vmlinux_h.parent), "-c", str(src),
                        "-o", str(tmp_path / "prog.o")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]


def _bpftool_c(path) -> str:
    return subprocess.run([need_bpftool(), "btf", "dump", "file", str(path), "format", "c"],
                          check=True, capture_output=True, text=True, errors="surrogateescape").stdout


def _normalise(text: str) -> str:
    # Documented difference: we keep 1-byte enums 1 byte (newer libbpf does too).
    return text.replace(" __attribute__((mode(byte)))", "")


def test_vmlinux_c_same_as_bpftool(vmlinux_h):
    ours = vmlinux_h.read_text(encoding="utf-8", errors="surrogateescape")
    assert _normalise(ours) == _normalise(_bpftool_c("/sys/kernel/btf/vmlinux"))


def test_fixtures_c_same_as_bpftool_and_compile(bpf_objects, tmp_path):
    from bpfdoctor.cli.btf import load_file

    clang = need_clang()
    for name, obj in bpf_objects.items():
        ours = dump_c(load_file(str(obj))[0])
        assert _normalise(ours) == _normalise(_bpftool_c(obj)), name
        hdr = tmp_path / "h.h"
        hdr.write_text(ours)
        r = subprocess.run([clang, "-target", "bpf", "-c", "-x", "c", str(hdr), "-o", "/dev/null"],
                           capture_output=True, text=True)
        assert r.returncode == 0, (name, r.stderr[-1000:])


def test_dump_c_leaves_the_recursion_limit_alone():
    """Issue 11 item 19: the dumper raised it for the whole process."""
    import sys as _sys
    from pathlib import Path as _Path

    from bpfdoctor.btf.cdump import dump_c
    from bpfdoctor.elf import open_object

    before = _sys.getrecursionlimit()
    obj = open_object(_Path(__file__).resolve().parents[1] / "bpf" / "build" / "btf_kinds.o")
    dump_c(obj.btf)
    assert _sys.getrecursionlimit() == before


def test_padding_of_random_layouts_same_as_bpftool(tmp_path):
    """btf_dump_emit_bit_padding on 300 random structs: byte gaps, bitfields,
    gaps of many longs and tails, compared with bpftool's C dump."""
    import random

    from bpfdoctor.btf.reader import parse_btf
    from bpfdoctor.btf.writer import BtfWriter

    rng = random.Random(13)
    w = BtfWriter()
    ints = [w.int("char", 1), w.int("short", 2), w.int("int", 4), w.int("long", 8)]
    for n in range(300):
        members, off = [], 0
        for k in range(rng.randint(1, 6)):
            t = rng.randrange(4)
            size = 1 << t
            if rng.random() < 0.3:  # a bitfield, maybe after a few bits of gap
                bits = rng.randint(1, size * 8)
                off += rng.choice([0, 0, rng.randint(1, 40)])
                members.append((f"b{k}", ints[t], off, bits))
                off += bits
                continue
            off = -(-off // (size * 8)) * size * 8 + rng.choice([0, 0, 8, 64, 8 * rng.randint(1, 700)])
            off = -(-off // (size * 8)) * size * 8
            members.append((f"m{k}", ints[t], off))
            off += size * 8
        nbytes = -(-off // 64) * 8 + rng.choice([0, 0, 8, 8 * rng.randint(1, 300)])
        w.struct(f"s{n}", nbytes, members)
    path = tmp_path / "pad.btf"
    path.write_bytes(w.encode())
    ours = dump_c(parse_btf(path.read_bytes(), path=str(path)))
    # the cases are there: runs of whole longs and odd-sized bit gaps
    assert "\tlong: 64;\n\tlong: 64;\n\tlong: 64;" in ours
    assert any(f"\tint: {b};" in ours or f"\tchar: {b};" in ours for b in (1, 3, 5, 7, 11))
    assert _normalise(ours) == _normalise(_bpftool_c(path))


def _strong_cycle_btf(members: int) -> bytes:
    """struct outer { union { struct outer *p; ... x members } u; } where the
    union's members are the *anonymous* struct that holds the union: a type
    that contains itself (found by the fuzzer: a 7 KB input wrote 90,000
    "anonymous struct/union loop" warnings, one per member per member)."""
    from .btfgen import BtfBuilder

    b = BtfBuilder()
    i = b.int_("int", 4, 32)                         # 1
    anon = b.struct("", 8, [("u", 3, 0)])            # 2: struct { union u; }
    b.add(5, "", 8, members, 0,                      # 3: union { struct{...} s; ... }
          [w for _ in range(members) for w in (b.s("s"), anon, 0)])
    b.struct("outer", 8, [("a", anon, 0), ("i", i, 0)])  # 4
    return b.encode()


def test_type_containing_itself_refused_as_bpftool_does(tmp_path):
    """libbpf's btf_dump_order_type finds the cycle and btf_dump__dump_type
    fails (ELOOP); bpftool stops.  We refuse the dump with one line naming the
    type, however many members repeat the loop."""
    from bpfdoctor.btf.reader import parse_btf
    from bpfdoctor.errors import ParseError

    path = tmp_path / "cycle.btf"
    path.write_bytes(_strong_cycle_btf(300))
    with pytest.raises(ParseError, match=r"unsatisfiable type cycle, id:\[2\]") as e:
        dump_c(parse_btf(path.read_bytes(), path=str(path)))
    assert "\n" not in str(e.value) and str(path) in str(e.value)
    r = subprocess.run([need_bpftool(), "btf", "dump", "file", str(path), "format", "c"],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "unsatisfiable type cycle, id:[2]" in r.stderr


def test_prototypes_pointing_at_the_next_one_are_walked_once(monkeypatch, tmp_path):
    """A prototype is never marked emitted, so each use walked it again: 22
    prototypes whose two parameters point at the next made 2**22 walks (a
    fuzzed 7.5 KB BTF took 90 s).  Counted, not timed; the typedef's
    declarator is refused by the text budget."""
    from bpfdoctor.btf import cdump
    from bpfdoctor.btf.reader import parse_btf

    from .btfgen import BtfBuilder

    b = BtfBuilder()
    i = b.int_("int", 4, 32)                                    # 1
    n = 22
    first = b.next_id
    for k in range(n):  # proto k: int (*)(proto k+1 *, proto k+1 *); ptr to proto k
        proto, ptr = first + 2 * k, first + 2 * k + 1
        nxt = first + 2 * k + 3 if k < n - 1 else i
        b.add(13, "", i, 2, 0, [b.s("a"), nxt, b.s("b"), nxt])  # FUNC_PROTO
        b.ptr(proto)
    b.typedef("fn0", first + 1)
    path = tmp_path / "protos.btf"
    path.write_bytes(b.encode())
    calls = 0
    real = cdump._CDumper._emit

    def counted(self, *a):
        nonlocal calls
        calls += 1
        return real(self, *a)

    monkeypatch.setattr(cdump._CDumper, "_emit", counted)
    from bpfdoctor.errors import ParseError

    # fn0's declarator spells every prototype out twice per level: the text
    # budget refuses it in one line (after a bounded walk, not 2**22 of them)
    with pytest.raises(ParseError, match="the C declarations would exceed"):
        dump_c(parse_btf(path.read_bytes(), path=str(path)))
    assert calls < 1000


@pytest.mark.parametrize("depth, refused", [(8, False), (13, True)])
def test_anonymous_structs_nested_twice_per_level_stay_within_the_budget(depth, refused, tmp_path):
    """Each level holds two members of the anonymous struct below it: the dump
    writes 2**depth copies.  The budget is twice the type words plus 10,000 items:
    depth 13 (16,000 members from 250 words) is refused in one line; it was within
    the old floor of 100,000, which let any 7 KB input cost 0.5 s (4 s under the
    btf campaign's coverage, issue 13)."""
    from bpfdoctor.btf.reader import parse_btf
    from bpfdoctor.errors import ParseError

    from .btfgen import BtfBuilder

    b = BtfBuilder()
    below = b.int_("int", 4, 32, 1)
    size = 4
    for _ in range(depth):
        below = b.struct("", 2 * size, [("x", below, 0), ("y", below, size * 8)])
        size *= 2
    b.struct("top", size, [("t", below, 0)])
    data = b.encode()
    path = tmp_path / "nested.btf"
    path.write_bytes(data)
    btf = parse_btf(data, path=str(path))
    if refused:
        with pytest.raises(ParseError, match="the C declarations would exceed"):
            dump_c(btf)
    else:
        assert dump_c(btf).count(" x;") == 2 ** depth - 1
