"""libbpf conventions real objects rely on (issue 11): '?' sections, pins
under libbpf's names, maps-only objects, hidden global subprograms, map
definitions without max_entries, legacy maps of different sizes."""

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

from .conftest import pinned_prog_id, xlated  # noqa: E402


# -- pure ---------------------------------------------------------------------------

def test_question_mark_section_has_the_type_and_no_autoload():
    from bpfdoctor.elf import open_object

    obj = open_object(BUILD / "load_optional.o")
    by = {p.name: p for p in obj.programs}
    assert by["xdp_optional"].prog_type == "XDP" and by["tc_optional"].prog_type == "SCHED_CLS"
    assert not by["xdp_optional"].autoload and by["xdp_always"].autoload


def test_hidden_global_subprogram_becomes_static_in_btf():
    from bpfdoctor.btf.kinds import Kind
    from bpfdoctor.elf import open_object
    from bpfdoctor.kernel.loader import btfprep

    obj = open_object(BUILD / "load_libbpf_conv.o")
    raw, _ = btfprep.prepare(obj.btf, obj.elf, btfprep.BtfFeatures(), {}, 0)
    tid = raw.find("read_arg", Kind.FUNC)
    assert tid and raw.vlen(tid) == btfprep.FUNC_STATIC
    assert raw.vlen(raw.find("xdp_main", Kind.FUNC)) == btfprep.FUNC_GLOBAL


def test_legacy_maps_split_by_symbol_size():
    from bpfdoctor.elf import open_object

    maps = {m.name: m for m in open_object(BUILD / "legacy_mixed.o").maps}
    assert (maps["small_hash"].max_entries, maps["small_hash"].flags) == (128, 1)
    assert (maps["big_array"].type, maps["big_array"].max_entries, maps["big_array"].numa_node) == (2, 16, 0)
    assert (maps["last_hash"].type, maps["last_hash"].max_entries) == (1, 8)


def test_elf_info_json_on_mixed_legacy_maps_is_json_with_every_field_in_the_fix():
    r = run_cli("elf", "info", "--json", str(BUILD / "legacy_mixed.o"))
    assert r.exit_code == 1, r.stderr
    d = json.loads(r.stdout)
    fix = next(f for f in d["findings"] if f["id"] == "legacy-maps-section")["fix"]
    # every legacy map, with its flags (BPF_F_NO_PREALLOC must not disappear)
    assert "__uint(map_flags, BPF_F_NO_PREALLOC);\n} small_hash" in fix
    assert "} big_array" in fix and "} last_hash" in fix


def test_elf_info_and_load_spell_program_types_alike():
    d = json.loads(run_cli("elf", "info", "--json", str(BUILD / "load_optional.o")).stdout)
    assert {p["name"]: p["type"] for p in d["programs"]} == {
        "xdp_always": "xdp", "xdp_optional": "xdp", "tc_optional": "sched_cls"}


def test_lint_flag_names():
    from bpfdoctor.elf.lint import map_flags_expr

    assert map_flags_expr(0x5) == "BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE"
    assert map_flags_expr(1 << 30) == hex(1 << 30)


def test_memlock_no_prealloc_hash_charges_buckets_only():
    from bpfdoctor.doctor.map_memory import map_memory

    pre = map_memory("h", 1, 4, 8, 1024, 0, cpus=2)
    lazy = map_memory("h", 1, 4, 8, 1024, 1, cpus=2)
    assert lazy.cost == 1024 * 16  # struct bucket per bucket, no element
    assert pre.cost > lazy.cost and "inserted" not in pre.note and "on insert" in lazy.note
    # LRU maps always preallocate (the kernel refuses the flag for them)
    assert map_memory("l", 9, 4, 8, 1024, 1, cpus=2).cost == map_memory("l", 9, 4, 8, 1024, 0, cpus=2).cost


def test_cgrp_storage_needs_no_max_entries():
    from bpfdoctor.elf import open_object
    from bpfdoctor.kernel.loader.mapplan import btf_plans

    plan = next(p for p in btf_plans(open_object(BUILD / "load_libbpf_conv.o")) if p.name == "cgrp_counts")
    assert (plan.map_type, plan.max_entries) == (32, 0)


# -- kernel -------------------------------------------------------------------------


@pytest.mark.kernel
def test_hidden_subprogram_loads_like_libbpf(kernel):
    from bpfdoctor.kernel.loader import load_object

    with load_object(BUILD / "load_libbpf_conv.o") as lo:
        r = lo.result("xdp_main")
        assert r.ok, (r.errno_name, r.message)
        assert {m.name for m in lo.map_results} == {"cgrp_counts", ".bss", ".data", ".kconfig"}


@pytest.mark.kernel
def test_optional_programs_skipped_by_default_and_loaded_by_name(kernel):
    r = run_cli("load", str(BUILD / "load_optional.o"), "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert [p["name"] for p in d["programs"]] == ["xdp_always"]
    assert any("--program xdp_optional" in n for n in d["notes"])
    r = run_cli("load", str(BUILD / "load_optional.o"), "--program", "tc_optional", "--json")
    assert r.exit_code == 0, r.output
    p = json.loads(r.stdout)["programs"][0]
    assert (p["name"], p["status"], p["type"]) == ("tc_optional", "loaded", "sched_cls")


@pytest.mark.kernel
def test_maps_only_object_creates_and_reports_its_maps(kernel):
    r = run_cli("load", str(BUILD / "maps_only.o"), "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["programs"] == [] and {m["name"] for m in d["maps"]} == {"shared_counts", ".data"}
    r = run_cli("--no-color", "load", str(BUILD / "maps_only.o"))
    assert "no programs to load, 2 maps created" in r.stdout


@pytest.mark.kernel
def test_pin_global_data_under_libbpf_names(kernel, bpftool, pin_root):
    """--pin on an object with .bss/.data: maps pinned as libbpf's
    bpf_object__pin_maps names them (dots made underscores), which is what
    bpftool prog loadall ... pinmaps makes of the same object."""
    ref = pin_root + "-ref"
    try:
        r = run_cli("load", str(BUILD / "load_libbpf_conv.o"), "--pin", pin_root, "--json")
        assert r.exit_code == 0, r.output
        out = subprocess.run(["bpftool", "prog", "loadall", str(BUILD / "load_libbpf_conv.o"), ref,
                              "pinmaps", ref + "/maps"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert sorted(os.listdir(pin_root + "/maps")) == sorted(os.listdir(ref + "/maps")) \
            == ["cgrp_counts", "load_li_kconfig", "load_lib_bss", "load_lib_data"]
        assert os.listdir(pin_root) and sorted(os.listdir(pin_root)) == sorted(os.listdir(ref))
        assert xlated(pinned_prog_id(pin_root + "/xdp_main")) == xlated(pinned_prog_id(ref + "/xdp_main"))
    finally:
        shutil.rmtree(ref, ignore_errors=True)


@pytest.mark.kernel
def test_readme_python_pin_example(kernel, pin_root):
    from bpfdoctor.kernel.loader import load_object

    with load_object(BUILD / "multi_prog.o") as lo:
        lo.pin(pin_root)
    assert "multi_pr_bss" in os.listdir(pin_root + "/maps")
    assert "xdp_count" in os.listdir(pin_root)
