"""BPF-related kernel options: what each enables and what breaks without it.

Data, one record per option; ``checks_kernel`` turns it into findings.
Option names and meanings follow the kernel's Kconfig files (kernel/bpf/Kconfig,
init/Kconfig, net/Kconfig, kernel/trace/Kconfig, lib/Kconfig.debug).
"""

from __future__ import annotations


from bpfdoctor.findings import Severity
from bpfdoctor.record import record


@record
class KconfigOption:
    """One kernel option: what it enables, what breaks without it, and the
    severity of its finding when it is missing."""

    name: str
    enables: str
    without: str
    severity: Severity


_F, _W, _I = Severity.FAIL, Severity.WARN, Severity.INFO

KCONFIG_OPTIONS: tuple[KconfigOption, ...] = (
    KconfigOption("BPF", "the BPF core", "no BPF at all", _F),
    KconfigOption("BPF_SYSCALL", "the bpf() system call", "no program or map can be created", _F),
    KconfigOption("BPF_JIT", "the JIT compiler", "programs run in the slower interpreter", _W),
    KconfigOption("BPF_JIT_ALWAYS_ON", "JIT-only kernels (interpreter removed, Spectre hardening)",
                  "the interpreter stays built in; bpf_jit_enable can turn the JIT off", _I),
    KconfigOption("BPF_JIT_DEFAULT_ON", "the JIT on by default", "bpf_jit_enable starts at 0", _I),
    KconfigOption("BPF_UNPRIV_DEFAULT_OFF", "unprivileged BPF off by default",
                  "unprivileged users may load socket filters unless the sysctl says otherwise", _I),
    KconfigOption("BPF_LSM", "BPF LSM programs (lsm/ sections)", "lsm/ programs cannot attach", _I),
    KconfigOption("DEBUG_INFO_BTF", "kernel BTF (/sys/kernel/btf/vmlinux)",
                  "no CO-RE, no fentry/fexit/tp_btf/lsm programs, no BTF-typed helpers", _W),
    KconfigOption("DEBUG_INFO_BTF_MODULES", "BTF for kernel modules",
                  "CO-RE and fentry against module functions fail", _I),
    KconfigOption("CGROUP_BPF", "cgroup programs (cgroup_skb, sock, sockopt, sysctl, device)",
                  "cgroup/ programs cannot attach", _W),
    KconfigOption("BPF_EVENTS", "BPF on tracing events (kprobe, tracepoint, perf_event programs)",
                  "no tracing programs can attach", _W),
    KconfigOption("KPROBES", "kernel probes", "kprobe/kretprobe programs cannot attach", _W),
    KconfigOption("KPROBE_EVENTS", "kprobe events (perf_event_open kprobe PMU)",
                  "kprobe/kretprobe programs cannot attach", _W),
    KconfigOption("UPROBE_EVENTS", "uprobe events", "uprobe/uretprobe programs cannot attach", _W),
    KconfigOption("FTRACE", "the function tracer framework",
                  "no tracefs, no fentry/fexit trampolines", _W),
    KconfigOption("FUNCTION_TRACER", "function tracing", "fentry/fexit programs cannot attach", _I),
    KconfigOption("XDP_SOCKETS", "AF_XDP sockets", "xskmap and AF_XDP are unavailable", _I),
    KconfigOption("NET_CLS_BPF", "the tc BPF classifier (cls_bpf)", "tc filter ... bpf fails", _I),
    KconfigOption("NET_ACT_BPF", "the tc BPF action (act_bpf)", "tc action bpf fails", _I),
    KconfigOption("NET_SCH_INGRESS", "the ingress/clsact qdisc", "tc ingress programs cannot attach", _I),
    KconfigOption("BPF_STREAM_PARSER", "sockmap/sockhash stream parsers",
                  "sk_skb stream parser/verdict programs cannot attach", _I),
    KconfigOption("LWTUNNEL_BPF", "BPF for lightweight tunnels", "lwt_in/out/xmit programs cannot attach", _I),
    KconfigOption("BPF_KPROBE_OVERRIDE", "bpf_override_return()", "error-injection programs fail", _I),
    KconfigOption("FUNCTION_ERROR_INJECTION", "error injection points", "bpf_override_return() has no targets", _I),
    KconfigOption("BPF_LIRC_MODE2", "lirc_mode2 programs (IR decoders)", "lirc_mode2 programs fail", _I),
    KconfigOption("NETFILTER_XT_MATCH_BPF", "the iptables bpf match", "iptables -m bpf fails", _I),
    KconfigOption("IPV6_SEG6_BPF", "SRv6 BPF (lwt_seg6local)", "lwt_seg6local programs fail", _I),
)

# Kconfig "depends on" between the options above (kernel/trace/Kconfig:
# KPROBE_EVENTS depends on KPROBES): with both missing, one finding.
KCONFIG_DEPENDS: dict[str, str] = {
    "KPROBE_EVENTS": "KPROBES",
    "BPF_KPROBE_OVERRIDE": "KPROBE_EVENTS",
}

# Options that matter only with another feature (lib/Kconfig.debug:
# DEBUG_INFO_BTF_MODULES depends on MODULES): a kernel without modules
# has no module BTF to miss.
KCONFIG_MOOT_WITHOUT: dict[str, str] = {
    "DEBUG_INFO_BTF_MODULES": "MODULES",
}
