"""What the kernel withholds from a process without CAP_SYSLOG, tested in
a child (capsh --drop=cap_syslog): bpftool and bpfdoctor run in the same
reduced child and must print the same xlated text; the notes and the jited
error must name the cause (kernel/bpf/syscall.c ``bpf_prog_get_info_by_fd``,
``bpf_dump_raw_ok`` -> kernel/kallsyms.c ``kallsyms_show_value``)."""

from __future__ import annotations

import shutil

import pytest
from .proghelpers import bpftool, ours

from bpfdoctor.host.sysctl import read_sysctl
from bpfdoctor.kernel.prog_access import DumpAccess

pytestmark = [pytest.mark.kernel, pytest.mark.tools]
DROP = ("capsh", "--drop=cap_syslog", "--", "-c", 'exec "$0" "$@"')


@pytest.fixture(scope="module")
def reduced():
    if shutil.which("capsh") is None:
        pytest.skip("capsh not installed (libcap2-bin)")
    kr, paranoid = read_sysctl("kernel.kptr_restrict"), read_sysctl("kernel.perf_event_paranoid")
    if DumpAccess(kr, paranoid, False, 0, 1).raw_ok:
        pytest.skip(f"kernel.kptr_restrict={kr}, perf_event_paranoid={paranoid}: raw dumps are open to all")
    return DROP


def test_xlated_without_cap_syslog_matches_bpftool(loaded, no_btf_prog, reduced):
    for p in (loaded["tp_switch"], loaded["on_exec"], loaded["with_kfunc"], no_btf_prog):
        args = ("prog", "dump", "xlated", "id", str(p.id))
        run = ours(*args, prefix=reduced)
        assert run.stdout == bpftool(*args, prefix=reduced), p.name
        assert "call targets zeroed by the kernel" in run.stderr and "CAP_SYSLOG" in run.stderr
    text = ours("prog", "dump", "xlated", "id", str(loaded["on_exec"].id), prefix=reduced).stdout
    assert "call bpf_unspec#0" in text
    assert "#0x0" in ours("prog", "dump", "xlated", "id", str(loaded["tp_switch"].id), prefix=reduced).stdout


def test_jited_without_cap_syslog_is_a_one_line_error(loaded, reduced):
    run = ours("prog", "dump", "jited", "id", str(loaded["xdp_count"].id), prefix=reduced, check=False)
    assert run.returncode == 2 and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "withheld the JIT image" in lines[0] and "CAP_SYSLOG" in lines[0]


def test_list_without_cap_syslog_matches_bpftool(loaded, reduced):
    p = loaded["kp_unlink"]
    mine = ours("prog", "list", "id", str(p.id), "--no-pids", prefix=reduced).stdout
    assert mine == bpftool("-f", "prog", "show", "id", str(p.id), prefix=reduced)


def test_access_rules():
    assert DumpAccess(0, 1, False, 0, 1).raw_ok
    assert not DumpAccess(0, 2, False, 0, 1).raw_ok
    assert DumpAccess(1, 2, True, 0, 1).raw_ok
    assert not DumpAccess(2, -1, True, 0, 1).raw_ok
    assert "kptr_restrict=2" in DumpAccess(2, 2, True, 0, 1).why_not_raw()
