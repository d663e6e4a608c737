"""Split BTF on top of vmlinux: hand-encoded module BTF, compared with bpftool -B."""

from __future__ import annotations

import subprocess

import pytest

from bpfdoctor.btf import Kind, parse_btf
from bpfdoctor.btf.query import member_offset
from bpfdoctor.btf.rawdump import dump_raw

from .btfgen import BtfBuilder
from .helpers import VMLINUX, need_bpftool


def _split(vmlinux) -> bytes:
    b = BtfBuilder(base_str_len=len(vmlinux.strings), first_id=vmlinux.type_count)
    ts = vmlinux.find("task_struct", Kind.STRUCT)
    int_id = vmlinux.find("int", Kind.INT)
    p = b.ptr(ts)
    b.struct("my_mod_state", 16, [("task", p, 0), ("count", int_id, 64)])
    b.typedef("my_mod_state_t", vmlinux.type_count + 1)
    return b.encode()


def test_split_types_resolve_through_base(vmlinux):
    split = parse_btf(_split(vmlinux), path="mod.btf", base=vmlinux)
    sid = split.find("my_mod_state", Kind.STRUCT)
    assert sid == vmlinux.type_count + 1
    assert member_offset(split, sid, "count").byte_offset == 8
    assert split.find("task_struct", Kind.STRUCT) == vmlinux.find("task_struct", Kind.STRUCT)


@pytest.mark.tools
def test_split_raw_matches_bpftool(vmlinux, tmp_path):
    bpftool = need_bpftool()
    path = tmp_path / "mod.btf"
    path.write_bytes(_split(vmlinux))
    ref = subprocess.run([bpftool, "-B", str(VMLINUX), "btf", "dump", "file", str(path)],
                         capture_output=True, check=True).stdout
    assert dump_raw(parse_btf(path.read_bytes(), path=str(path), base=vmlinux)) == ref


def test_split_btf_without_base_names_split_btf_and_base(vmlinux, tmp_path):
    """Issue 11 item 17: not 'string section must start with an empty string'."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from testlib import run_cli

    path = tmp_path / "mod.btf"
    path.write_bytes(_split(vmlinux))
    r = run_cli("btf", "dump", str(path))
    assert r.exit_code == 2 and r.stdout == ""
    assert "split BTF" in r.stderr and "--base" in r.stderr
    assert len(r.stderr.splitlines()) == 2  # the message and one hint line
