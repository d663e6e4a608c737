"""What a program attaches to, from its section name, as libbpf reads it.

libbpf's ``attach_*`` functions (libbpf.c ``attach_kprobe``,
``attach_tp``, ``attach_raw_tp``, ``attach_trace``, ``attach_lsm``,
``attach_kprobe_multi``, ``attach_ksyscall``, ``attach_uprobe``) parse the
part after the prefix: ``kprobe/FUNC[+OFFSET]``, ``tracepoint/CAT/NAME``
(``tp/``), ``raw_tp/NAME``, ``tp_btf/NAME``, ``fentry/FUNC``, ``lsm/HOOK``,
``kprobe.multi/PATTERN``, ``ksyscall/NAME``, ``uprobe/BINARY:FUNC[+OFF]``.
Networking and cgroup programs name no target in the section: the
interface or cgroup comes from the user.  Pure: no host access.
"""

from __future__ import annotations

import re

from bpfdoctor.record import field, record

# enum bpf_attach_type values newer than the generated 6.1 table (include/uapi/linux/bpf.h)
ATTACH_TYPE_VALUES = {"XDP": 37, "PERF_EVENT": 41, "TCX_INGRESS": 46, "TCX_EGRESS": 47,
                      "CGROUP_INET_INGRESS": 0, "CGROUP_INET_EGRESS": 1}


@record
class AttachSpec:
    """``kind`` is one of: kprobe, kretprobe, kprobe_multi, ksyscall, uprobe, uretprobe, usdt,
    tracepoint, raw_tp, tp_btf, fentry, fexit, fmod_ret, lsm, freplace, iter, xdp,
    tc, tcx, cgroup, socket, perf_event, sk_msg, sk_skb, sk_lookup, flow_dissector, sk_reuseport,
    struct_ops, syscall, lwt, netkit, unknown."""

    program: str
    section: str
    kind: str
    target: str | None = None        # function, tracepoint "cat/name", hook, pattern
    offset: int = 0
    direction: str | None = None     # ingress/egress for tc/tcx/cgroup_skb
    attach_type: str | None = None   # libbpf's expected attach type name
    needs: tuple[str, ...] = ()      # what it needs: "iface", "cgroup", "sockmap", "netns", "perf_event", "socket"
    notes: tuple[str, ...] = field(default=())


_UPROBE = re.compile(r"^(?P<bin>[^:]+):(?P<func>[A-Za-z_.$][\w.$@]*)(?:\+(?P<off>0x[0-9a-fA-F]+|\d+))?$")
_KPROBE = re.compile(r"^(?P<func>[A-Za-z_.$][\w.$]*)(?:\+(?P<off>0x[0-9a-fA-F]+|\d+))?$")


def _after(section: str, prefixes: tuple[str, ...]) -> tuple[str, str] | None:
    for p in prefixes:
        if section == p:
            return p, ""
        if section.startswith(p + "/"):
            return p, section[len(p) + 1:]
    return None


