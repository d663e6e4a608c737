"""compat against the running kernel, checked against reality.

- Every fixture program compat says loads here loads with bpfdoctor's loader,
  and every one it says fails to load is rejected, for the reason it gave.
- The minimal BTF is byte for byte what ``bpftool gen min_core_btf`` writes,
  and ``load --btf`` of it applies the relocations from it: the values compat
  predicted, including from a variant with a moved field; a variant missing a
  field makes the program fail to load with the poison compat announced.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bpfdoctor.btf import parse_btf
from bpfdoctor.btf.kinds import Kind
from bpfdoctor.compat import compat_report
from bpfdoctor.compat.minbtf import minimal_btf
from bpfdoctor.compat.targets import Target
from bpfdoctor.elf import open_object

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from testlib import BUILD  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

# Objects compat is not expected to judge: rejections by the verifier's own
# reasoning (out-of-bounds reads, unknown opcodes), which need the verifier.
_VERIFIER_REJECTS = {"load_reject.o", "isa_all.o"}
OBJECTS = sorted(p for p in BUILD.glob("*.o") if ".bpfeb" not in p.name and p.name != "large.o"
                 and p.name.split(".")[0] + ".o" not in _VERIFIER_REJECTS
                 and not p.name.startswith("xdp_ddos01"))


@pytest.fixture(scope="module")
def running(running_btf):
    """The running kernel as the CLI builds it (release, config, kallsyms)."""
    from bpfdoctor.host.compat_target import running_target

    return running_target()


@pytest.mark.kernel
@pytest.mark.parametrize("path", OBJECTS, ids=lambda p: p.name)
def test_verdict_matches_the_load(bpf_kernel, running, path):
    from bpfdoctor.kernel.loader import load_object

    obj = open_object(path)
    rep = compat_report(obj, [running])
    with load_object(str(path)) as lo:
        got = {r.name: (r.status, r.errno) for r in lo.results}
    for name, section, _ in rep.programs:
        if section.startswith("?") and name not in got:
            continue  # libbpf does not autoload "?" sections; compat still judges them
        cell = rep.cell(name, running.name)
        status, err = got[name]
        if cell.loads and err == 1:
            continue  # EPERM: this host's policy (lockdown, an LSM), not what the kernel has
        if cell.loads:
            assert status == "loaded", (name, status, err, cell.first_problem)
        else:
            assert status != "loaded", (name, cell.first_problem)
            why = next(r for r in cell.requirements if r.status == "fail" and r.stage == "load")
            if why.subject == "CONFIG_KALLSYMS_ALL":
                assert err == 2  # ENOENT, as the evidence says


@pytest.mark.tools
@pytest.mark.parametrize("name", ["core", "core_arrays", "load_core", "btf_kinds"])
def test_min_btf_equals_bpftool(running_btf, tmp_path, name):
    import shutil

    from .conftest import VMLINUX

    if not shutil.which("bpftool"):
        pytest.skip("bpftool is not installed")
    path = BUILD / f"{name}.o"
    if not path.exists():
        pytest.skip(f"{name}.o not built")
    ref = tmp_path / "ref.btf"
    r = subprocess.run(["bpftool", "gen", "min_core_btf", str(VMLINUX), str(ref), str(path)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"bpftool gen min_core_btf failed: {r.stderr.strip()[-200:]}")
    assert minimal_btf(open_object(path), running_btf) == ref.read_bytes()


def _cli(*args, check=True):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), BPFDOCTOR_SKIP_LEAK_CHECK="1")
    r = subprocess.run([sys.executable, "-m", "bpfdoctor", *args], capture_output=True, text=True, env=env,
                       timeout=300)
    return r


@pytest.mark.kernel
def test_min_btf_loads_through_load(bpf_kernel, tmp_path):
    path = BUILD / "core_arrays.o"
    out = tmp_path / "min.btf"
    r = _cli("compat", str(path), "--btf", "/sys/kernel/btf/vmlinux", "--release", "6.18",
             "--emit-min-btf", str(out), "--json")
    assert r.returncode in (0, 1), r.stderr
    assert json.loads(r.stdout)["min_btf"]["bytes"] == out.stat().st_size
    r = _cli("load", str(path), "--btf", str(out), "--json")
    rep = json.loads(r.stdout)
    assert rep["summary"]["rejected"] == 0, r.stdout[-2000:]


@pytest.mark.kernel
def test_relocations_come_from_the_custom_btf(bpf_kernel, running_btf, tmp_path):
    """Move ethhdr.h_source by 2 bytes in the minimal BTF: the loader patches
    the moved offset, which compat predicted from the same file."""
    from bpfdoctor.btf.writer import write_btf
    from bpfdoctor.kernel.loader import load_object
    from bpfdoctor.kernel.loader.env import KernelEnv

    obj = open_object(BUILD / "core_arrays.o")
    mini = parse_btf(minimal_btf(obj, running_btf))
    eth = mini.type(mini.find("ethhdr", Kind.STRUCT))
    moved = tuple(dataclasses.replace(m, bit_offset=m.bit_offset + 16) if m.name == "h_source" else m
                  for m in eth.members)
    data = write_btf(mini, replace={eth.id: dataclasses.replace(eth, members=moved)})
    f = tmp_path / "moved.btf"
    f.write_bytes(data)
    target = Target("moved", parse_btf(data), "6.18", None, None)
    cell = compat_report(obj, [target]).cell("eth_dest", "moved")
    pred = next(r for r in cell.requirements if r.subject == "byte_off struct ethhdr.h_source[0]")
    assert pred.evidence.startswith("8 (object has 6)")
    with load_object(str(BUILD / "core_arrays.o"), programs=["eth_dest"], env=KernelEnv(core_btf_path=str(f))) as lo:
        res = lo.results[0]
        assert res.status == "loaded"
        applied = [c for c in res.core if "h_source" in c.spec]
    assert applied and applied[0].value == 8


@pytest.mark.kernel
def test_missing_field_fails_as_announced(bpf_kernel, running_btf, tmp_path):
    """args removed from trace_event_raw_sys_enter: compat says the load of
    sys_enter fails (poisoned args[1]), and the loader's load is rejected
    at that instruction with the poison call."""
    from bpfdoctor.btf.writer import write_btf
    from bpfdoctor.kernel.loader import load_object
    from bpfdoctor.kernel.loader.env import KernelEnv

    obj = open_object(BUILD / "core_arrays.o")
    mini = parse_btf(minimal_btf(obj, running_btf))
    st = mini.type(mini.find("trace_event_raw_sys_enter", Kind.STRUCT))
    mems = tuple(m for m in st.members if m.name != "args")
    data = write_btf(mini, replace={st.id: dataclasses.replace(st, members=mems, vlen=len(mems))})
    f = tmp_path / "noargs.btf"
    f.write_bytes(data)
    cell = compat_report(obj, [Target("noargs", parse_btf(data), "6.18", None, None)]).cell("sys_enter", "noargs")
    assert not cell.loads and "args[1]" in cell.first_problem.subject
    with load_object(str(BUILD / "core_arrays.o"), programs=["sys_enter"], env=KernelEnv(core_btf_path=str(f))) as lo:
        res = lo.results[0]
    assert res.status != "loaded"
    assert "unknown#195896080" in (res.log or "")
