"""The loader's vmlinux BTF with a per-boot cached index answers what Btf answers."""

from __future__ import annotations

import os

import pytest

from bpfdoctor.btf import parse_btf
from bpfdoctor.elf import open_object
from bpfdoctor.host import cache as host_cache
from bpfdoctor.kernel.loader import btfindex

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = os.path.join(ROOT, "tests", "bpf", "build", "btf_kinds.o")


@pytest.fixture
def blob():
    if not os.path.exists(FIXTURE):
        pytest.skip("fixture btf_kinds.o is not built")
    obj = open_object(FIXTURE)
    return bytes(obj.section_data(".BTF"))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if host_cache.boot_id() is None:
        pytest.skip("no boot id on this host")
    return tmp_path / "bpfdoctor"


def _all_queries(btf):
    names = {btf.name(t) for t in range(1, btf.type_count)} | {"nope", "int", "s", "", "a\0b", "\udcff"}
    for name in sorted(names):
        for prefix in (False, True):
            for kind in (None, 1, 4, 13, 14):
                yield name, kind, prefix


def test_same_answers_built_and_cached(blob, cache):
    plain = parse_btf(blob)
    built = btfindex.load_vmlinux(blob, "x")
    assert [p.name for p in cache.iterdir()][0].startswith("vmlinux3-")
    cached = btfindex.load_vmlinux(blob, "x")
    assert cached._given is not None  # from the file
    assert list(cached.starts) == list(plain.starts) and cached.type_count == plain.type_count
    for name, kind, prefix in _all_queries(plain):
        want = plain.find_ids(name, kind, prefix=prefix)
        assert built.find_ids(name, kind, prefix=prefix) == want
        assert cached.find_ids(name, kind, prefix=prefix) == want


@pytest.mark.parametrize("damage", ["flip", "truncate", "other btf"])
def test_damaged_index_is_rebuilt(blob, cache, damage):
    btfindex.load_vmlinux(blob, "x")
    (path,) = cache.iterdir()
    raw = bytearray(path.read_bytes())
    if damage == "flip":
        raw[-5] ^= 0xFF
    elif damage == "truncate":
        raw = raw[:-4]
    else:  # the same file name for different BTF bytes cannot be used
        other = bytearray(blob)
        other[-2] ^= 1  # inside the string section
        raw[8:24] = btfindex._key(bytes(other), "x")
    path.write_bytes(bytes(raw))
    again = btfindex.load_vmlinux(blob, "x")
    assert again._given is None  # rebuilt, and the file rewritten
    assert btfindex.load_vmlinux(blob, "x")._given is not None


def test_names_that_do_not_start_a_string(cache):
    """A name_off inside a string ("bar" of "foo_bar") is never found by
    Btf.find_ids (it searches string starts); the index agrees."""
    from bpfdoctor.kernel.loader.env import _btf_blob, _info

    strings = b"\0foo_bar\0int\0"
    types = [5, _info(1), 4, (1 << 24) | 32,   # [1] "bar" (inside "foo_bar")
             9, _info(1), 4, 32,               # [2] "int"
             1, _info(8), 2]                   # [3] typedef "foo_bar" -> int
    blob = _btf_blob(types, strings)
    plain = parse_btf(blob)
    for idx in (btfindex.load_vmlinux(blob, "x"), btfindex.load_vmlinux(blob, "x")):
        for name, kind, prefix in _all_queries(plain):
            assert idx.find_ids(name, kind, prefix=prefix) == plain.find_ids(name, kind, prefix=prefix), name
    assert plain.find_ids("bar") == [] and plain.find_ids("foo", prefix=True) == [3]


def test_running_kernel_key_is_its_size():
    """The running kernel's BTF cannot change before the next boot (which names
    the file): it is not hashed; any other file is."""
    assert btfindex._key(b"abc", btfindex.SYSFS_VMLINUX) == btfindex._key(b"xyz", btfindex.SYSFS_VMLINUX)
    assert btfindex._key(b"abc", "x") != btfindex._key(b"xyz", "x")
    assert btfindex._key(b"abc", "x") != btfindex._key(b"abc", btfindex.SYSFS_VMLINUX)


def test_earlier_format_files_of_earlier_boots_are_removed(blob, cache):
    cache.mkdir(parents=True)
    boot = host_cache.boot_id()
    (cache / "vmlinux-00000000-0000-0000-0000-000000000000-ab.idx").write_bytes(b"old boot")
    (cache / f"vmlinux-{boot}-ab.idx").write_bytes(b"this boot, an earlier bpfdoctor's")
    btfindex.load_vmlinux(blob, "x")
    assert sorted(p.name.split("-")[0] for p in cache.iterdir()) == ["vmlinux", "vmlinux3"]
    assert (cache / f"vmlinux-{boot}-ab.idx").exists()
