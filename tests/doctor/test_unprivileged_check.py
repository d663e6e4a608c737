"""``check`` as an unprivileged user (issue 11 item 1): one clear cause,
facts it cannot read marked unknown, accounting inferred (and said so)."""

from __future__ import annotations

import os

import pytest
from testlib import as_nobody

pytestmark = pytest.mark.kernel


def _check_as_nobody() -> list[dict]:
    """The whole check, run in-process by a child that became nobody."""
    import bpfdoctor.doctor.report as report
    import bpfdoctor.kernel.probes  # noqa: F401 - imported before losing read access
    import zlib  # noqa: F401 - host.kernel_info imports it lazily for /proc/config.gz

    def work() -> list[dict]:
        rep = report.run_check("/")
        return [{"id": f.id, "severity": f.severity.value, "summary": f.summary} for f in rep.findings]

    return as_nobody(work)


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
