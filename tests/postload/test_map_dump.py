"""``bpfdoctor map list`` / ``map dump`` against ``bpftool`` on the same maps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from testlib import run_cli  # noqa: E402

pytestmark = [pytest.mark.kernel]

MAPS = ("pl_records", "pl_hash", "pl_pcpu", "pl_pcpu_hash", "pl_lru", "pl_lru_pcpu", "pl_nobtf",
        "pl_big", ".data", ".rodata", ".bss")


def _id(lo, name: str) -> int:
    return next(m.id for m in lo.map_results if m.name == name or m.name.endswith(name))


def _bpftool(*args: str, check: bool = True) -> str:
    out = subprocess.run(["bpftool", *args], capture_output=True, text=True, check=check)
    return out.stdout


@pytest.mark.tools
@pytest.mark.parametrize("name", MAPS)
def test_dump_text_identical_to_bpftool(loaded, bpftool_path, name):
    map_id = str(_id(loaded, name))
    ours = run_cli("map", "dump", "id", map_id, "--limit", "0")
    assert ours.exit_code == 0, ours.stderr
    assert ours.stdout == _bpftool("map", "dump", "id", map_id)


@pytest.mark.tools
@pytest.mark.parametrize("name", MAPS)
def test_dump_json_same_content_as_bpftool(loaded, bpftool_path, name):
    map_id = str(_id(loaded, name))
    ours = run_cli("map", "dump", "id", map_id, "--json", "--limit", "0")
    assert ours.exit_code == 0, ours.stderr
    assert json.loads(ours.stdout) == json.loads(_bpftool("-j", "map", "dump", "id", map_id))


@pytest.mark.tools
@pytest.mark.parametrize("name", MAPS)
def test_dump_json_identical_to_bpftool(loaded, bpftool_path, name):
    """Byte for byte: bpftool's json_writer layout and escapes, not only the same content."""
    map_id = str(_id(loaded, name))
    ours = run_cli("map", "dump", "id", map_id, "--json", "--limit", "0")
    assert ours.stdout == _bpftool("-j", "map", "dump", "id", map_id)


@pytest.mark.tools
def test_list_identical_to_bpftool(loaded, bpftool_path):
    for name in MAPS:
        map_id = str(_id(loaded, name))
        ours = run_cli("map", "list", "id", map_id, "--no-pids")
        assert ours.stdout == _bpftool("-f", "map", "show", "id", map_id)
        ours_j = run_cli("map", "list", "id", map_id, "--no-pids", "--json")
        assert json.loads(ours_j.stdout) == json.loads(_bpftool("-j", "-f", "map", "show", "id", map_id))


def test_crafted_values_pretty_printed(loaded):
    out = json.loads(run_cli("map", "dump", "name", "pl_records", "--json").stdout)
    vals = [e["formatted"]["value"] for e in out]
    assert vals[0]["name"] == "" and vals[0]["color"] == "RED" and vals[0]["ptr"] == 0
    assert vals[1]["name"] == "hello" and vals[1]["color"] == "BLUE" and vals[1]["big"] == "HUGE"
    assert vals[1]["ok"] is True and vals[1]["sc"] == -5 and vals[1]["delta"] == -3
    assert vals[2]["color"] == "NEG" and vals[2]["big"] == 5
    assert vals[2]["name"] == [120] * 12  # no NUL: not a string, element by element
    text = run_cli("map", "dump", "name", "pl_records").stdout
    assert '"ptr": (nil)' in text and '"ptr": 0x1234' in text


def test_percpu_values_per_cpu(loaded):
    from bpfdoctor.host.cpus import possible_cpus

    out = json.loads(run_cli("map", "dump", "name", "pl_pcpu", "--json").stdout)
    assert len(out) == 2
    assert [v["cpu"] for v in out[0]["formatted"]["values"]] == list(range(possible_cpus()))


def test_limit_bounds_huge_map(loaded):
    r = run_cli("map", "dump", "name", "pl_big", "--limit", "3", "--json")
    assert r.exit_code == 0
    assert len(json.loads(r.stdout)) == 3
    assert "stopped after 3 entries" in r.stderr


