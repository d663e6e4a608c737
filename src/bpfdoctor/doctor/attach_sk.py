"""Attach checks for programs whose target is not a kernel hook: perf events,
sockmaps, network namespaces and SO_REUSEPORT socket groups.

- perf_event: the named event (perf's spelling) and its PMU under
  ``/sys/bus/event_source/devices`` (``software`` always, ``cpu`` for
  hardware events, absent in VMs without PMU passthrough);
  ``kernel.perf_event_paranoid`` (kernel/events/core.c
  ``perf_event_open``: above 0 a CPU-wide event needs CAP_PERFMON);
- sk_skb/sk_msg: a sockmap or sockhash map in the object to attach to
  (net/core/sock_map.c ``sock_map_get_from_fd`` refuses other maps);
- sk_lookup/flow_dissector: the network namespace file;
- sk_reuseport: nothing on the host; the program attaches to a socket.
"""

from __future__ import annotations

import os

from bpfdoctor.findings import Finding, Severity
from bpfdoctor.host._files import read_text, under
from bpfdoctor.kernel.attach_spec import DEFAULT_PERF_EVENT, PERF_EVENT_NAMES, PERF_TYPE_HARDWARE

OK, INFO, WARN, FAIL = Severity.OK, Severity.INFO, Severity.WARN, Severity.FAIL
AREA = "attach"
SOCK_MAP_TYPES = ("sockmap", "sockhash")
DEFAULT_NETNS = "/proc/self/ns/net"


def _ok(spec, what: str, **ev) -> Finding:
    return Finding("attach-target-ok", OK, what, AREA, {"section": spec.section, **ev})


def perf_event(spec, host, perf_event: str | None = None, perf_cpu: int = 0, **_) -> list[Finding]:
    name = perf_event or DEFAULT_PERF_EVENT
    out = []
    if name not in PERF_EVENT_NAMES:
        return [Finding("attach-perf-event-unknown", FAIL, f"no generic perf event named {name!r}", AREA,
                        {"event": name, "known": sorted(PERF_EVENT_NAMES)},
                        f"one of: {', '.join(sorted(PERF_EVENT_NAMES))}", "include/uapi/linux/perf_event.h")]
    paranoid = read_text(host.root, "/proc/sys/kernel/perf_event_paranoid")
    if paranoid is None:
        return [Finding("attach-perf-events-disabled", FAIL, "no /proc/sys/kernel/perf_event_paranoid: this kernel "
                        "has no perf events (CONFIG_PERF_EVENTS off), so perf_event programs cannot attach",
                        AREA, {"event": name}, "a kernel with CONFIG_PERF_EVENTS=y", "kernel/events/core.c")]
    try:
        level = int(paranoid.strip() or 0)
    except ValueError:  # not the kernel's file (a --root tree): the kernel's default
        level = 2
    ptype, _config = PERF_EVENT_NAMES[name]
    pmu = "cpu" if ptype == PERF_TYPE_HARDWARE else "software"
    ev = {"event": name, "pmu": pmu, "cpu": perf_cpu, "perf_event_paranoid": level}
    cpu_dir = f"/sys/devices/system/cpu/cpu{perf_cpu}"
    exists = os.path.isdir(under(host.root, cpu_dir))
    if not exists or (read_text(host.root, cpu_dir + "/online") or "1").strip() == "0":
        state = "is offline" if exists else "does not exist here"
        online = (read_text(host.root, "/sys/devices/system/cpu/online") or "").strip()
        return [Finding("attach-perf-cpu-missing", FAIL, f"CPU {perf_cpu} {state}: perf_event_open fails "
                        f"(ENODEV or EINVAL) for an event on it", AREA, {**ev, "online": online or None},
                        f"--perf-cpu N with N online ({online or 'see /sys/devices/system/cpu/online'})",
                        "kernel/events/core.c: perf_event_open")]
    if not os.path.isdir(under(host.root, f"/sys/bus/event_source/devices/{pmu}")):
        have = sorted(os.listdir(under(host.root, "/sys/bus/event_source/devices"))) \
            if os.path.isdir(under(host.root, "/sys/bus/event_source/devices")) else []
        out.append(Finding("attach-perf-pmu-missing", FAIL, f"{name} is a hardware event but there is no CPU PMU "
                           f"(no /sys/bus/event_source/devices/{pmu}; PMUs here: {', '.join(have) or 'none'}): "
                           "perf_event_open fails with ENOENT (a VM without PMU passthrough)", AREA,
                           {**ev, "pmus": have}, f"--perf-event {DEFAULT_PERF_EVENT} (a software event)",
                           "kernel/events/core.c: perf_init_event"))
    if level > 0 and os.fspath(host.root) == "/" and os.geteuid() != 0:
        out.append(Finding("attach-perf-paranoid", WARN, f"kernel.perf_event_paranoid is {level}: a CPU-wide "
                           f"event on CPU {perf_cpu} needs CAP_PERFMON (or CAP_SYS_ADMIN) without root; "
                           "perf_event_open fails with EACCES", AREA, ev,
                           "run as root, grant CAP_PERFMON, or sysctl kernel.perf_event_paranoid=0",
                           "Documentation/admin-guide/perf-security.rst"))
    if not any(f.severity == FAIL for f in out):
        out.append(_ok(spec, f"perf event {name} ({pmu} PMU) on CPU {perf_cpu}, sampled every 1 ms "
                       f"(perf_event_paranoid {level})", **ev))
    return out


