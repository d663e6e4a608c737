"""MAP_CREATE failures explained (issue 11 items 2 and 9): the per-type
rules of kernel/bpf/*.c, and load reporting a refused map with its cause
instead of a bare errno."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from testlib import BUILD, run_cli  # noqa: E402

from bpfdoctor.elf.map_rules import MapShape, map_create_problems  # noqa: E402


def _fields(shape: MapShape) -> dict[str, str]:
    return {f.evidence["field"]: f.fix for f in map_create_problems(shape)}


def test_lpm_trie_needs_no_prealloc():
    got = _fields(MapShape("allow", 11, 8, 4, 256, 0))
    assert list(got) == ["map_flags"] and "BPF_F_NO_PREALLOC" in got["map_flags"]
    assert _fields(MapShape("allow", 11, 8, 4, 256, 1)) == {}


def test_perf_event_array_value_size():
    got = _fields(MapShape("events", 4, 4, 0, 2))
    assert list(got) == ["value_size"] and "value_size = 4" in got["value_size"]


def test_ringbuf_size_names_the_value_to_use():
    got = _fields(MapShape("rb", 27, 0, 0, 5000))
    assert list(got) == ["max_entries"] and "max_entries = 8192" in got["max_entries"]
    assert _fields(MapShape("rb", 27, 0, 0, 256 * 1024)) == {}


def test_local_storage_rules():
    got = _fields(MapShape("st", 32, 4, 8, 16, 0, btf_key_type_id=1, btf_value_type_id=2))
    assert set(got) == {"map_flags", "max_entries"}


def test_a_valid_hash_has_no_problem():
    assert _fields(MapShape("h", 1, 4, 8, 1024)) == {}
    assert "max_entries" in _fields(MapShape("h", 1, 4, 8, 0))


def test_enomem_fix_matches_the_cgroup_version():
    from bpfdoctor.doctor.eperm import memcg_fix
    from bpfdoctor.host.cgroup import MemoryCgroup

    v1 = MemoryCgroup(1, "/svc", "/sys/fs/cgroup/memory/svc", 1 << 20, "/svc", 1 << 20)
    v2 = MemoryCgroup(2, "/svc", "/sys/fs/cgroup/svc", 1 << 20, "/svc", 1 << 20)
    assert "memory.limit_in_bytes" in memcg_fix(v1) and "memory.max" not in memcg_fix(v1)
    assert "memory.max" in memcg_fix(v2)


@pytest.mark.kernel
def test_load_names_the_map_rule_the_kernel_enforced(bpf_kernel):
    r = run_cli("load", str(BUILD / "load_badmap.o"), "--json")
    assert r.exit_code == 1, r.stderr
    d = json.loads(r.stdout)
    e = d["map_error"]
    assert (e["name"], e["errno_name"]) == ("allow", "EINVAL")
    assert e["diagnosis"][0]["evidence"]["field"] == "map_flags"
    assert d["programs"][0]["status"] == "error"
    text = run_cli("--no-color", "load", str(BUILD / "load_badmap.o"))
    assert "BPF_F_NO_PREALLOC" in text.stdout and text.exit_code == 1


@pytest.mark.kernel
def test_load_without_privilege_reports_json_and_one_cause(bpf_kernel):
    if os.geteuid() != 0 or shutil.which("capsh") is None:
        pytest.skip("needs root and capsh (libcap2-bin) to drop capabilities")
    drop = "--drop=cap_bpf,cap_sys_admin,cap_perfmon,cap_net_admin"
    src = str(Path(__file__).resolve().parents[2] / "src")
    out = subprocess.run(["capsh", drop, "--", "-c", 'exec "$0" "$@"', sys.executable, "-m", "bpfdoctor",
                          "load", str(BUILD / "multi_prog.o"), "--json"], capture_output=True, text=True,
                         timeout=120, env=dict(os.environ, PYTHONPATH=src))
    assert out.returncode == 1, out.stderr
    d = json.loads(out.stdout)
    e = d["map_error"]
    assert e["errno_name"] == "EPERM"
    fails = [f for f in e["diagnosis"] if f["severity"] == "fail"]
    assert len(fails) == 1 and fails[0]["id"] in ("eperm-unprivileged-disabled", "eperm-capability")
    assert not any("RLIMIT_MEMLOCK" in f["summary"] and f["severity"] == "fail" for f in e["diagnosis"])
    assert d["btf"]["sanitized"] == []  # feature probes got EPERM: nothing to report as rewritten


def test_user_ringbuf_size_adjusted_like_libbpf():
    """libbpf.c adjust_ringbuf_sz applies to both ring buffer types."""
    from bpfdoctor.kernel.loader.mapcreate import runtime_shape
    from bpfdoctor.kernel.loader.mapplan import MapPlan

    for t in (27, 31):
        plan = MapPlan("rb", "rb", "btf", t, 0, 0, 5000)
        assert runtime_shape(plan).max_entries == 8192


def test_ringbuf_size_as_libbpf_rounds_it():
    """libbpf.c adjust_ringbuf_sz: 0 stays 0 (the kernel then refuses it), a
    power-of-2 number of pages passes through, anything else rounds up."""
    from bpfdoctor.elf.map_rules import ringbuf_size

    assert [ringbuf_size(n) for n in (0, 1, 4096, 5000, 3 * 4096, 256 * 1024)] == \
        [0, 4096, 4096, 8192, 16384, 256 * 1024]
    assert ringbuf_size(5000, page=16384) == 16384
    assert ringbuf_size((1 << 31) + 1) == (1 << 31) + 1  # rounding would overflow u32 max_entries


def test_map_rules_are_pure():
    """compat uses the rules offline: importing them loads no kernel code."""
    code = ("import sys, bpfdoctor.elf.map_rules, bpfdoctor.compat.check; "
            "print(sorted(m for m in sys.modules if m.startswith(('bpfdoctor.kernel', 'bpfdoctor.host', "
            "'ctypes'))))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src")))
    assert r.stdout.strip() == "[]"
