"""bpfdoctor load against bpftool prog loadall (libbpf) on the same objects:
the same programs load, to the same translated instructions; rejected ones
fail with the same errno and the same verifier log."""

from __future__ import annotations

import errno as E
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from testlib import BUILD, bpftool_loadall  # noqa: E402

from .conftest import bpftool_rejection, pinned_prog_id, run_bpftool, xlated  # noqa: E402

pytestmark = [pytest.mark.kernel, pytest.mark.tools]

VERIFIER_BUILD = BUILD.parent / "verifier" / "build"


# Objects bpftool is expected to load on a kernel with BPF (the rejection
# fixtures are compared in test_rejection_matches_bpftool).
_EXPECTED_TO_FAIL = {"isa_all.o", "load_reject.o", "load_ksym_var.o"}
OBJECTS = sorted(p for p in BUILD.glob("*.o") if ".bpfeb" not in p.name and p.name != "large.o"
                 and p.name.split(".")[0] + ".o" not in _EXPECTED_TO_FAIL
                 and not p.name.startswith("xdp_ddos01"))


def _bpftool_loadall(obj: Path, pin: str) -> tuple[int, str]:
    out = bpftool_loadall(obj, pin)
    return out.returncode, out.stdout + out.stderr


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda p: p.name)
def test_same_programs_same_xlated(obj: Path, bpftool, pin_root):
    """Every object bpftool loads, bpfdoctor loads, and each program's
    translated instructions are identical apart from map ids."""
    from bpfdoctor.kernel.loader import load_object

    ref_dir = pin_root + "-ref"
    try:
        rc, text = _bpftool_loadall(obj, ref_dir)
        if rc != 0:
            pytest.skip(f"bpftool does not load {obj.name} here: {text.strip().splitlines()[-1]}")
        # no directory when there is no program to pin (a maps-only object)
        names = sorted(os.listdir(ref_dir)) if os.path.isdir(ref_dir) else []
        with load_object(obj) as lo:
            bad = [r for r in lo.results if not r.ok]
            assert not bad, f"{bad[0].name}: {bad[0].status} {bad[0].errno_name} {bad[0].message}"
            assert sorted(lo.programs) == names
            for r in lo.results:
                ref = xlated(pinned_prog_id(os.path.join(ref_dir, r.name)))
                assert xlated(r.id) == ref, f"{r.name}: xlated differs from bpftool's"
                assert r.tag is not None
    finally:
        import shutil

        shutil.rmtree(ref_dir, ignore_errors=True)


def _rejected_objects() -> list[Path]:
    names = ["load_reject.o", "load_ksym_var.o", "isa_all.o"]
    return [BUILD / n for n in names] + sorted(VERIFIER_BUILD.glob("*.o"))


@pytest.mark.parametrize("obj", _rejected_objects(), ids=lambda p: p.name)
def test_rejection_matches_bpftool(obj: Path, bpftool, pin_root):
    """The first program libbpf fails on: same errno, same verifier log."""
    from bpfdoctor.kernel.loader import load_object

    if not obj.exists():
        pytest.skip(f"{obj.name} not built")
    rc, text = _bpftool_loadall(obj, pin_root)
    if rc == 0:
        pytest.skip(f"bpftool loads {obj.name}: nothing to compare")
    found = bpftool_rejection(text)
    if found is None:
        pytest.skip(f"bpftool failed before loading a program: {text.strip().splitlines()[-1]}")
    name, strerror, ref_log = found
    with load_object(obj) as lo:
        r = lo.result(name)
    assert r.status == "rejected"
    assert os.strerror(r.errno) == strerror
    # libbpf rewrites the kernel's lines about its poisoned instructions
    # (libbpf.c fixup_verifier_log); bpfdoctor keeps the kernel's own text.
    for rewritten, raw in (("<invalid CO-RE relocation>", "195896080"),
                           ("<invalid BPF map reference>", "2001000000")):
        if rewritten in ref_log:
            assert raw in r.log
            return
    assert _mask(r.log) == _mask(ref_log)


_KADDR = re.compile(r"0xffff[0-9a-f]{12}")


def _mask(log: str) -> str:
    """Kernel addresses of maps differ per load; the verification time per run."""
    log = _KADDR.sub("0xKADDR", log)
    return re.sub(r"verification time \d+ usec", "verification time N usec", log).strip("\n")


def test_rejected_log_level_2_matches_bpftool_debug(bpftool, pin_root):
    """``bpftool -d`` loads at log level 1|2|4; --log-level 7 gives the same log
    apart from the verification time."""
    from bpfdoctor.kernel.loader import load_object

    obj = BUILD / "load_reject.o"
    out = bpftool_loadall(obj, pin_root, debug=True)
    name, _err, ref_log = bpftool_rejection(out.stdout + out.stderr)
    with load_object(obj, log_level=7) as lo:
        r = lo.result(name)
    assert _mask(r.log) == _mask(ref_log)
    assert r.errno == E.EACCES
