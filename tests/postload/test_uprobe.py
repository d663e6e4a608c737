"""uprobes: the binary and function found as libbpf finds them, stripped
binaries diagnosed, and a live uprobe on libc that really fires."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from bpfdoctor.doctor.attach import HostView, check
from bpfdoctor.host.binsyms import func_offset, resolve_binary
from bpfdoctor.kernel.attach_spec import attach_spec

C_SRC = """
static int __attribute__((noinline)) hidden_helper(int x) { return x * 3; }
int exported_fn(int x) { return hidden_helper(x) + 1; }
int main(int argc, char **argv) { return exported_fn(argc) == 4; }
"""


@pytest.fixture(scope="module")
def binaries(tmp_path_factory):
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("no C compiler to build the test binary")
    d = tmp_path_factory.mktemp("uprobe")
    (d / "t.c").write_text(C_SRC)
    subprocess.run([gcc, "-O1", "-rdynamic", "-o", str(d / "full"), str(d / "t.c")], check=True)
    shutil.copy(d / "full", d / "stripped")
    subprocess.run(["strip", str(d / "stripped")], check=True)
    return d


def _nm_offset(path, name):
    """The offset as binutils sees it: symbol value - section addr + section offset."""
    out = subprocess.run(["readelf", "-sW", str(path)], capture_output=True, text=True).stdout
    value, ndx = next((int(ln.split()[1], 16), int(ln.split()[6])) for ln in out.splitlines()
                      if ln.split()[-1:] == [name])
    secs = subprocess.run(["readelf", "-SW", str(path)], capture_output=True, text=True).stdout
    row = next(ln for ln in secs.splitlines() if ln.strip().startswith(f"[{ndx:2d}]") or
               ln.strip().startswith(f"[{ndx}]"))
    parts = row.split("]", 1)[1].split()
    return value - int(parts[2], 16) + int(parts[3], 16)


def test_offsets_match_readelf(binaries):
    for name in ("hidden_helper", "exported_fn", "main"):
        assert func_offset(str(binaries / "full"), name).offset == _nm_offset(binaries / "full", name)


def test_stripped_binary_loses_static_functions(binaries):
    look = func_offset(str(binaries / "stripped"), "hidden_helper")
    assert look.offset is None and look.stripped
    assert func_offset(str(binaries / "stripped"), "exported_fn").offset is not None  # still in .dynsym
    spec = attach_spec("p", f"uprobe/{binaries}/stripped:hidden_helper", "KPROBE", None)
    f = next(f for f in check(spec, HostView()) if f.id.startswith("attach-uprobe-func"))
    assert "stripped" in f.summary


def test_binary_search_like_libbpf(tmp_path):
    (tmp_path / "usr/lib64").mkdir(parents=True)
    (tmp_path / "usr/lib64/libdemo.so.1").write_bytes(b"")
    (tmp_path / "opt/bin").mkdir(parents=True)
    (tmp_path / "opt/bin/tool").write_bytes(b"")
    assert resolve_binary("libdemo.so.1", tmp_path, env={}) == "/usr/lib64/libdemo.so.1"
    assert resolve_binary("tool", tmp_path, env={"PATH": "/usr/bin:/opt/bin"}) == "/opt/bin/tool"
    assert resolve_binary("nothing", tmp_path, env={"PATH": "/opt/bin"}) is None


def test_not_an_elf(tmp_path):
    (tmp_path / "x").write_text("#!/bin/sh\n")
    assert func_offset(str(tmp_path / "x"), "main").problem


@pytest.mark.kernel
def test_live_uprobe_on_libc_fires(root_kernel, obj):
    from bpfdoctor.host.tracefs import pmu_type
    from bpfdoctor.kernel import info as kinfo
    from bpfdoctor.kernel import links
    from bpfdoctor.kernel.loader import load_object
    from bpfdoctor.kernel.stats import enable_stats

    pmu = pmu_type("/", "uprobe")
    libc = resolve_binary("libc.so.6")
    if pmu is None or libc is None:
        pytest.skip("no uprobe PMU or no libc.so.6 here")
    off = func_offset(libc, "getppid").offset
    with load_object(obj("postload_attach"), programs=["pa_uprobe"]) as lo, enable_stats():
        prog = lo.programs["pa_uprobe"]
        with links.attach_uprobe(prog.fd, pmu, libc, off):
            for _ in range(5):
                os.getppid()  # CPython calls libc getppid()
        assert kinfo.prog_info(prog, arrays=None).run_cnt >= 5


@pytest.mark.kernel
def test_attach_command_on_uprobes(root_kernel, obj):
    import json
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from testlib import run_cli

    r = run_cli("attach", str(obj("postload_attach")), "--program", "pa_uprobe", "--program",
                "pa_uretprobe_missing", "--program", "pa_uprobe_nobin", "--json")
    progs = {p["program"]: p for p in json.loads(r.stdout)["programs"]}
    if progs["pa_uprobe"]["attach"]["status"] == "skipped":
        pytest.skip(progs["pa_uprobe"]["attach"]["note"])
    assert progs["pa_uprobe"]["attach"]["status"] == "attached"
    assert progs["pa_uretprobe_missing"]["findings"][-1]["id"] == "attach-uprobe-func-missing"
    assert progs["pa_uprobe_nobin"]["findings"][-1]["id"] == "attach-uprobe-binary-missing"
