"""compat against three released Debian kernels (6.1 old and new, 6.12),
their BTF extracted from the packaged vmlinuz by bpfdoctor itself.

The extraction is checked against bpftool reading the same BTF; the
verdicts against facts of those kernels: bpf_rcu_read_lock() is a kfunc
since 6.2, -mcpu=v4 instructions need 6.6, and Debian builds with
CONFIG_CPUMASK_OFFSTACK=y, so struct housekeeping's cpumask_var_t elements
are pointers there, not the struct cpumask the fixture expects."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bpfdoctor.btf import parse_btf
from bpfdoctor.btf.writer import write_btf
from bpfdoctor.compat import compat_report
from bpfdoctor.compat.targets import Target, load_target, read_config
from bpfdoctor.elf import open_object


@pytest.fixture(scope="module")
def targets(debian_targets):
    out = []
    for release, btf, cfg in debian_targets:
        t = load_target(btf, config_path=cfg, release=release)
        out.append(t)
    return out


def _by_series(targets, prefix):
    got = [t for t in targets if t.release.startswith(prefix)]
    if not got:
        pytest.skip(f"no {prefix} kernel among {[t.release for t in targets]}")
    return got


def test_three_releases(targets):
    assert len({t.release for t in targets}) >= 3
    for t in targets:
        assert t.btf.type_count > 50_000 and t.config and t.config.get("BPF_SYSCALL") == "y"


def test_extracted_btf_reads_like_bpftool_and_round_trips(debian_targets, targets):
    bpftool = shutil.which("bpftool")
    for (release, path, _), t in zip(debian_targets, targets):
        raw = open(path, "rb").read()
        assert write_btf(t.btf) == raw
        if bpftool:
            r = subprocess.run([bpftool, "btf", "dump", "file", path], capture_output=True, text=True, timeout=300)
            assert r.returncode == 0, r.stderr
            last = [line for line in r.stdout.splitlines() if line.startswith("[")][-1]
            assert last.startswith(f"[{t.btf.type_count - 1}] "), (release, last[:80])


def test_kfunc_by_release(targets, fixture_obj):
    obj = open_object(fixture_obj("load_kfunc"))
    rep = compat_report(obj, targets)
    for t in targets:
        cell = rep.cell("kfunc_rcu", t.name)
        if t.version < (6, 2):
            assert cell.status == "fail" and cell.first_problem.subject == "bpf_rcu_read_lock"
        else:
            assert cell.status in ("ok", "info"), cell.first_problem


def test_isa_v4_by_release(targets, fixture_obj):
    rep = compat_report(open_object(fixture_obj("isa_v4")), targets)
    for t in targets:
        isa = next(r for r in rep.cell("v4_ops", t.name).requirements if r.kind == "isa")
        assert isa.status == ("fail" if t.version < (6, 6) else "ok"), (t.release, isa)


def test_core_arrays_matrix(targets, fixture_obj):
    rep = compat_report(open_object(fixture_obj("core_arrays")), targets)
    for t in targets:
        assert rep.cell("eth_dest", t.name).status in ("ok", "info")
        assert rep.cell("sys_enter", t.name).status in ("ok", "info")
        nested = rep.cell("nested", t.name)
        hk = next(r for r in nested.requirements if "housekeeping.cpumasks" in r.subject)
        offstack = t.config.get("CPUMASK_OFFSTACK") == "y"
        assert hk.status == ("fail" if offstack else "ok"), (t.release, hk)
        assert nested.status == ("fail" if offstack else nested.status)


def test_core_offsets_differ_between_releases(targets, fixture_obj):
    """The same access resolves to each kernel's own offset."""
    rep = compat_report(open_object(fixture_obj("core")), targets)
    offs = {}
    for t in targets:
        r = next(r for r in rep.cell("on_exec", t.name).requirements
                 if r.kind == "core" and r.subject == "byte_off struct task_struct.pid")
        offs[t.release] = int(r.evidence.split(" ", 1)[0].rstrip(":"))
    assert len(set(offs.values())) >= 2, offs


def test_config_from_the_package(targets, fixture_obj):
    rep = compat_report(open_object(fixture_obj("multi_prog")), targets)
    for t in targets:
        kp = rep.cell("kp_unlink", t.name)
        assert any(r.kind == "config" and r.subject == "CONFIG_KPROBES" and r.status == "ok"
                   for r in kp.requirements)


@pytest.mark.parametrize("name", ["core", "core_arrays", "btf_kinds"])
def test_min_btf_equals_bpftool_on_debian(debian_targets, targets, fixture_obj, tmp_path, name):
    from bpfdoctor.compat.minbtf import minimal_btf

    if not shutil.which("bpftool"):
        pytest.skip("bpftool is not installed")
    path = fixture_obj(name)
    for (release, btf_path, _), t in zip(debian_targets, targets):
        ref = tmp_path / f"{release}.btf"
        r = subprocess.run(["bpftool", "gen", "min_core_btf", btf_path, str(ref), str(path)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"bpftool gen min_core_btf failed: {r.stderr.strip()[-200:]}")
        assert minimal_btf(open_object(path), t.btf) == ref.read_bytes(), release
