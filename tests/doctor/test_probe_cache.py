"""The per-boot cache of feature probe results (no kernel needed: the probe is a stand-in)."""

from __future__ import annotations

import json
import os

import pytest

from bpfdoctor.doctor import probe_cache
from bpfdoctor.kernel.probes import Features, Probe


def _features(n: int = 1) -> Features:
    return Features(prog_types=(Probe("socket_filter", True), Probe("lsm", None, 1, "refused (EPERM) before verification")),
                    map_types=(Probe("hash", True), Probe("arena", False, 22)),
                    helpers={"socket_filter": ("map_lookup_elem", "ktime_get_ns")},
                    helpers_unavailable={"socket_filter": ("probe_read",)},
                    misc=(Probe("isa_v4", True),), load_count=100 + n)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    probe_cache.set_enabled(True)
    yield tmp_path / "bpfdoctor"
    probe_cache.set_enabled(True)


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> Features:
        self.calls += 1
        return _features(self.calls)


needs_boot_id = pytest.mark.skipif(not os.path.exists(probe_cache.BOOT_ID), reason="no boot id on this host")


@needs_boot_id
def test_second_call_reuses_the_answer(cache):
    probe = Counter()
    first = probe_cache.cached_features(probe, 0x61200)
    again = probe_cache.cached_features(probe, 0x61200)
    assert probe.calls == 1
    assert again == first  # every field, EPERM probes included
    assert len(list(cache.iterdir())) == 1


@needs_boot_id
def test_key_change_or_no_cache_probes_again(cache):
    probe = Counter()
    probe_cache.cached_features(probe, 0x61200)
    probe_cache.cached_features(probe, 0x61300)  # another kernel version: another key
    assert probe.calls == 2
    probe_cache.set_enabled(False)
    refreshed = probe_cache.cached_features(probe, 0x61300)
    assert probe.calls == 3 and refreshed.load_count == 103
    probe_cache.set_enabled(True)
    assert probe_cache.cached_features(probe, 0x61300).load_count == 103  # --no-cache refreshed the file
    assert probe.calls == 3


@needs_boot_id
@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong shape", "foreign owner"])
def test_bad_cache_files_are_ignored(cache, damage):
    probe = Counter()
    probe_cache.cached_features(probe, 1)
    (path,) = cache.iterdir()
    text = path.read_text()
    if damage == "garbage":
        path.write_bytes(b"\xff\x00not json")
    elif damage == "truncated":
        path.write_text(text[: len(text) // 2])
    elif damage == "wrong shape":
        data = json.loads(text)
        data["features"]["prog_types"] = [["x"]]
        path.write_text(json.dumps(data))
    else:
        if os.geteuid() != 0:
            pytest.skip("changing a file's owner needs root")
        os.chown(path, 65534, 65534)
    assert probe_cache.cached_features(probe, 1).load_count == 102
    assert probe.calls == 2


def test_no_boot_id_means_no_cache(cache, monkeypatch):
    monkeypatch.setattr(probe_cache, "BOOT_ID", "/nonexistent/boot_id")
    probe = Counter()
    probe_cache.cached_features(probe, 0)
    probe_cache.cached_features(probe, 0)
    assert probe.calls == 2
    assert not cache.exists()


@needs_boot_id
def test_nothing_learned_is_not_kept(cache):
    empty = Features(prog_types=(Probe("socket_filter", None, 1),), load_count=1)
    probe_cache.cached_features(lambda: empty, 0)
    assert not cache.exists()


@needs_boot_id
@pytest.mark.kernel
def test_check_from_cache_prints_what_probing_prints(cache, bpf_kernel):
    from tests.testlib import run_cli

    def report(*args: str) -> str:
        out = run_cli("check", "--json", *args).stdout
        data = json.loads(out)
        for f in data["findings"]:  # live numbers that move between any two runs
            if isinstance(f.get("evidence"), dict):
                f["evidence"].pop("usage", None)
        return json.dumps(data)

    probed = report("--no-cache")
    assert cache.exists()
    assert report() == probed
