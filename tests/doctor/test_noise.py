"""One finding per cause, one unit for sizes (issue 11 item 18)."""

from __future__ import annotations

from types import SimpleNamespace

from bpfdoctor.doctor.checks_fs import check_btf
from bpfdoctor.doctor.checks_host import check_kernel_config
from bpfdoctor.doctor.kconfig_table import KCONFIG_OPTIONS


class _Cfg:
    source = "/boot/config-test"

    def __init__(self, missing: set[str]) -> None:
        self.missing = missing

    def get(self, name: str):
        return None if name in self.missing else "y"


def _facts(missing: set[str], modules: int = 0):
    btf = SimpleNamespace(vmlinux_readable=True, vmlinux_size=5 << 20, module_count=modules)
    return SimpleNamespace(config=_Cfg(missing), btf=btf)


def test_kprobe_events_folds_into_kprobes():
    found = check_kernel_config(_facts({"KPROBES", "KPROBE_EVENTS"}))
    ids = [f.id for f in found]
    assert "kconfig-kprobes" in ids and "kconfig-kprobe-events" not in ids
    f = next(f for f in found if f.id == "kconfig-kprobes")
    assert "CONFIG_KPROBE_EVENTS" in f.summary and "CONFIG_KPROBE_EVENTS=y" in f.fix
    # alone, KPROBE_EVENTS is its own finding
    assert "kconfig-kprobe-events" in [f.id for f in check_kernel_config(_facts({"KPROBE_EVENTS"}))]


def test_no_module_btf_findings_without_modules():
    facts = _facts({"MODULES", "DEBUG_INFO_BTF_MODULES"})
    assert "kconfig-debug-info-btf-modules" not in [f.id for f in check_kernel_config(facts)]
    assert "btf-modules" not in [f.id for f in check_btf(facts)]
    with_modules = _facts({"DEBUG_INFO_BTF_MODULES"})
    assert "kconfig-debug-info-btf-modules" in [f.id for f in check_kernel_config(with_modules)]


def test_sizes_in_one_unit():
    facts = _facts(set())
    assert "(5 MiB)" in next(f for f in check_btf(facts) if f.id == "btf-vmlinux").summary
    assert len(KCONFIG_OPTIONS) > 20
