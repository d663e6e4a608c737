"""Map memory formulas (v5.10 rlimit-era charges) and the memlock verdict."""

from __future__ import annotations

from dataclasses import dataclass

from bpfdoctor.doctor.map_memory import PAGE_SIZE, map_memory
from bpfdoctor.doctor.memlock_report import memlock_report
from bpfdoctor.kernel.enums import MapType
from .fakeroot_loader import build_tree


@dataclass(frozen=True)
class Spec:  # the shape of bpfdoctor.elf MapSpec that memlock reads
    name: str
    type: int
    key_size: int
    value_size: int
    max_entries: int
    flags: int = 0
    source: str = "btf"


def test_array_cost_is_header_plus_rounded_values():
    m = map_memory("a", MapType.ARRAY, 4, 5, 1000)
    assert m.cost == 320 + 1000 * 8 and m.charged == 3 * PAGE_SIZE


def test_percpu_array_scales_with_cpus():
    one, four = (map_memory("a", MapType.PERCPU_ARRAY, 4, 8, 100, cpus=c).cost for c in (1, 4))
    assert four - one == 100 * 8 * 3


def test_hash_rounds_buckets_to_power_of_two_and_adds_extra_elems():
    m = map_memory("h", MapType.HASH, 4, 8, 1000, cpus=2)
    elem = 48 + 8 + 8
    assert m.cost == 1024 * 16 + elem * 1000 + elem * 2


def test_lru_no_common_lru_rounds_entries_to_cpus():
    a = map_memory("l", MapType.LRU_HASH, 4, 8, 10, flags=0x2, cpus=4)
    b = map_memory("l", MapType.LRU_HASH, 4, 8, 12, flags=0, cpus=4)
    assert a.cost == b.cost  # 10 entries become 12 with per-CPU LRU lists


def test_ringbuf_and_storage_maps():
    assert map_memory("r", MapType.RINGBUF, 0, 0, 1 << 20).cost > 1 << 20
    s = map_memory("s", MapType.SK_STORAGE, 4, 8, 0)
    assert "charged per socket" in s.note
    u = map_memory("x", 250, 4, 4, 1)
    assert u.cost == 0 and "no formula" in u.note


def test_object_over_a_64k_rlimit_fails(tmp_path):
    root = build_tree(tmp_path, {"release": "5.4.0", "memlock": (65536, 65536)})
    specs = [Spec("events", MapType.HASH, 4, 64, 10240), Spec("counts", MapType.ARRAY, 4, 8, 16)]
    r = memlock_report(root=str(root), specs=specs, probe=False)
    assert r.accounting.mode == "rlimit"
    verdict = r.to_dict()
    assert verdict["maps"][0]["name"] == "events" and verdict["total"] == sum(m.charged for m in r.maps)
    assert r.findings[-1].id == "memlock-object-fits" and r.findings[-1].severity.value == "fail"
    assert r.exit_code == 2


def test_object_under_memcg_fits_unless_cgroup_is_full(tmp_path):
    specs = [Spec("big", MapType.ARRAY, 4, 4096, 8192)]  # 32 MiB
    roomy = memlock_report(root=str(build_tree(tmp_path / "a")), specs=specs, probe=False)
    assert roomy.findings[-1].severity.value == "ok"
    tight = build_tree(tmp_path / "b", {"cgroup": {"version": 2, "path": "/x", "limit": 40 << 20,
                                                   "usage": 30 << 20}})
    r = memlock_report(root=str(tight), specs=specs, probe=False)
    assert r.findings[-1].severity.value == "fail" and "ENOMEM" in r.findings[-1].summary
