"""Our ctypes bpf_attr layouts against the installed UAPI header, compiled by clang."""

from __future__ import annotations

import ctypes
import shutil
import subprocess

import pytest

from bpfdoctor.kernel import attrs

CLANG = shutil.which("clang-19") or shutil.which("clang")

# our class -> (C expression for the struct, {our field: C member path})
LAYOUTS = {
    attrs.MapCreateAttr: ("union bpf_attr", {f: f for f, _ in attrs.MapCreateAttr._fields_}),
    attrs.ProgLoadAttr: ("union bpf_attr", {f: f for f, _ in attrs.ProgLoadAttr._fields_ if f != "log_true_size"}),
    attrs.BtfLoadAttr: ("union bpf_attr", {f: f for f, _ in attrs.BtfLoadAttr._fields_ if f != "btf_log_true_size"}),
    attrs.MapElemAttr: ("union bpf_attr", {"map_fd": "map_fd", "key": "key", "value": "value", "flags": "flags"}),
    attrs.InfoAttr: ("union bpf_attr", {"bpf_fd": "info.bpf_fd", "info_len": "info.info_len", "info": "info.info"}),
    attrs.GetIdAttr: ("union bpf_attr", {"start_id": "start_id", "next_id": "next_id", "open_flags": "open_flags"}),
    attrs.ObjAttr: ("union bpf_attr", {"pathname": "pathname", "bpf_fd": "bpf_fd", "file_flags": "file_flags"}),
    attrs.TestRunAttr: ("union bpf_attr", {f: f"test.{f}" for f, _ in attrs.TestRunAttr._fields_}),
    attrs.ProgInfo: ("struct bpf_prog_info", {f: f for f, _ in attrs.ProgInfo._fields_
                                              if f not in ("_pad", "gpl_compatible")}),
    attrs.MapInfo: ("struct bpf_map_info", {f: f for f, _ in attrs.MapInfo._fields_ if f != "_pad"}),
    attrs.BtfInfo: ("struct bpf_btf_info", {f: f for f, _ in attrs.BtfInfo._fields_}),
}
SIZED = (attrs.ProgInfo, attrs.MapInfo, attrs.BtfInfo, attrs.LinkInfo)


@pytest.fixture(scope="module")
def header_offsets(tmp_path_factory):
    if CLANG is None:
        pytest.skip("clang not installed")
    lines = ["#include <stdio.h>", "#include <stddef.h>", "#include <linux/bpf.h>", "int main(void) {"]
    for cls, (ctype, fields) in LAYOUTS.items():
        for ours, theirs in fields.items():
            lines.append(f'printf("{cls.__name__}.{ours} %zu\\n", offsetof({ctype}, {theirs}));')
    for cls, ctype in zip(SIZED, ("struct bpf_prog_info", "struct bpf_map_info", "struct bpf_btf_info",
                                  "struct bpf_link_info")):
        lines.append(f'printf("{cls.__name__}.sizeof %zu\\n", sizeof({ctype}));')
    lines.append("return 0; }")
    d = tmp_path_factory.mktemp("attrs")
    src, exe = d / "off.c", d / "off"
    src.write_text("\n".join(lines))
    subprocess.run([CLANG, "-o", str(exe), str(src)], check=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    return {k: int(v) for k, v in (line.split() for line in out.splitlines())}


@pytest.mark.tools
@pytest.mark.parametrize("cls", list(LAYOUTS), ids=lambda c: c.__name__)
def test_offsets_match_header(cls, header_offsets):
    for ours in LAYOUTS[cls][1]:
        assert getattr(cls, ours).offset == header_offsets[f"{cls.__name__}.{ours}"], ours


@pytest.mark.tools
@pytest.mark.parametrize("cls", SIZED, ids=lambda c: c.__name__)
def test_info_sizes_match_header(cls, header_offsets):
    assert ctypes.sizeof(cls) == header_offsets[f"{cls.__name__}.sizeof"]


def test_used_size_stops_at_last_nonzero_field():
    a = attrs.MapCreateAttr(map_type=1, key_size=4, value_size=4, max_entries=1)
    assert attrs.used_size(a) == attrs.MapCreateAttr.end_of("max_entries")
    a.map_extra = 1
    assert attrs.used_size(a) == ctypes.sizeof(attrs.MapCreateAttr)


def test_used_size_covers_output_fields():
    assert attrs.used_size(attrs.GetIdAttr()) == attrs.GetIdAttr.end_of("next_id")
