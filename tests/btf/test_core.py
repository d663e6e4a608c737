"""CO-RE resolution: pure cases against vmlinux, and every relocation of the
fixture against what libbpf itself logs while loading it."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from testlib import bpftool_loadall

from bpfdoctor.btf.core_resolve import resolve_relocation
from bpfdoctor.btf.core_spec import CoreReloKind, essential_name_len
from bpfdoctor.btf.ext import parse_btf_ext
from bpfdoctor.btf.query import member_offset
from bpfdoctor.cli.btf import load_file

from .helpers import need_bpftool


@pytest.mark.parametrize("name,expect", [("task_struct", 11), ("task_struct___new", 11),
                                         ("a___b___c", 5), ("x____y", 6), ("___x", 4), ("s___", 4)])
def test_essential_name(name, expect):
    assert essential_name_len(name) == expect


def test_field_offset_matches_member_offset(vmlinux, kinds_obj):
    local, ext = load_file(str(kinds_obj))
    local_id = local.find("task_struct")
    r = resolve_relocation(local, local_id, "0:1", CoreReloKind.FIELD_BYTE_OFFSET, vmlinux)
    assert r.value == member_offset(vmlinux, vmlinux.find("task_struct"), "tgid").byte_offset
    assert r.local_value == 4 and r.candidates == (vmlinux.find("task_struct", 4),)


def test_missing_field_poisons_or_reports_absent(vmlinux, kinds_obj):
    local, _ = load_file(str(kinds_obj))
    new = local.find("task_struct___new")
    exists = resolve_relocation(local, new, "0:1", CoreReloKind.FIELD_EXISTS, vmlinux)
    assert (exists.value, exists.poison) == (0, False)
    off = resolve_relocation(local, new, "0:1", CoreReloKind.FIELD_BYTE_OFFSET, vmlinux)
    assert off.poison and off.value is None
    found = resolve_relocation(local, new, "0:0", CoreReloKind.FIELD_BYTE_OFFSET, vmlinux)
    assert found.ok and found.target_spec.startswith("<byte_off> [")


def test_bad_access_string_is_a_parse_error(kinds_obj):
    from bpfdoctor.errors import ParseError

    local, _ = load_file(str(kinds_obj))
    with pytest.raises(ParseError):
        resolve_relocation(local, local.find("task_struct"), "0:99", 0, local)
    with pytest.raises(ParseError):
        resolve_relocation(local, local.find("task_struct"), "0:x", 0, local)


_RELO = re.compile(r"relo #(\d+): <")
_MATCH = re.compile(r"relo #(\d+): matching candidate #\d+ (<.*)$")
_PATCH = re.compile(r"relo #(\d+): patched insn #(\d+) \(.*\) imm(?:64)? (-?\d+) -> (-?\d+)")
_POISON = re.compile(r"relo #(\d+): (?:substituting insn|poison)")


@pytest.mark.kernel
@pytest.mark.tools
def test_every_relocation_matches_libbpf(vmlinux, kinds_obj, tmp_path):
    bpftool = need_bpftool()
    if os.geteuid() != 0 or not os.path.isdir("/sys/fs/bpf"):
        pytest.skip("needs root and bpffs to let libbpf load the object")
    pin = f"/sys/fs/bpf/bpfdoctor_btf_test_{os.getpid()}"
    r = bpftool_loadall(kinds_obj, pin, debug=True)
    subprocess.run(["rm", "-rf", pin])
    log = r.stderr
    if "CO-RE relocations" not in log:
        pytest.skip(f"libbpf did not get to CO-RE relocation: {log[-300:]}")
    matched, patched = {}, {}
    for line in log.splitlines():
        if m := _MATCH.search(line):
            matched.setdefault(int(m.group(1)), m.group(2))
        elif m := _PATCH.search(line):
            patched[int(m.group(1))] = (int(m.group(2)), int(m.group(4)))
    local, ext = load_file(str(kinds_obj))
    relos = parse_btf_ext(ext, local).core_relos["kprobe/do_nothing"]
    assert len(relos) == len(patched) >= 20
    for i, rel in enumerate(relos):
        res = resolve_relocation(local, rel.type_id, rel.access, rel.kind, vmlinux)
        insn, value = patched[i]
        assert rel.insn == insn
        assert res.value == value, (i, res)
        if i in matched:
            assert res.target_spec == matched[i], i
