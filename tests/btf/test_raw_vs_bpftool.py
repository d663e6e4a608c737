"""Raw and JSON dumps are identical to bpftool's on every fixture and vmlinux."""

from __future__ import annotations

import json
import subprocess

import pytest
from testlib import run_cli

from .helpers import VMLINUX, need_bpftool

pytestmark = pytest.mark.tools


def _ours(args: list[str]) -> bytes:
    r = run_cli("btf", "dump", *args)
    assert r.exit_code == 0, r.stderr
    return r.stdout_bytes


def _bpftool(*args: str) -> bytes:
    return subprocess.run([need_bpftool(), *args], check=True, capture_output=True).stdout


def test_every_fixture_raw_identical(bpf_objects):
    assert len(bpf_objects) >= 2
    for name, obj in bpf_objects.items():
        ref = _bpftool("btf", "dump", "file", str(obj))
        assert _ours([str(obj)]) == ref, name


def test_every_fixture_json_identical(bpf_objects):
    for name, obj in bpf_objects.items():
        ref = json.loads(_bpftool("-j", "btf", "dump", "file", str(obj)))
        assert json.loads(_ours([str(obj), "--json"])) == ref, name


def test_big_endian_object_dumps_like_little_endian(bpf_objects):
    assert _ours([str(bpf_objects["btf_kinds.bpfeb.o"])]) == _ours([str(bpf_objects["btf_kinds.o"])])


def test_vmlinux_raw_identical():
    if not VMLINUX.exists():
        pytest.skip("no vmlinux BTF")
    assert _ours([str(VMLINUX)]) == _bpftool("btf", "dump", "file", str(VMLINUX))


def test_fixture_covers_every_kind(kinds_obj):
    text = _ours([str(kinds_obj)]).decode()
    kinds = {line.split()[1] for line in text.splitlines() if line.startswith("[")}
    assert kinds == {"INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "ENUM64", "FWD", "TYPEDEF",
                     "VOLATILE", "CONST", "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC",
                     "FLOAT", "DECL_TAG", "TYPE_TAG"}
    assert "bitfield_size=" in text and "fwd_kind=union" in text and "encoding=SIGNED" in text
