"""``check`` on fake hosts, compared with golden text and JSON.

Regenerate after an intended change: ``BPFDOCTOR_UPDATE_GOLDEN=1 pytest tests/doctor``
and review the diff."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from testlib import run_cli

from .fakeroot_loader import build_tree

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("BPFDOCTOR_UPDATE_GOLDEN"))

SCENARIOS = {
    "healthy": {},
    "old-rlimit-64k": {"release": "5.4.0-old", "memlock": (65536, 65536),
                       "config": {"BPF": "y", "BPF_SYSCALL": "y", "BPF_JIT": "y", "CGROUP_BPF": "y",
                                  "BPF_EVENTS": "y", "KPROBES": "y", "KPROBE_EVENTS": "y"},
                       "sysctls": {"kernel.unprivileged_bpf_disabled": 0, "net.core.bpf_jit_enable": 1},
                       "caps": (1 << 21) | (1 << 12), "btf": False, "lockdown": None},
    "jit-off": {"sysctls": {"net.core.bpf_jit_enable": 0},
                "config": {"BPF": "y", "BPF_SYSCALL": "y", "BPF_JIT": "y", "DEBUG_INFO_BTF": "y"}},
    "jit-debug": {"sysctls": {"net.core.bpf_jit_enable": 2}},
    "unpriv-allowed": {"sysctls": {"kernel.unprivileged_bpf_disabled": 0}, "uid": 1000, "caps": 0},
    "lockdown-on": {"lockdown": "confidentiality"},
    "no-btf": {"btf": False, "btf_modules": 0},
    "no-bpffs": {"mounts": ["tracefs", "cgroup2"]},
    "memcg-tight": {"cgroup": {"version": 2, "path": "/app", "limit": 64 << 20, "usage": 60 << 20}},
}


def run(root: Path, *args: str):
    result = run_cli("check", "--root", str(root), *args)
    assert result.exit_code in (0, 1, 2) and not result.stderr.startswith("bpfdoctor:"), result.stderr
    return result.exit_code, result.stdout.replace(str(root), "<root>")


def compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"missing golden {path}; run with BPFDOCTOR_UPDATE_GOLDEN=1"
    assert text == path.read_text()


@pytest.mark.parametrize("name", SCENARIOS)
def test_check_text_and_json(name, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    root = build_tree(tmp_path, SCENARIOS[name])
    code_text, text = run(root)
    code_json, out = run(root, "--json")
    compare(f"{name}.txt", text)
    compare(f"{name}.json", out)
    data = json.loads(out)
    assert code_text == code_json == data["exit_code"] == {"ok": 0, "info": 0, "warn": 1, "fail": 2}[data["verdict"]]
    assert data["probed"] is False  # never probe this kernel for a fake tree


def ids(root: Path) -> dict[str, str]:
    _, out = run(root, "--json")
    return {f["id"]: f["severity"] for f in json.loads(out)["findings"]}


def test_scenarios_name_their_problem(tmp_path):
    got = {name: ids(build_tree(tmp_path / name, spec)) for name, spec in SCENARIOS.items()}
    assert got["healthy"]["jit-enabled"] == "ok" and "fail" not in got["healthy"].values()
    assert got["old-rlimit-64k"]["memlock-rlimit"] == "fail"
    assert got["old-rlimit-64k"]["kernel-version"] == "warn"
    assert got["jit-off"]["jit-enabled"] == "warn"
    assert got["jit-debug"]["jit-enabled"] == "warn"
    assert got["unpriv-allowed"]["unprivileged-bpf"] == "warn"
    assert got["unpriv-allowed"]["privilege-capabilities"] == "fail"
    assert got["lockdown-on"]["lockdown"] == "fail"
    assert got["no-btf"]["btf-vmlinux"] == "warn"
    assert got["no-bpffs"]["fs-bpffs"] == "warn"
    assert got["memcg-tight"]["memcg-limit"] == "warn"


def test_fix_on_fake_tree_turns_jit_on(tmp_path):
    root = build_tree(tmp_path, SCENARIOS["jit-off"])
    code, out = run(root, "--fix")
    assert "fix applied: sysctl -w net.core.bpf_jit_enable=1" in out
    assert (root / "proc/sys/net/core/bpf_jit_enable").read_text().strip() == "1"
    assert ids(root)["jit-enabled"] == "ok"


def test_prometheus_file(tmp_path):
    root = build_tree(tmp_path / "t", SCENARIOS["no-bpffs"])
    prom = tmp_path / "bpf.prom"
    run(root, "--prometheus", str(prom))
    text = prom.read_text()
    assert 'bpfdoctor_check_severity{id="fs-bpffs",area="filesystems"} 2' in text
    assert "bpfdoctor_check_verdict 2" in text
    assert not list(tmp_path.glob(".bpfdoctor-*"))  # the temp file was renamed


def test_bad_root_is_a_one_line_error(tmp_path):
    from subprocess import run as sh
    import sys

    r = sh([sys.executable, "-m", "bpfdoctor", "check", "--root", str(tmp_path / "nope")],
           capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr == f"bpfdoctor: {tmp_path / 'nope'}: not a directory\n"
