"""The live kernel log reader (host/kernel_log.py)."""

import errno
import os
import subprocess

import pytest

from bpfdoctor.errors import HostError
from bpfdoctor.host import kernel_log
from bpfdoctor.jit.logparse import parse_log


def _fake_root(tmp_path, restrict: int, cap_syslog: bool):
    (tmp_path / "proc/sys/kernel").mkdir(parents=True)
    (tmp_path / "proc/self").mkdir(parents=True)
    (tmp_path / "proc/sys/kernel/dmesg_restrict").write_text(f"{restrict}\n")
    cap = (1 << 34) if cap_syslog else 0
    (tmp_path / "proc/self/status").write_text(f"Name:\tx\nCapEff:\t{cap:016x}\n")
    return str(tmp_path)


def _refuse(action, size):
    raise OSError(errno.EPERM, os.strerror(errno.EPERM))


def test_reads_a_kmsg_file_given_by_path(tmp_path, seed_text):
    records = "".join(f"3,{i},{1000 * i},-;{line}\n" for i, line in enumerate(seed_text.splitlines()))
    path = tmp_path / "kmsg"
    path.write_text(records)
    klog = kernel_log.read_kernel_log(str(path))
    assert klog.source == str(path)
    (d,) = parse_log(klog.text).dumps
    assert d.complete and d.proglen == 335


def test_denied_names_dmesg_restrict_and_cap_syslog(tmp_path, monkeypatch):
    monkeypatch.setattr(kernel_log, "_klogctl", _refuse)
    root = _fake_root(tmp_path, restrict=1, cap_syslog=False)
    with pytest.raises(HostError) as e:
        kernel_log.read_kernel_log(root=root)
    msg = str(e.value)
    assert "kernel.dmesg_restrict=1 and this process lacks CAP_SYSLOG" in msg
    assert "klogctl(SYSLOG_ACTION_READ_ALL): EPERM" in msg and "dev/kmsg: ENOENT" in msg
    assert "dmesg > log.txt" in e.value.hint


def test_denied_without_restrict_says_permission(tmp_path, monkeypatch):
    monkeypatch.setattr(kernel_log, "_klogctl", _refuse)
    root = _fake_root(tmp_path, restrict=0, cap_syslog=True)
    with pytest.raises(HostError, match="permission denied"):
        kernel_log.read_kernel_log(root=root)


def test_missing_path_is_a_host_error(tmp_path):
    with pytest.raises(HostError, match="cannot read the kernel log: No such file"):
        kernel_log.read_kernel_log(str(tmp_path / "nope"))


@pytest.mark.kernel
def test_live_klogctl_and_kmsg_read_the_same_log():
    try:
        a = kernel_log.read_klogctl()
        b = kernel_log.read_kmsg()
    except OSError as e:
        pytest.skip(f"kernel log not readable here: {os.strerror(e.errno)}")
    assert a.source == "klogctl" and b.source == "/dev/kmsg"
    # Both hold the boot banner; parsing them never fails.
    assert b"Linux version" in a.text and b"Linux version" in b.text
    parse_log(a.text)
    parse_log(b.text)


@pytest.mark.kernel
def test_live_refusal_without_cap_syslog():
    """A child without CAP_SYSLOG (dropped from the bounding set, so exec
    clears it) under dmesg_restrict=1: the CLI names the cause."""
    import shutil
    import sys

    restrict = open("/proc/sys/kernel/dmesg_restrict").read().strip()
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or restrict != "1" or setpriv is None:
        pytest.skip(f"needs root, setpriv (util-linux) and kernel.dmesg_restrict=1 (it is {restrict})")
    r = subprocess.run([setpriv, "--bounding-set", "-syslog,-sys_admin", sys.executable, "-m", "bpfdoctor",
                        "jit", "list"], capture_output=True, text=True)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("bpfdoctor: cannot read the kernel log: kernel.dmesg_restrict=1 and this "
                               "process lacks CAP_SYSLOG (klogctl(SYSLOG_ACTION_READ_ALL): EPERM; "
                               "/dev/kmsg: EPERM)"), r.stderr
