"""``check`` as an unprivileged user (issue 11 item 1): one clear cause,
facts it cannot read marked unknown, accounting inferred (and said so)."""

from __future__ import annotations

import json
import os

import pytest

pytestmark = pytest.mark.kernel


def _check_as_nobody() -> list[dict]:
    """Fork; the child becomes nobody and runs the whole check in-process
    (the pyenv interpreter may not be executable for nobody)."""
    import bpfdoctor.doctor.report as report
    import bpfdoctor.kernel.probes  # noqa: F401 - imported before losing read access

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            rep = report.run_check("/")
            data = [{"id": f.id, "severity": f.severity.value, "summary": f.summary} for f in rep.findings]
            os.write(w, json.dumps(data).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        data = f.read()
    os.waitpid(pid, 0)
    return json.loads(data)


def test_unprivileged_check_names_one_cause(bpf_kernel):
    if os.geteuid() != 0:
        pytest.skip("needs root to become nobody")
    with open("/proc/sys/kernel/unprivileged_bpf_disabled") as f:
        if int(f.read()) == 0:
            pytest.skip("unprivileged BPF is allowed here: nobody can create maps")
    found = {f["id"]: f for f in _check_as_nobody()}
    fails = [f for f in found.values() if f["severity"] == "fail"]
    assert [f["id"] for f in fails] == ["privilege-capabilities"], fails
    assert "EPERM" in fails[0]["summary"] and "unprivileged_bpf_disabled" in fails[0]["summary"]
    # accounting from the kernel version, labelled; never blamed on the rlimit
    acct = found["memlock-accounting"]
    assert "memory cgroup" in acct["summary"] and "inferred" in acct["summary"]
    assert not any("RLIMIT_MEMLOCK" in f["summary"] and f["severity"] == "fail" for f in found.values())
    # not "ok" beside the FAIL it explains
    assert found["unprivileged-bpf"]["severity"] != "ok"
    # root-only JIT sysctls: unknown, not dropped
    assert "unreadable" in found["jit-harden"]["summary"]
    # probes refused for lack of privilege are unknown, not missing
    for kind in ("features-map-types", "features-prog-types"):
        assert "missing" not in found[kind]["summary"] and "unknown" in found[kind]["summary"]