def attach_spec(program: str, section: str, prog_type: str | None, attach_type: str | None) -> AttachSpec:
    """The attach target of ``program`` from its ``section``."""
    s = section
    base = dict(program=program, section=section, attach_type=attach_type)
    hit = _after(s, ("kretprobe", "kprobe"))
    if hit:
        m = _KPROBE.match(hit[1]) if hit[1] else None
        if not m:
            return AttachSpec(kind="kretprobe" if hit[0] == "kretprobe" else "kprobe", target=None,
                              notes=("no function in the section: libbpf needs kprobe/FUNC to auto-attach",), **base)
        return AttachSpec(kind=hit[0], target=m.group("func"), offset=int(m.group("off") or "0", 0), **base)
    hit = _after(s, ("kretprobe.multi", "kprobe.multi", "kprobe.session"))
    if hit:
        return AttachSpec(kind="kprobe_multi", target=hit[1] or None, **base)
    hit = _after(s, ("kretsyscall", "ksyscall"))
    if hit:
        return AttachSpec(kind="ksyscall", target=hit[1] or None, **base)
    hit = _after(s, ("uretprobe.multi.s", "uprobe.multi.s", "uretprobe.multi", "uprobe.multi",
                     "uretprobe.s", "uprobe.s", "uretprobe", "uprobe"))
    if hit:
        # libbpf attach_uprobe: BINARY:FUNC[+OFFSET] (the binary may itself start with '/')
        m = _UPROBE.match(hit[1]) if hit[1] else None
        if m is None:
            return AttachSpec(kind="uprobe", target=None, notes=(
                "no BINARY:FUNC in the section: libbpf needs uprobe/BINARY:FUNC to auto-attach",), **base)
        return AttachSpec(kind="uretprobe" if "ret" in hit[0] else "uprobe",
                          target=f"{m.group('bin')}:{m.group('func')}",
                          offset=int(m.group("off") or "0", 0), **base)
    if s.startswith("usdt"):
        return AttachSpec(kind="usdt", target=s.partition("/")[2] or None, **base)
    hit = _after(s, ("tracepoint", "tp"))
    if hit:
        cat, _, name = hit[1].partition("/")
        ok = cat and name and "/" not in name
        return AttachSpec(kind="tracepoint", target=f"{cat}/{name}" if ok else None,
                          notes=() if ok else ("libbpf needs tracepoint/CATEGORY/NAME to auto-attach",), **base)
    hit = _after(s, ("raw_tracepoint.w", "raw_tp.w", "raw_tracepoint", "raw_tp"))
    if hit:
        return AttachSpec(kind="raw_tp", target=hit[1] or None, **base)
    for kind in ("tp_btf", "fentry", "fexit", "fmod_ret", "lsm_cgroup", "lsm", "freplace", "iter"):
        hit = _after(s, (kind + ".s", kind))
        if hit:
            return AttachSpec(kind="lsm" if kind == "lsm_cgroup" else kind, target=hit[1] or None, **base)
    if prog_type == "XDP" or s.startswith("xdp"):
        return AttachSpec(kind="xdp", needs=("iface",), **base)
    if s.startswith(("tcx/", "tc/")):
        return AttachSpec(kind="tcx", direction=s.split("/", 1)[1], needs=("iface",), **base)
    if prog_type in ("SCHED_CLS", "SCHED_ACT"):
        return AttachSpec(kind="tc", direction="ingress", needs=("iface",),
                          notes=("the section names no direction: tc/ingress or tc/egress (tcx) say it; "
                                 "ingress is used",), **base)
    if s.startswith("netkit"):
        return AttachSpec(kind="netkit", needs=("iface",), **base)
    if prog_type and prog_type.startswith("CGROUP") or (attach_type or "").startswith("CGROUP"):
        direction = "egress" if "egress" in s else "ingress" if "ingress" in s else None
        return AttachSpec(kind="cgroup", direction=direction, needs=("cgroup",), **base)
    if prog_type == "SOCKET_FILTER":
        return AttachSpec(kind="socket", **base)
    if prog_type == "PERF_EVENT":
        return AttachSpec(kind="perf_event", needs=("perf_event",), **base)
    if prog_type in ("SK_MSG", "SK_SKB"):
        # libbpf never auto-attaches these: bpf_prog_attach(prog, map_fd, type) with the map as target
        notes = ("attaches to a sockmap/sockhash map (BPF_PROG_ATTACH, the map as target), not to a hook",)
        if prog_type == "SK_SKB" and attach_type is None:
            notes += ("SEC(\"sk_skb\") names no attach type: sk_skb/stream_parser, sk_skb/stream_verdict "
                      "or sk_skb/verdict say it; stream_verdict is used",)
            base["attach_type"] = "SK_SKB_STREAM_VERDICT"
        return AttachSpec(kind=prog_type.lower(), needs=("sockmap",), notes=notes, **base)
    if prog_type in ("SK_LOOKUP", "FLOW_DISSECTOR"):
        base["attach_type"] = attach_type or prog_type
        return AttachSpec(kind=prog_type.lower(), needs=("netns",), **base)
    if prog_type == "SK_REUSEPORT":
        return AttachSpec(kind="sk_reuseport", needs=("socket",), notes=(
            "attaches to a SO_REUSEPORT socket group (SO_ATTACH_REUSEPORT_EBPF), not to a hook",), **base)
    if prog_type == "STRUCT_OPS":
        return AttachSpec(kind="struct_ops", **base)
    if prog_type == "SYSCALL":
        return AttachSpec(kind="syscall", notes=("never attached: run with BPF_PROG_TEST_RUN",), **base)
    if prog_type and prog_type.startswith("LWT"):
        return AttachSpec(kind="lwt", notes=("attached to a route: ip route ... encap bpf",), **base)
    return AttachSpec(kind="unknown", **base)


# perf's names for the generic events (include/uapi/linux/perf_event.h: PERF_TYPE_HARDWARE 0 with
# enum perf_hw_id, PERF_TYPE_SOFTWARE 1 with enum perf_sw_ids), as `perf list` spells them
PERF_TYPE_HARDWARE, PERF_TYPE_SOFTWARE = 0, 1
PERF_EVENT_NAMES: dict[str, tuple[int, int]] = {
    "cpu-cycles": (0, 0), "cycles": (0, 0), "instructions": (0, 1), "cache-references": (0, 2),
    "cache-misses": (0, 3), "branch-instructions": (0, 4), "branches": (0, 4), "branch-misses": (0, 5),
    "bus-cycles": (0, 6), "ref-cycles": (0, 9),
    "cpu-clock": (1, 0), "task-clock": (1, 1), "page-faults": (1, 2), "faults": (1, 2),
    "context-switches": (1, 3), "cs": (1, 3), "cpu-migrations": (1, 4), "migrations": (1, 4),
    "minor-faults": (1, 5), "major-faults": (1, 6), "alignment-faults": (1, 7),
    "emulation-faults": (1, 8), "dummy": (1, 9), "bpf-output": (1, 10),
}
DEFAULT_PERF_EVENT = "cpu-clock"
