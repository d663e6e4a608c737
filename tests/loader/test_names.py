"""Program and map names the kernel would refuse: cut to what it takes.

The kernel takes ASCII letters, digits, ``_`` and ``.``, 15 of them
(kernel/bpf/syscall.c bpf_obj_name_cpy); we keep those and drop the rest.
``str.isalnum()`` let letters like ``é`` through: a name of a few of them
made the kernel say EINVAL, one of eight or more did not fit the 16-byte
field and ``load`` printed a ``ValueError`` traceback.  Found by building
the attributes of every object of the loader fuzz family's corpus.
"""

from __future__ import annotations

import subprocess
import time

import pytest
from testlib import require_tool, run_cli

from bpfdoctor.kernel import objects
from bpfdoctor.kernel.maps import map_create_attr
from bpfdoctor.kernel.objects import ObjKind
from bpfdoctor.kernel.progs import prog_load_attr

EXIT = bytes.fromhex("b700000002000000" "9500000000000000")  # r0 = 2; exit


@pytest.mark.parametrize("name, want", [
    ("é" * 15, b""),
    ("xdp_é_prog", b"xdp__prog"),
    ("counts.bss", b"counts.bss"),
    ("a-b c/d", b"abcd"),
    ("x" * 20, b"x" * 15),
    ("²³¹", b""),             # digits to str.isalnum(), not to the kernel
    ("\udcffok", b"ok"),      # a byte that was not UTF-8 in the object
])
def test_names_keep_what_the_kernel_takes(name, want):
    assert bytes(map_create_attr(2, 4, 4, 1, name=name).map_name) == want
    attr, _keep = prog_load_attr(6, EXIT, name=name)
    assert bytes(attr.prog_name) == want


@pytest.mark.kernel
def test_an_object_with_non_ascii_names_loads(kernel, tmp_path):
    clang = require_tool("clang-19")
    src = tmp_path / "names.c"
    src.write_text('#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n'
                   'char LICENSE[] SEC("license") = "GPL";\n'
                   "struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); "
                   '__type(value, __u32); } compteur_été_énorme SEC(".maps");\n'
                   'SEC("xdp") int passe_éléphant_à_côté(struct xdp_md *ctx) {\n'
                   "  __u32 k = 0; __u32 *v = bpf_map_lookup_elem(&compteur_été_énorme, &k);\n"
                   "  return v ? XDP_PASS : XDP_DROP; }\n", encoding="utf-8")
    obj = tmp_path / "names.o"
    subprocess.run([clang, "-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu", "-c", str(src),
                    "-o", str(obj)], check=True, capture_output=True)
    def ids() -> set:
        return {(k, i) for k in (ObjKind.PROG, ObjKind.MAP) for i in objects.ids(k)}

    before = ids()
    res = run_cli("load", str(obj))
    assert res.exit_code == 0 and "Traceback" not in res.stderr, res.output
    assert "passe_éléphant_à_côté" in res.stdout and "1/1 programs loaded" in res.stdout, res.stdout
    # a closed program frees its maps after an RCU grace period: wait for it
    deadline = time.monotonic() + 20
    while ids() - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not ids() - before, "load left programs or maps behind"
