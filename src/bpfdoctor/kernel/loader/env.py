"""What the loader needs to know about the running kernel, read lazily once.

vmlinux BTF (CO-RE, kfuncs, ksyms, attach targets), the kernel config and
release (``.kconfig`` externs), ``/proc/kallsyms`` (typeless ``__ksym``), and
feature probes (which BTF kinds the kernel accepts, BPF cookies).  Tests
build a ``KernelEnv`` with their own values to exercise the older-kernel paths.
"""

from __future__ import annotations

import errno
import os
import struct
from functools import cached_property

from bpfdoctor.errors import HostError, SyscallError
from bpfdoctor.kernel.loader.btfprep import BtfFeatures
from bpfdoctor.lazylog import get_logger

log = get_logger(__name__)

VMLINUX = "/sys/kernel/btf/vmlinux"


class KernelEnv:
    """Facts about the running kernel; every one is computed on first use."""

    def __init__(self, *, vmlinux_path: str = VMLINUX, config: dict[str, str] | None = None,
                 release: str | None = None, btf_features: BtfFeatures | None = None,
                 kallsyms_path: str = "/proc/kallsyms", core_btf_path: str | None = None) -> None:
        self.vmlinux_path = vmlinux_path
        # libbpf's btf_custom_path: a BTF used for CO-RE relocations only
        # (kfuncs, ksyms and attach targets still come from vmlinux).
        self.core_btf_path = core_btf_path
        self.kallsyms_path = kallsyms_path
        if config is not None:
            self.__dict__["config"] = config
        if release is not None:
            self.__dict__["release"] = release
        if btf_features is not None:
            self.__dict__["btf_features"] = btf_features

    @cached_property
    def vmlinux(self):
        from bpfdoctor.kernel.loader.btfindex import load_vmlinux

        try:
            with open(self.vmlinux_path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise HostError(f"{self.vmlinux_path}: cannot read kernel BTF ({e.strerror}); CO-RE, kfuncs "
                            "and BTF attach targets need CONFIG_DEBUG_INFO_BTF") from None
        return load_vmlinux(data, self.vmlinux_path)  # its index is cached per boot

    @cached_property
    def core_candidates(self):
        """CO-RE candidate cache against vmlinux, shared by every load with this env."""
        from bpfdoctor.kernel.loader.coreapply import CandidateCache

        return CandidateCache(self.core_btf if self.core_btf_path else self.vmlinux)

    @cached_property
    def core_btf(self):
        """The custom CO-RE target BTF (``load --btf``)."""
        from bpfdoctor.btf import parse_btf
        from bpfdoctor.errors import InputError

        try:
            with open(self.core_btf_path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise InputError(self.core_btf_path, e.strerror or str(e)) from None
        return parse_btf(data, path=self.core_btf_path)

    @cached_property
    def release(self) -> str:
        from bpfdoctor.host.kernel_info import kernel_release

        return kernel_release()

    @cached_property
    def version_code(self) -> int:
        """LINUX_VERSION_CODE of the running kernel (libbpf.c get_kernel_version)."""
        from bpfdoctor.host.kernel_info import version_code

        return version_code(self.release)

    @cached_property
    def config(self) -> dict[str, str]:
        from bpfdoctor.host.kernel_info import kernel_config

        cfg = kernel_config(release=self.release)
        if cfg.source is None:
            log.info("no kernel config found (/boot/config-%s, /proc/config.gz)", self.release)
        return dict(cfg.values)

    @cached_property
    def kallsyms(self) -> dict[str, int]:
        out: dict[str, int] = {}
        try:
            with open(self.kallsyms_path, errors="replace") as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 3:
                        out.setdefault(parts[2], int(parts[0], 16))
        except OSError as e:
            raise HostError(f"{self.kallsyms_path}: cannot read ({e.strerror})") from None
        return out

    @cached_property
    def btf_features(self) -> BtfFeatures:
        return probe_btf_features()

    @cached_property
    def has_bpf_cookie(self) -> bool:
        """libbpf features.c probe_kern_bpf_cookie: bpf_get_attach_cookie() in a tracepoint program."""
        from bpfdoctor.kernel import insns
        from bpfdoctor.kernel.enums import BpfFunc, ProgType
        from bpfdoctor.kernel.progs import load_program

        code = insns.call(BpfFunc.GET_ATTACH_COOKIE) + insns.exit_()
        try:
            load_program(ProgType.TRACEPOINT, code, "GPL", log_level=0).close()
        except SyscallError:
            return False
        return True

    @cached_property
    def has_syscall_wrapper(self) -> bool:
        """libbpf features.c probe_kern_syscall_wrapper opens a kprobe on
        ``__<arch>_sys_bpf``: the symbol table says the same without creating
        one.  On a kernel without kprobes (no kprobe PMU, no tracefs
        kprobe_events) libbpf's probe fails and it answers 0; so do we, or the
        program would differ from libbpf's (and a kprobe could not attach)."""
        if not _kprobes_available():
            return False
        prefix = {"x86_64": "x64", "aarch64": "arm64", "s390x": "s390", "riscv64": "riscv"}.get(
            os.uname().machine, "x64")
        try:
            return f"__{prefix}_sys_bpf" in self.kallsyms
        except HostError:
            return False


def _kprobes_available() -> bool:
    # libbpf.c determine_kprobe_perf_type, then the legacy tracefs interface
    return any(os.path.exists(p) for p in ("/sys/bus/event_source/devices/kprobe/type",
                                           "/sys/kernel/tracing/kprobe_events",
                                           "/sys/kernel/debug/tracing/kprobe_events"))


# -- BTF feature probes ---------------------------------------------------------

def _btf_blob(types: list[int], strings: bytes) -> bytes:
    tdata = struct.pack(f"={len(types)}I", *types)
    return struct.pack("=HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(tdata), len(tdata), len(strings)) + tdata + strings


def _info(kind: int, vlen: int = 0, kflag: int = 0) -> int:
    return (kflag << 31) | (kind << 24) | vlen


_INT = [0, _info(1), 4, (1 << 24) | 32]  # [1] int, signed 32 bits
# Minimal BTF per feature, after libbpf features.c probe_kern_btf_*.
# Strings: "\0a\0b\0.data\0" -> offsets a=1, b=3, .data=5
_STRS = b"\0a\0b\0.data\0"
_PROBES = {
    "func": (_INT + [0, _info(13, 1), 1, 3, 1] + [1, _info(12, 0), 2]),
    "func_global": (_INT + [0, _info(13, 1), 1, 3, 1] + [1, _info(12, 1), 2]),
    "datasec": (_INT + [1, _info(14), 1, 0] + [5, _info(15, 1), 4, 2, 0, 4]),
    "float": [1, _info(16), 4],
    "decl_tag": (_INT + [1, _info(14), 1, 0] + [3, _info(17), 2, 0xFFFFFFFF]),
    "type_tag": (_INT + [1, _info(18), 1] + [0, _info(2), 2]),
    "enum64": [1, _info(19, 1), 8, 3, 0, 0],
}


def probe_btf_features() -> BtfFeatures:
    from bpfdoctor.kernel.btf import load_btf

    found = {}
    for name, types in _PROBES.items():
        try:
            load_btf(_btf_blob(types, _STRS)).close()
            found[name] = True
        except SyscallError as e:
            log.debug("BTF feature %s: %s", name, e)
            # EPERM says nothing about the feature (no privilege to load any
            # BTF): assume it, rather than report a rewrite for a kernel
            # that may well have it
            found[name] = e.errno == errno.EPERM
    return BtfFeatures(**found)
