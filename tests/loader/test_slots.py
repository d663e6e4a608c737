"""``.values`` slots past a map's entries: refused in one line before anything is created.

``.values = { [5] = &inner }`` in a map of 2 entries compiles; libbpf then
fails the load when the kernel refuses the slot's update (E2BIG).  A slot
index comes from a relocation's offset inside the map's symbol, whose size
the object gives: one past 2**32 made ``load`` print a ``struct.error``
traceback when it packed the key.
"""

from __future__ import annotations

import subprocess

import pytest
from testlib import require_tool, run_cli

from bpfdoctor.elf import open_object
from bpfdoctor.errors import InputError
from bpfdoctor.kernel.loader.mapplan import plan_maps

SOURCE = """#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
struct inner { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u32); };
struct inner in0 SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS); __uint(max_entries, MAX); __type(key, __u32);
         __array(values, struct inner); } outer SEC(".maps") = { .values = { [5] = &in0 } };
SEC("xdp") int p(struct xdp_md *ctx) { return 2; }
"""


def _build(tmp_path, max_entries: int):
    clang = require_tool("clang-19")
    src = tmp_path / f"slots{max_entries}.c"
    src.write_text(SOURCE.replace("MAX", str(max_entries)))
    obj = tmp_path / f"slots{max_entries}.o"
    subprocess.run([clang, "-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu", "-c", str(src),
                    "-o", str(obj)], check=True, capture_output=True)
    return obj


def test_a_slot_past_the_entries_is_refused(tmp_path):
    obj = _build(tmp_path, 2)
    with pytest.raises(InputError, match=r"map 'outer': \.values sets slot 5 \(in0\), past its 2 entries"):
        plan_maps(open_object(obj), None, b"")
    fits = [p for p in plan_maps(open_object(_build(tmp_path, 6)), None, b"") if p.slots]
    assert [p.slots for p in fits] == [((5, "in0"),)]


@pytest.mark.kernel
def test_load_says_so_in_one_line(kernel, tmp_path):
    obj = _build(tmp_path, 2)
    res = run_cli("load", str(obj))
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    assert res.stderr.startswith(f"bpfdoctor: {obj}: map 'outer': .values sets slot 5") and \
        res.stderr.count("\n") <= 2, res.stderr
