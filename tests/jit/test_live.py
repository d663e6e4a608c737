"""Live images: JIT programs on this kernel, then compare with objdump.

Each program is loaded and pinned with bpftool, its JITed bytes are read
(tests/jit/data/dump_jited.py), and the pin is removed in every case; the
test then checks that the program is gone.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
from .conftest import DATA
from .objdump_ref import objdump_insns, our_insns

from bpfdoctor.jit.disasm import format_listing
from bpfdoctor.jit.logformat import format_kernel_log
from bpfdoctor.jit.logparse import parse_log

SOURCES = sorted((DATA / "src").glob("*.c"))


def _need(tool):
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed")
    return path


def _load_and_dump(src, tmp_path):
    clang, bpftool = _need("clang-19"), _need("bpftool")
    if os.geteuid() != 0 or os.uname().machine != "x86_64":
        pytest.skip("needs root on x86-64 to load programs")
    obj = tmp_path / (src.stem + ".o")
    inc = f"/usr/include/{os.uname().machine}-linux-gnu"
    subprocess.run([clang, "-O2", "-g", "-target", "bpf", "-mcpu=v3", f"-I{inc}", "-c", str(src), "-o", str(obj)],
                   check=True)
    pin = f"/sys/fs/bpf/bpfdoctor_test_jit_{src.stem}_{os.getpid()}"
    load = subprocess.run([bpftool, "prog", "load", str(obj), pin], capture_output=True, text=True)
    if load.returncode != 0:
        pytest.skip(f"the kernel refused to load {src.name}: {load.stderr.strip()[-200:]}")
    try:
        show = json.loads(subprocess.run([bpftool, "--json", "prog", "show", "pinned", pin],
                                         capture_output=True, text=True, check=True).stdout)
        out = tmp_path / (src.stem + ".bin")
        meta = json.loads(subprocess.run([sys.executable, str(DATA / "dump_jited.py"), pin, str(out)],
                                         capture_output=True, text=True, check=True).stdout)
    finally:
        os.unlink(pin)
    gone = subprocess.run([bpftool, "prog", "show", "id", str(show["id"])], capture_output=True, text=True)
    assert gone.returncode != 0, f"program {show['id']} is still loaded"
    return out, meta


@pytest.mark.kernel
@pytest.mark.tools
@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_live_image_matches_objdump_and_round_trips(src, tmp_path, objdump):
    path, meta = _load_and_dump(src, tmp_path)
    data = path.read_bytes()
    assert len(data) == meta["proglen"] and sum(meta["func_lens"]) == len(data)
    for syntax in ("att", "intel"):
        want = objdump_insns(objdump, path, syntax)
        assert our_insns(format_listing(data, "x86_64", syntax)) == want
    text = format_kernel_log(data, flen=meta["flen"], passes=3, image_ptr="ffffffffc0001000",
                             comm=meta["name"][:15], pid=os.getpid())
    (d,) = parse_log(text).dumps
    assert d.data == data and d.complete and d.flen == meta["flen"]
