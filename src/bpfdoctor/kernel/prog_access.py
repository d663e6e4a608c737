"""Why the kernel withholds parts of a program dump, in words.

kernel/bpf/syscall.c ``bpf_prog_get_info_by_fd`` hands out the JIT image,
``jited_ksyms``, ``jited_func_lens`` and ``jited_line_info`` only when
``bpf_dump_raw_ok(file->f_cred)`` (include/linux/filter.h), i.e.
kernel/kallsyms.c ``kallsyms_show_value``: with ``kernel.kptr_restrict=0``
anyone if ``kernel.perf_event_paranoid <= 1``, else (and with
``kptr_restrict=1``) only holders of CAP_SYSLOG; ``kptr_restrict=2`` nobody.
The same test zeroes call immediates and ``prog->aux`` pointers in the
xlated dump (``bpf_insn_prepare_dump``) and the addresses in /proc/kallsyms.
The credentials are those of whoever opened the descriptor: us.

Constant blinding (``net.core.bpf_jit_harden``; include/linux/filter.h
``bpf_jit_blinding_enabled``: 2 for everyone, 1 for loaders without
CAP_BPF) rewrites immediates through ``BPF_REG_AX`` (printed ``r11``); the
blinded program replaces the loaded one, so the xlated dump shows it.
"""

from __future__ import annotations

from bpfdoctor.host.caps import read_caps
from bpfdoctor.host.sysctl import read_sysctl
from bpfdoctor.kernel.enums import Capability
from bpfdoctor.record import record

AX = 11  # BPF_REG_AX: only blinding and other kernel rewrites use it


@record
class DumpAccess:
    """The sysctls (None when unreadable) and the capability that decide what
    the kernel withholds from a program dump (see the module docstring)."""

    kptr_restrict: int | None
    perf_event_paranoid: int | None
    cap_syslog: bool
    jit_harden: int | None
    jit_kallsyms: int | None

    @property
    def raw_ok(self) -> bool:
        """kallsyms_show_value(current_cred()) as the kernel computes it."""
        kr = self.kptr_restrict or 0
        if kr == 0 and self.perf_event_paranoid is not None and self.perf_event_paranoid <= 1:
            return True
        return kr <= 1 and self.cap_syslog

    def why_not_raw(self) -> str:
        kr = self.kptr_restrict
        if kr is not None and kr >= 2:
            return "kernel.kptr_restrict=2 hides kernel addresses from everyone"
        paranoid = f"kernel.perf_event_paranoid={self.perf_event_paranoid}"
        if kr == 1:
            return "kernel.kptr_restrict=1 and this process lacks CAP_SYSLOG"
        return f"{paranoid} (>1) and this process lacks CAP_SYSLOG (kallsyms_show_value)"


def read_access() -> DumpAccess:
    caps = read_caps()
    return DumpAccess(read_sysctl("kernel.kptr_restrict"), read_sysctl("kernel.perf_event_paranoid"),
                      bool(caps and caps.has(Capability.SYSLOG)), read_sysctl("net.core.bpf_jit_harden"),
                      read_sysctl("net.core.bpf_jit_kallsyms"))


def uses_ax(insns) -> bool:
    return any(i.dst == AX or i.src == AX for i in insns)


def xlated_notes(access: DumpAccess, rec, *, symbols_hidden: bool, blinded: bool,
                 has_btf: bool, has_lines: bool) -> list[str]:
    """One-line notes on what this xlated dump lacks, and why."""
    notes = []
    withheld = rec.jited_prog_len > 0 and not rec.jited_ksyms
    if withheld or not access.raw_ok:
        notes.append("call targets zeroed by the kernel (bpf_insn_prepare_dump): helpers print as "
                     f"bpf_unspec#0, bpf-to-bpf calls as pc+N#0x0, because {access.why_not_raw()}")
    elif symbols_hidden:
        notes.append("/proc/kallsyms shows no addresses: helper and function names cannot be resolved")
    notes.extend(_common_notes(access, rec, blinded=blinded, has_btf=has_btf, has_lines=has_lines))
    return notes


def jited_notes(access: DumpAccess, rec, *, symbols_hidden: bool, blinded: bool, has_btf: bool,
                has_lines: bool) -> list[str]:
    notes = []
    if rec.jited_prog_len and not rec.jited_ksyms and access.raw_ok is False:
        notes.append(f"function addresses withheld: {access.why_not_raw()}")
    elif symbols_hidden:
        notes.append("/proc/kallsyms shows no addresses: functions are labelled by address")
    elif access.jit_kallsyms == 0:
        notes.append("net.core.bpf_jit_kallsyms=0: JIT images are not in kallsyms, labels are addresses")
    notes.extend(_common_notes(access, rec, blinded=blinded, has_btf=has_btf, has_lines=has_lines))
    return notes


def _common_notes(access: DumpAccess, rec, *, blinded: bool, has_btf: bool, has_lines: bool) -> list[str]:
    notes = []
    if blinded:
        notes.append(f"constant blinding applied (net.core.bpf_jit_harden={access.jit_harden}): the "
                     "code holds r11 (BPF_REG_AX) sequences instead of the loaded immediates")
    if not rec.btf_id:
        notes.append("loaded without BTF (btf_id 0): no function signatures or source lines")
    elif not has_lines:
        notes.append("the program's BTF carries no line info: no source lines")
    elif not has_btf:
        notes.append(f"BTF id {rec.btf_id} could not be read: no function signatures or source lines")
    return notes


def jited_missing_reason(access: DumpAccess, rec) -> str:
    """Why a JIT dump is impossible (one line)."""
    if not rec.jited_prog_len:
        return f"program {rec.id} is not JIT-compiled (interpreted): there is no native code"
    return f"the kernel withheld the JIT image of program {rec.id}: {access.why_not_raw()}"
