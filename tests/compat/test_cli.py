"""``bpfdoctor compat`` from the command line: matrix, JSON, exit codes,
one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VMLINUX = "/sys/kernel/btf/vmlinux"


def run(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), NO_COLOR="1", COLUMNS="100")
    return subprocess.run([sys.executable, "-m", "bpfdoctor", "compat", *args], capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def need_vmlinux():
    if not os.path.exists(VMLINUX):
        pytest.skip("no /sys/kernel/btf/vmlinux")


def test_matrix_and_exit_zero(need_vmlinux, fixture_obj):
    r = run(str(fixture_obj("maps_btf")), "--btf", VMLINUX, "--release", "6.18.0")
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert "compatible with every target" in lines[0]
    assert any(line.split()[:1] == ["count_flows"] and line.split()[-1] == "ok" for line in lines)
    assert "T1  6.18.0" in r.stdout


def test_failure_exit_one_with_footnote(need_vmlinux, fixture_obj):
    r = run(str(fixture_obj("isa_v4")), "--btf", VMLINUX, "--btf", VMLINUX, "--release", "6.1.0", "--release", "6.6.0")
    assert r.returncode == 1
    row = next(line for line in r.stdout.splitlines() if line.startswith("v4_ops"))
    assert row.split()[-3:] == ["FAIL", "[1]", "ok"]
    assert "[1] isa -mcpu=v4" in r.stdout and "needs 6.6" in r.stdout


def test_json(need_vmlinux, fixture_obj):
    r = run(str(fixture_obj("core")), "--btf", VMLINUX, "--release", "6.18", "--json")
    d = json.loads(r.stdout)
    assert d["targets"][0]["release"] == "6.18"
    cell = next(c for c in d["cells"] if c["program"] == "on_exec")
    kinds = {q["kind"] for q in cell["requirements"]}
    assert {"core", "helper", "map_type", "prog_type", "attach_type", "attach_target"} <= kinds
    assert cell["loads"] is True


@pytest.mark.parametrize("args,problem", [
    (["/nonexistent.o"], "nonexistent.o"),
    (["{obj}", "--btf", "/nonexistent.btf"], "/nonexistent.btf"),
    (["{obj}", "--btf", "{obj_c}"], "not kernel BTF"),
    (["{obj}", "--config", "a", "--config", "b"], "--config given 2 time(s) for 1 target"),
    (["{obj}", "--btf", VMLINUX, "--btf", VMLINUX, "--release", "6.1"], "give one per --btf"),
    (["{obj}", "--btf", VMLINUX, "--btf", VMLINUX, "--emit-min-btf", "/tmp/x"], "exactly one target"),
    (["{obj}", "--btf", VMLINUX, "--config", "{obj_c}"], "not a kernel config"),
])
def test_bad_input_one_line(need_vmlinux, fixture_obj, args, problem):
    obj = fixture_obj("core")
    src = ROOT / "tests" / "bpf" / "core.c"
    args = [a.format(obj=obj, obj_c=src) for a in args]
    r = run(*args)
    assert r.returncode == 2, r.stdout + r.stderr
    err = [line for line in r.stderr.splitlines() if line and not line.startswith("hint:")]
    assert len(err) == 1 and err[0].startswith("bpfdoctor: ") and problem in err[0], r.stderr
    assert "Traceback" not in r.stderr


def test_emit_min_btf(need_vmlinux, fixture_obj, tmp_path):
    out = tmp_path / "min.btf"
    r = run(str(fixture_obj("core")), "--btf", VMLINUX, "--emit-min-btf", str(out))
    assert f"wrote {out}" in r.stdout
    from bpfdoctor.btf import parse_btf

    btf = parse_btf(out.read_bytes())
    assert btf.find("task_struct") and 5 < btf.type_count < 60


def test_default_target_is_the_running_kernel(need_vmlinux, fixture_obj):
    r = run(str(fixture_obj("core_arrays")), "--json")
    assert r.returncode in (0, 1), r.stderr
    d = json.loads(r.stdout)
    t = d["targets"][0]
    assert len(d["targets"]) == 1 and t["name"].endswith("(running)") and t["source"] == VMLINUX
    assert t["release"] == os.uname().release


def test_type_for_unknown_sections(need_vmlinux, fixture_obj):
    obj = str(fixture_obj("xdp_ddos01_blacklist"))
    without = run(obj, "--btf", VMLINUX, "--release", "6.18", "--json")
    cell = json.loads(without.stdout)["cells"][0]
    assert cell["first_problem"]["kind"] == "prog_type"
    withtype = run(obj, "--btf", VMLINUX, "--release", "6.18", "--type", "xdp", "--json")
    cell = json.loads(withtype.stdout)["cells"][0]
    assert any(r["subject"] == "BPF_PROG_TYPE_XDP" and r["status"] == "ok" for r in cell["requirements"])
    bad = run(obj, "--type", "xdpp")
    assert bad.returncode == 2 and "unknown program type 'xdpp'" in bad.stderr