def test_pinned_selector_and_cleanup(loaded):
    from bpfdoctor.kernel import objects

    path = f"/sys/fs/bpf/h15-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    objects.pin(loaded.maps["pl_lru"], path)
    try:
        by_pin = run_cli("map", "dump", "pinned", path, "--json")
        by_id = run_cli("map", "dump", "id", str(_id(loaded, "pl_lru")), "--json")
        assert by_pin.exit_code == 0 and by_pin.stdout == by_id.stdout
        listed = run_cli("map", "list", "pinned", path, "--no-pids")
        assert f"\tpinned {path}" in listed.stdout
    finally:
        os.unlink(path)


@pytest.mark.parametrize("args, message", [
    (("map", "dump", "id", "4294967295"), "no map with id 4294967295"),
    (("map", "dump", "name", "no_such_map_x"), "no map is named 'no_such_map_x'"),
    (("map", "dump", "tag", "x"), "unknown map selector 'tag'"),
    (("map", "dump", "pinned", "/sys/fs/bpf/h15-nothing-here"), "cannot open pinned object: no such file"),
    (("map", "dump", "pinned", "/etc/hostname"), "not a pinned BPF object"),
    (("map", "dump", "id", "x1"), "bad map id"),
])
def test_bad_selectors_one_line_errors(root_kernel, args, message):
    r = run_cli(*args)
    assert r.exit_code == 2
    assert r.stdout == ""
    first, *rest = r.stderr.splitlines()
    assert first.startswith("bpfdoctor: ") and message in first
    assert "Traceback" not in r.stderr


@pytest.mark.tools
@pytest.mark.parametrize("name", ["pl_hash", "pl_nobtf"])
def test_name_matching_several_maps_as_bpftool(loaded, bpftool_path, obj, name):
    """A second copy of the object: ``name`` selects two maps (BTF: one root
    array with headers; no BTF: plain headers and a blank line between)."""
    from bpfdoctor.kernel.loader import load_object

    with load_object(obj("postload_maps")):
        ours = run_cli("map", "dump", "name", name)
        ref = _bpftool("map", "dump", "name", name)
        ours_j = run_cli("map", "dump", "name", name, "--json")
        ref_j = _bpftool("-j", "map", "dump", "name", name)
    others = {m.id for m in loaded.map_results}
    if len(json.loads(ref_j)) != 2 or not others:
        pytest.skip("another process has maps of the same name")
    assert ours.stdout == ref
    assert ours_j.stdout == ref_j


@pytest.mark.tools
def test_other_fixture_maps_and_keyless_maps_as_bpftool(root_kernel, bpftool_path, obj):
    """maps_btf.o (map of maps, prog array, ring buffer, per-CPU without BTF,
    LRU) and keyless queue/stack maps: the same text and JSON as bpftool."""
    from bpfdoctor.kernel.enums import MapType
    from bpfdoctor.kernel.info import map_info
    from bpfdoctor.kernel.loader import load_object
    from bpfdoctor.kernel.maps import create_map

    with load_object(obj("maps_btf")) as lo, create_map(MapType.QUEUE, 0, 4, 8, name="h15_queue") as q, \
            create_map(MapType.STACK, 0, 8, 8, name="h15_stack") as st:
        ids = [m.id for m in lo.map_results] + [map_info(q).id, map_info(st).id]
        for map_id in map(str, ids):
            # bpftool exits non-zero after printing a ring buffer's (empty) dump
            assert run_cli("map", "dump", "id", map_id).stdout == _bpftool("map", "dump", "id", map_id,
                                                                           check=False), map_id
            assert run_cli("map", "dump", "id", map_id, "--json").stdout == \
                _bpftool("-j", "map", "dump", "id", map_id, check=False), map_id
            assert run_cli("map", "list", "id", map_id, "--no-pids").stdout == \
                _bpftool("-f", "map", "show", "id", map_id), map_id
