"""EPERM/ENOMEM diagnosis, for real: each fault is made in a child process
(capabilities dropped, an unprivileged user, RLIMIT_MEMLOCK 0, a memory
cgroup with a small limit) and the diagnosis must name its cause."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import uuid

import pytest
from testlib import as_nobody

pytestmark = pytest.mark.kernel

SNIPPET = textwrap.dedent("""
    import json, resource, sys
    from bpfdoctor.errors import SyscallError
    from bpfdoctor.kernel import insns, maps, progs
    from bpfdoctor.doctor.eperm import diagnose_eperm
    from bpfdoctor.doctor.live import probe_accounting
    what, prog_type, memlock = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if memlock == "zero":
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, resource.getrlimit(resource.RLIMIT_MEMLOCK)[1]))
    err = 0
    try:
        if what == "map":
            maps.create_map(2, 4, 1024, 65536 if memlock == "big" else 1).close()
        else:
            progs.load_program(prog_type, insns.return_imm(0)).close()
    except SyscallError as e:
        err = e.errno
    acct = probe_accounting()
    found = diagnose_eperm(err or 1, accounting=acct, prog_type=prog_type if what == "prog" else None)
    print(json.dumps({"errno": err, "accounting": acct.mode, "ids": [f.id for f in found]}))
""")


def run_child(*args: str, prefix: list[str] | None = None, preexec=None, user=None) -> dict:
    cmd = (prefix or []) + [sys.executable, "-c", SNIPPET, *args]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, preexec_fn=preexec, user=user,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _sysctl(name: str) -> int:
    with open("/proc/sys/" + name.replace(".", "/")) as f:
        return int(f.read())


def test_capabilities_dropped(bpf_kernel):
    if shutil.which("capsh") is None:
        pytest.skip("capsh not installed (libcap2-bin)")
    drop = "--drop=cap_bpf,cap_sys_admin,cap_perfmon,cap_net_admin"
    r = run_child("map", "0", "keep", prefix=["capsh", drop, "--"] + ["-c", 'exec "$0" "$@"'])
    assert r["errno"] == 1
    assert "eperm-capability" in r["ids"] or "eperm-unprivileged-disabled" in r["ids"]
    if _sysctl("kernel.unprivileged_bpf_disabled"):
        assert r["ids"][0] == "eperm-unprivileged-disabled"


def test_perfmon_missing_for_tracing_program(bpf_kernel):
    if shutil.which("capsh") is None:
        pytest.skip("capsh not installed (libcap2-bin)")
    # keep CAP_BPF: maps work, but a kprobe program also needs CAP_PERFMON
    r = run_child("prog", "2", "keep", prefix=["capsh", "--drop=cap_sys_admin,cap_perfmon", "--",
                                               "-c", 'exec "$0" "$@"'])
    assert r["errno"] == 1
    assert "eperm-capability" in r["ids"]


def _as_nobody_create_map() -> dict:
    """The map create of a child that became nobody, and its diagnosis."""
    import bpfdoctor.doctor.live  # noqa: F401 - nobody may not read the interpreter's library
    import bpfdoctor.host.facts  # noqa: F401
    import zlib  # noqa: F401 - host.kernel_info imports it lazily for /proc/config.gz
    from bpfdoctor.doctor.eperm import diagnose_eperm
    from bpfdoctor.errors import SyscallError
    from bpfdoctor.kernel import maps

    def work() -> dict:
        err = 0
        try:
            maps.create_map(2, 4, 4, 1).close()
        except SyscallError as e:
            err = e.errno
        found = diagnose_eperm(err or 1)
        return {"errno": err, "ids": [f.id for f in found]}

    return as_nobody(work)


def test_unprivileged_user(bpf_kernel):
    if not _sysctl("kernel.unprivileged_bpf_disabled"):
        pytest.skip("unprivileged BPF is allowed here")
    r = _as_nobody_create_map()
    assert r["errno"] == 1
    assert r["ids"][0] == "eperm-unprivileged-disabled"


def test_memlock_zero_is_not_the_cause_under_memcg_accounting(bpf_kernel):
    r = run_child("map", "0", "zero")
    if r["accounting"] == "rlimit":
        assert r["errno"] == 1 and "eperm-memlock" in r["ids"]
    else:
        assert r["accounting"] == "memcg"
        assert r["errno"] == 0  # the map was created with RLIMIT_MEMLOCK 0
        assert "memlock-not-the-cause" in r["ids"] and "eperm-memlock" not in r["ids"]


def _own_memory_cgroup_dir() -> str | None:
    from bpfdoctor.host.cgroup import read_memory_cgroup

    cg = read_memory_cgroup("/")
    if cg is None or not os.access(cg.directory, os.W_OK):
        return None
    return cg.directory


@pytest.fixture
def small_memcg():
    parent = _own_memory_cgroup_dir()
    if parent is None:
        pytest.skip("no writable memory cgroup here")
    path = os.path.join(parent, f"bpfdoctor-test-{uuid.uuid4().hex[:8]}")
    try:
        os.mkdir(path)
    except OSError as e:
        pytest.skip(f"cannot create a memory cgroup: {e}")
    limit_file = "memory.max" if os.path.exists(os.path.join(path, "memory.max")) else "memory.limit_in_bytes"
    with open(os.path.join(path, limit_file), "w") as f:
        f.write(str(48 << 20))
    yield path
    os.rmdir(path)


def test_memory_cgroup_limit_gives_enomem(bpf_kernel, small_memcg):
    procs = os.path.join(small_memcg, "cgroup.procs")

    def enter():
        with open(procs, "w") as f:
            f.write(str(os.getpid()))

    r = run_child("map", "0", "big", preexec=enter)  # a 64 MiB array in a 48 MiB cgroup
    if r["accounting"] != "memcg":
        pytest.skip("kernel charges the rlimit, not the cgroup")
    assert r["errno"] == 12
    assert r["ids"][0] == "enomem-memcg"