def sockmap(spec, host, maps=(), sock_map: str | None = None, **_) -> list[Finding]:
    """``maps``: (name, type name) of the object's maps."""
    socks = [(n, t) for n, t in maps if t in SOCK_MAP_TYPES]
    ev = {"attach_type": spec.attach_type}
    if sock_map is not None:
        hit = [(n, t) for n, t in maps if n == sock_map]
        if not hit:
            return [Finding("attach-sockmap-missing", FAIL, f"the object has no map {sock_map!r}", AREA,
                            {**ev, "map": sock_map, "maps": [n for n, _ in maps]})]
        if hit[0][1] not in SOCK_MAP_TYPES:
            return [Finding("attach-sockmap-wrong-type", FAIL, f"map {sock_map} is a {hit[0][1]}, not a sockmap or "
                            "sockhash: BPF_PROG_ATTACH fails with EINVAL", AREA, {**ev, "map": sock_map,
                            "map_type": hit[0][1]}, "name a BPF_MAP_TYPE_SOCKMAP or SOCKHASH map",
                            "net/core/sock_map.c: sock_map_get_from_fd")]
        return [_ok(spec, f"{hit[0][1]} {sock_map} to attach {(spec.attach_type or '').lower()} to", **ev,
                    map=sock_map)]
    if not socks:
        return [Finding("attach-no-sockmap", FAIL, f"{spec.kind} programs attach to a sockmap or sockhash, and this "
                        "object defines none: there is nothing to attach to", AREA,
                        {**ev, "maps": [n for n, _ in maps]},
                        "define a BPF_MAP_TYPE_SOCKMAP/SOCKHASH map in the object (or attach with "
                        "bpf_prog_attach(prog_fd, map_fd, type, 0) to a map of another program)",
                        "net/core/sock_map.c: sock_map_get_from_fd")]
    name, kind = socks[0]
    more = f" (others: {', '.join(n for n, _ in socks[1:])}; --sock-map NAME picks one)" if len(socks) > 1 else ""
    return [_ok(spec, f"{kind} {name} to attach {(spec.attach_type or '').lower()} to{more}", **ev, map=name)]


def netns(spec, host, netns: str | None = None, **_) -> list[Finding]:
    path = netns or DEFAULT_NETNS
    if os.fspath(host.root) != "/" and netns is None:
        return [Finding("attach-netns-unchecked", INFO, "attaches to the network namespace of the process", AREA, {})]
    if not os.path.exists(path):
        return [Finding("attach-netns-missing", FAIL, f"{path} does not exist: no network namespace to attach to",
                        AREA, {"netns": path}, "ip netns list (namespaces are in /run/netns/NAME)")]
    what = "this process's network namespace" if netns is None else f"network namespace {path}"
    ev = {"netns": path}
    try:
        ev["netns_inode"] = os.stat(path).st_ino
    except OSError:
        pass
    out = [_ok(spec, f"{what} ({spec.attach_type.lower()} attaches with BPF_LINK_CREATE)", **ev)]
    if spec.kind == "flow_dissector" and os.fspath(host.root) == "/":
        out += _flow_dissector_occupied(path)
    return out


def _flow_dissector_occupied(path: str) -> list[Finding]:
    """A namespace holds one flow dissector (kernel/bpf/net_namespace.c): say
    which program is there before the attach fails with E2BIG or EEXIST."""
    from bpfdoctor.errors import BpfDoctorError
    from bpfdoctor.kernel.links import prog_query

    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return []
    try:
        ids = prog_query(fd, "FLOW_DISSECTOR")
    except (BpfDoctorError, OSError):
        return []
    finally:
        os.close(fd)
    if not ids:
        return []
    return [Finding("attach-flow-dissector-occupied", WARN, f"the network namespace already runs flow dissector "
                    f"program id {ids[0]}: a second one fails (E2BIG when it holds a link, EEXIST otherwise)",
                    AREA, {"netns": path, "programs": ids}, "detach it first (bpftool net show; close or unpin "
                    "its link), or attach in another namespace", "kernel/bpf/net_namespace.c: netns_bpf_link_attach")]


def reuseport(spec, host, **_) -> list[Finding]:
    return [Finding("attach-socket-needed", INFO, "no host target to check: the program needs a socket; "
                    "without --dry-run bpfdoctor attaches it to a SO_REUSEPORT UDP socket of its own", AREA, {})]


CHECKS = {"perf_event": perf_event, "sk_skb": sockmap, "sk_msg": sockmap, "sk_lookup": netns,
          "flow_dissector": netns, "sk_reuseport": reuseport}
