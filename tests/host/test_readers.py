"""Host readers on fake trees, and on this host where the answer is known."""

from __future__ import annotations

import resource

from bpfdoctor.host import btf, caps, cgroup, cpus, kernel_info, limits, mounts, security, sysctl
from bpfdoctor.host.facts import read_host
from bpfdoctor.kernel.enums import Capability

from .fakeroot import build_tree


def test_defaults(tmp_path):
    root = build_tree(tmp_path)
    f = read_host(root)
    assert f.release == "6.8.0-test" and f.config.source == "/boot/config-6.8.0-test"
    assert f.config.get("BPF_SYSCALL") == "y" and f.config.get("NET_CLS_BPF") == "m"
    assert f.sysctls.jit_enable == 1 and f.sysctls.unprivileged_bpf_disabled == 2
    assert f.caps.has(Capability.BPF) and f.caps.euid == 0
    assert f.memlock == limits.Limit(8 << 20, 8 << 20)
    assert f.memcg.version == 2 and f.memcg.limit is None and f.memcg.usage == 50 << 20
    assert f.security.lockdown == "none" and f.security.lsms == ("lockdown", "capability", "bpf")
    assert {m.fstype for m in f.mounts} >= {"bpf", "tracefs", "debugfs", "cgroup2"}
    assert f.btf.vmlinux_readable and f.btf.module_count == 3
    assert cpus.possible_cpus(root) == 4


def test_config_gz_unlimited_memlock_v1_cgroup(tmp_path):
    root = build_tree(tmp_path, {"config_at": "proc", "memlock": (None, None),
                                 "cgroup": {"version": 1, "path": "/a/b", "limit": 64 << 20, "usage": 1 << 20}})
    f = read_host(root)
    assert f.config.source == "/proc/config.gz" and f.config.get("BPF") == "y"
    assert f.memlock == limits.Limit(None, None)
    assert (f.memcg.version, f.memcg.limit, f.memcg.limit_at) == (1, 64 << 20, "/a/b")


def test_config_gz_truncated_or_not_gzip(tmp_path):
    import gzip

    from bpfdoctor.host.kernel_info import kernel_config

    for content in (gzip.compress(b"CONFIG_BPF=y\n" * 100)[:40], b"CONFIG_BPF=y\n", b""):
        root = build_tree(tmp_path / str(len(content)), {"config_at": None})
        (root / "proc" / "config.gz").write_bytes(content)
        assert kernel_config(root, "x").source is None, content


def test_missing_everything(tmp_path):
    root = build_tree(tmp_path, {"config_at": None, "lockdown": None, "btf": False, "mounts": [],
                                 "sysctls": {k: None for k in sysctl.BPF_SYSCTLS}})
    f = read_host(root)
    assert f.config.source is None and f.security.lockdown is None and not f.security.securityfs_mounted
    assert not f.btf.vmlinux_present and f.sysctls.jit_enable is None and not f.bpf_syscall_present


def test_version_tuple_reads_what_the_regular_expression_did():
    import random
    import re

    rx = re.compile(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?")
    rng = random.Random(3)
    parts = ["1", "23", ".", "-", "x", "\u0663", "..", "6.18.44-fc", ""]
    for _ in range(5000):
        release = "".join(rng.choice(parts) for _ in range(rng.randint(0, 7)))
        m = rx.match(release)
        want = tuple(int(g or 0) for g in m.groups()) if m else (0, 0, 0)
        assert kernel_info.version_tuple(release) == want, release


def test_parsers():
    assert cpus.parse_cpu_list("0-3,8,10-11\n") == 7
    assert kernel_info.version_tuple("6.18.44-fc-v669") == (6, 18, 44)
    assert kernel_info.version_code("4.19.300") == (4 << 16) + (19 << 8) + 255
    assert security.parse_lockdown("none [integrity] confidentiality") == "integrity"
    assert caps.decode_caps(1 << 39 | 1 << 63) == {Capability.BPF, Capability(63)}
    m = mounts.parse_mountinfo(r"36 35 98:0 /mnt1 /mnt\040x rw - ext3 /dev/root rw,errors=continue")
    assert m[0].mount_point == "/mnt x" and m[0].root == "/mnt1"
    assert cgroup.parse_proc_cgroup("4:memory:/x\n1:cpu,cpuacct:/y\n0::/z\n") == \
        {"memory": "/x", "cpu": "/y", "cpuacct": "/y", "": "/z"}


def test_live_memlock_matches_proc():
    soft, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    lim = limits.read_memlock("/")
    assert lim == limits.live_memlock()
    assert lim.soft == (None if soft == resource.RLIM_INFINITY else soft)


def test_this_host_btf_and_release():
    import os

    assert kernel_info.kernel_release("/") == os.uname().release
    assert btf.read_kernel_btf("/").vmlinux_present == os.path.exists("/sys/kernel/btf/vmlinux")


def test_parse_lockdown_matches_the_bracketed_word_regex():
    """String methods give what ``re.search(r"\\[(\\w+)\\]")`` gives, on random text."""
    import random
    import re

    rng = random.Random(7)
    alphabet = "[]ab_ 1\u00e9\u00b2-\n"
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        m = re.search(r"\[(\w+)\]", text)
        assert security.parse_lockdown(text) == (m.group(1) if m else None), text
    assert security.parse_lockdown("[" * 50000 + "x]") == "x"
