"""``prog dump jited``: the image is the kernel's (same bytes as
``bpftool prog dump jited ... file F``), split per function by
``jited_func_lens``, labelled from kallsyms, every function's instruction
boundaries and text identical to binutils ``objdump -D -b binary
-mi386:x86-64``; ``--as-kernel-log`` round-trips through the log parser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from .proghelpers import bpftool, ours

from bpfdoctor.jit.logparse import parse_log
from bpfdoctor.kernel import prog_dump

pytestmark = [pytest.mark.kernel, pytest.mark.tools]
_OBJDUMP_LINE = re.compile(r"^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$")


@pytest.fixture(scope="module")
def objdump():
    path = shutil.which("objdump")
    if path is None or os.uname().machine != "x86_64":
        pytest.skip("needs binutils objdump on x86-64")
    return path


def _objdump(objdump, path) -> list[tuple[int, str]]:
    out = subprocess.run([objdump, "-D", "-b", "binary", "-mi386:x86-64", str(path)], capture_output=True,
                         text=True, check=True).stdout
    return [(int(m.group(1), 16), m.group(3).rstrip()) for m in map(_OBJDUMP_LINE.match, out.splitlines()) if m]


def _kallsyms_names() -> set[str]:
    with open("/proc/kallsyms") as f:
        return {ln.split()[2] for ln in f if " bpf_prog_" in ln}


def test_functions_cover_the_image_and_are_labelled_from_kallsyms(loaded):
    # bpftool 7.1 here cannot write the image ("dump jited ... file" needs
    # libbfd too), so its size and the kernel's symbols are the references.
    from .proghelpers import bpftool_json

    names = _kallsyms_names()
    for p in loaded.values():
        d = prog_dump.dump_jited(p.fd)
        image = b"".join(f.image for f in d.funcs)
        assert len(image) == bpftool_json("prog", "show", "id", str(p.id))["bytes_jited"], p.name
        assert sum(f.flen for f in d.funcs) == d.data.info.xlated_prog_len // 8
        assert d.funcs[0].label.startswith(f"bpf_prog_{d.data.info.tag}_")
        assert [f.address for f in d.funcs] == list(d.data.info.jited_ksyms)
        for f in d.funcs:
            assert f.label in names and f.proto, f"{p.name}: {f.label}"


def test_every_function_matches_objdump(loaded, objdump, tmp_path):
    multi = 0
    for p in loaded.values():
        text = ours("prog", "dump", "jited", "id", str(p.id), "--no-source").stdout
        blocks = text.split("\n\n")
        d = prog_dump.dump_jited(p.fd)
        multi += len(d.funcs) > 1
        for f, block in zip(d.funcs, blocks):
            raw = tmp_path / "f.bin"
            raw.write_bytes(f.image)
            lines = block.splitlines()
            assert lines[0] == f"{f.proto}:" and lines[1] == f"{f.label}:"
            mine = [(int(a, 16), b) for a, b in (ln.split(":\t", 1) for ln in lines[2:])]
            assert mine == _objdump(objdump, raw), f"{p.name}/{f.label}"
    assert multi >= 3  # bpf-to-bpf calls: several functions per image


def test_source_lines_from_jited_line_info(loaded):
    p = loaded["xdp_count"]
    text = ours("prog", "dump", "jited", "id", str(p.id)).stdout
    src = [ln for ln in text.splitlines() if ln.startswith("; ")]
    assert "; __u32 len = ctx->data_end - ctx->data;" in src
    assert any(ln.startswith("; if (len > 1500)") for ln in src)  # classify(), the second function
    linum = ours("prog", "dump", "jited", "id", str(p.id), "--linum").stdout
    assert re.search(r"^; .* \[file:.*multi_prog\.c line_num:\d+ line_col:\d+\]$", linum, re.M)
    stripped = [ln for ln in text.splitlines() if not ln.startswith("; ")]
    assert stripped == ours("prog", "dump", "jited", "id", str(p.id), "--no-source").stdout.splitlines()


def test_kernel_log_round_trip(loaded):
    for name in ("tc_mark", "count_flows", "with_kfunc"):
        p = loaded[name]
        d = prog_dump.dump_jited(p.fd)
        log = ours("prog", "dump", "jited", "id", str(p.id), "--as-kernel-log").stdout
        dumps = parse_log(log).dumps
        assert [x.data for x in dumps] == [f.image for f in d.funcs]
        assert all(x.complete for x in dumps)
        assert [x.flen for x in dumps] == [f.flen for f in d.funcs]
        assert [x.proglen for x in dumps] == [len(f.image) for f in d.funcs]
        assert all(x.comm == d.data.info.name for x in dumps)


def test_json_instructions_match_text(loaded):
    import json

    p = loaded["cg_egress"]
    js = json.loads(ours("prog", "dump", "jited", "id", str(p.id), "--json").stdout)
    assert [f["name"] for f in js] == [f.label for f in prog_dump.dump_jited(p.fd).funcs]
    first = js[0]["insns"][0]
    assert set(first) >= {"pc", "bytes", "mnemonic", "operands"} and first["pc"] == 0
