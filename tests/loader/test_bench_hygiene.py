"""bench/bench_load.py leaves nothing pinned, libbpf's by-name pins included
(issue 11 item 19)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.kernel
def test_bench_load_removes_by_name_pins(bpftool):
    names = ["/sys/fs/bpf/flows", "/sys/fs/bpf/sized"]  # LIBBPF_PIN_BY_NAME maps of maps_btf.c
    if any(os.path.lexists(p) for p in names):
        pytest.skip("a by-name pin of maps_btf.o exists already (another run?)")
    before = set(os.listdir("/sys/fs/bpf"))
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_load.py"), "-n", "1", "maps_btf"],
                         capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, PYTHONPATH=str(ROOT / "src")))
    assert out.returncode == 0, out.stderr
    left = [p for p in names if os.path.lexists(p)]
    for p in left:
        os.unlink(p)
    assert not left
    assert not {n for n in set(os.listdir("/sys/fs/bpf")) - before if n.startswith("bpfdoctor-bench")}
