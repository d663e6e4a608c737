"""Fixtures for the post-load commands (issue 15): a loaded postload_maps.o
with deterministic contents, bpftool, and cleanup of everything made."""

from __future__ import annotations

import os
import random
import struct

import pytest
from testlib import require_tool

OBJ = "postload_maps"


@pytest.fixture(scope="session")
def root_kernel(bpf_kernel):
    if os.geteuid() != 0:
        pytest.skip("post-load tests need root (CAP_SYS_ADMIN for ids, netns, cgroups)")
    return True


@pytest.fixture(scope="session")
def bpftool_path(root_kernel):
    return require_tool("bpftool")


def _record(btf, tid: int, **fields) -> bytes:
    """A struct record value with named members set (byte-aligned members only)."""
    from bpfdoctor.btf.query import member_offset, resolve_size

    buf = bytearray(resolve_size(btf, tid))
    for path, value in fields.items():
        loc = member_offset(btf, tid, path)
        off = loc.byte_offset
        if isinstance(value, bytes):
            buf[off:off + len(value)] = value
        else:
            size = resolve_size(btf, loc.type)
            buf[off:off + size] = (value & ((1 << 8 * size) - 1)).to_bytes(size, "little")
    return bytes(buf)


@pytest.fixture(scope="module")
def loaded(root_kernel, obj):
    """postload_maps.o loaded, every map filled: random bytes (a fixed seed) and
    crafted records (strings, matching enums, a null pointer)."""
    from bpfdoctor.btf import Kind
    from bpfdoctor.kernel.loader import load_object

    rng = random.Random(15)
    lo = load_object(obj(OBJ))
    try:
        btf = lo.obj.btf
        rec_t = btf.find("record", Kind.STRUCT)
        crafted = [
            _record(btf, rec_t),  # all zero: "" string, RED, (nil)
            _record(btf, rec_t, count=7, delta=-3, name=b"hello\0", color=7, big=0xFFFFFFFFF0,
                    ok=1, raw=b"ab\0d", sc=-5, ptr=0x1234),
            _record(btf, rec_t, color=-2 & 0xFFFFFFFF, big=5, name=b"x" * 12),  # no NUL: bytes
        ]
        for name, m in lo.maps.items():
            if name.endswith(".rodata") or name == "pl_big":
                continue
            keyed = m.map_type.name.endswith("ARRAY")
            for i in range(min(m.max_entries, 5)):
                key = i.to_bytes(m.key_size, "little") if keyed else rng.randbytes(m.key_size)
                if name == "pl_records":
                    value = crafted[i]
                else:
                    value = rng.randbytes(m.value_buffer_size)
                m.update(key, value)
        for i in range(0, 4096, 7):
            lo.maps["pl_big"].update(struct.pack("<I", i), struct.pack("<I", i * 3))
        yield lo
    finally:
        lo.close()
