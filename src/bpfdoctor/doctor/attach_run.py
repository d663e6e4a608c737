"""``bpfdoctor attach``: check every program's attach target, then (unless
``dry_run``) load the object, attach each program for real, report the
kernel's answer with its meaning for that attach kind, and detach.

Everything attached is detached and everything loaded is unloaded before
``check_attach`` returns, also when it raises or on Ctrl-C (``with`` blocks
own every descriptor).
"""

from __future__ import annotations

import errno as E
import os

from bpfdoctor.doctor.attach import HostView, check
from bpfdoctor.errors import SyscallError
from bpfdoctor.findings import Finding, Severity
from bpfdoctor.host import tracefs as T
from bpfdoctor.kernel import links
from bpfdoctor.kernel.attach_spec import AttachSpec, attach_spec
from bpfdoctor.record import field, record


@record
class AttachResult:
    """The kernel's answer to one attach.  ``how`` is the call that attached (or
    failed), ``meaning`` what the errno means for this attach kind; ``note``
    says why the attach was not tried, or what else happened (a fallback mode)."""

    status: str                 # attached, failed, not-loaded, skipped
    how: str | None = None
    errno: int | None = None
    errno_name: str | None = None
    meaning: str | None = None
    note: str | None = None

    def to_dict(self) -> dict:
        return {"status": self.status, "how": self.how, "errno": self.errno, "errno_name": self.errno_name,
                "meaning": self.meaning, "note": self.note}


@record
class ProgramAttach:
    """One program of ``attach``: where it attaches, what the host checks found,
    and the attach itself."""

    spec: AttachSpec
    findings: tuple[Finding, ...]
    result: AttachResult | None = None   # None with --dry-run

    @property
    def ok(self) -> bool:
        if self.result is not None:
            return self.result.status == "attached"
        return not any(f.severity == Severity.FAIL for f in self.findings)

    def to_dict(self) -> dict:
        s = self.spec
        return {"program": s.program, "section": s.section, "kind": s.kind, "target": s.target,
                "direction": s.direction, "findings": [f.to_dict() for f in self.findings],
                "attach": self.result.to_dict() if self.result else None, "ok": self.ok}


@record
class AttachReport:
    """The ``attach`` report: one ProgramAttach per program, and notes on what was
    done to make the run possible (a tracefs mounted)."""

    object: str
    dry_run: bool
    programs: tuple[ProgramAttach, ...]
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {"object": self.object, "dry_run": self.dry_run,
                "programs": [p.to_dict() for p in self.programs], "notes": list(self.notes)}


def specs_of(obj, programs=None) -> list[AttachSpec]:
    progs = obj.programs
    if programs:
        from bpfdoctor.errors import NotFoundError

        names = {p.name for p in progs}
        for n in programs:
            if n not in names:
                raise NotFoundError(f"{obj.path}: no program named {n!r} (programs: {', '.join(sorted(names))})")
        progs = [p for p in progs if p.name in programs]
    return [attach_spec(p.name, p.section, p.prog_type, p.attach_type) for p in progs]


def check_attach(path: str, *, programs=None, iface: str | None = None, cgroup: str | None = None,
                 dry_run: bool = False, xdp_mode: str = "auto", tc_mode: str = "auto",
                 root: str = "/", mount_tracefs: bool = False, sock_map: str | None = None,
                 netns: str | None = None, perf_event: str | None = None, perf_cpu: int = 0) -> AttachReport:
    """Check (and unless ``dry_run`` attach and detach) the programs of the
    object at ``path``.  ``mount_tracefs``: when the host root has no tracefs
    mounted, mount one in a private mount namespace of this process first.
    ``sock_map``: the object's sockmap/sockhash for sk_skb/sk_msg (default: the
    first); ``netns``: namespace file for sk_lookup/flow_dissector (default:
    this process's); ``perf_event``/``perf_cpu``: the event for perf_event
    programs (default cpu-clock on CPU 0)."""
    from bpfdoctor.elf import open_object

    notes: tuple[str, ...] = ()
    if mount_tracefs and root == "/":
        from bpfdoctor.kernel.mountns import find_tracefs

        note = find_tracefs(mount=True)[1]
        notes = (note,) if note else ()
    obj = open_object(path)
    host = HostView(root)
    specs = specs_of(obj, programs)
    extra = dict(maps=[(m.name, m.type_name) for m in obj.maps], sock_map=sock_map, netns=netns,
                 perf_event=perf_event, perf_cpu=perf_cpu)
    checked = [(s, tuple(check(s, host, iface=iface, cgroup=cgroup, **extra))) for s in specs]
    if dry_run:
        return AttachReport(str(path), True, tuple(ProgramAttach(s, f) for s, f in checked), notes)
    from bpfdoctor.kernel.loader import load_object

    out = []
    with load_object(obj, programs=[s.program for s in specs]) as lo:
        for s, f in checked:
            r = lo.result(s.program)
            if not r.ok:
                from bpfdoctor.kernel.links import errno_meaning

                res = AttachResult("not-loaded", errno=r.errno, errno_name=r.errno_name,
                                   meaning=errno_meaning(r.errno, s.kind) if r.errno else r.message,
                                   note="the program did not load, so it cannot attach "
                                        f"(bpfdoctor load {path} --program {s.program})")
            else:
                res = attach_once(lo.programs[s.program].fd, s, host, iface=iface, cgroup=cgroup,
                                  xdp_mode=xdp_mode, tc_mode=tc_mode,
                                  **{**extra, "maps": {n: m.fd for n, m in lo.maps.items()},
                                     "map_types": extra["maps"]})
            out.append(ProgramAttach(s, f, res))
    return AttachReport(str(path), False, tuple(out), notes)


def attach_once(prog_fd: int, spec: AttachSpec, host: HostView, *, iface=None, cgroup=None,
                xdp_mode: str = "auto", tc_mode: str = "auto", **extra) -> AttachResult:
    """Attach, then detach at once; the kernel's answer as an AttachResult.
    ``extra``: ``maps`` (name -> map fd), ``map_types`` ((name, type name)), ``sock_map``, ``netns``,
    ``perf_event``, ``perf_cpu`` for the socket-level and perf_event kinds."""
    note = None
    try:
        if spec.kind in _SK_KINDS:
            att, note = _attach_sk(prog_fd, spec, **extra)
        else:
            att, note = _attach(prog_fd, spec, host, iface, cgroup, xdp_mode, tc_mode)
    except _Skip as s:
        return AttachResult("skipped", note=str(s))
    except SyscallError as e:
        return AttachResult("failed", how=e.command, errno=e.errno, errno_name=e.errno_name,
                            meaning=links.errno_meaning(e.errno, spec.kind))
    with att:
        how = att.how
    return AttachResult("attached", how=how, note=note)


class _Skip(Exception):
    pass


def _retprobe_bit(root: str, pmu: str) -> int:
    """``/sys/bus/event_source/devices/PMU/format/retprobe`` reads ``config:N``."""
    from bpfdoctor.host._files import read_text

    text = (read_text(root, f"/sys/bus/event_source/devices/{pmu}/format/retprobe") or "config:0").strip()
    try:
        return int(text.split(":", 1)[1])
    except (IndexError, ValueError):
        return 0


def _attach(fd: int, s: AttachSpec, host: HostView, iface, cgroup, xdp_mode, tc_mode="auto"):
    k = s.kind
    if k in ("raw_tp",):
        if not s.target:
            raise _Skip("no tracepoint name in the section")
        return links.raw_tracepoint_open(fd, s.target), None
    if k in ("tp_btf", "fentry", "fexit", "fmod_ret", "lsm", "freplace"):
        return links.raw_tracepoint_open(fd, None), None
    if k == "tracepoint":
        if not s.target:
            raise _Skip("no CATEGORY/NAME in the section")
        if host.tracefs is None:
            raise _Skip("tracefs is not mounted: no tracepoint id (see --mount-tracefs)")
        cat, name = s.target.split("/", 1)
        tp_id = T.tracepoint_id(host.root, host.tracefs, cat, name)
        if tp_id is None:
            raise SyscallError("tracefs lookup", E.ENOENT, f"no tracepoint {cat}:{name}")
        return links.attach_tracepoint(fd, tp_id), None
    if k in ("kprobe", "kretprobe", "ksyscall"):
        pmu = T.pmu_type(host.root, "kprobe")
        if pmu is None:
            raise _Skip("no kprobe PMU on this kernel (CONFIG_KPROBES off?): nothing to attach to")
        target = s.target
        if k == "ksyscall":
            target = "__x64_sys_" + (s.target or "")
        bit = _retprobe_bit(host.root, "kprobe") if k == "kretprobe" else None
        return links.attach_kprobe(fd, pmu, target or "", s.offset, bit), None
    if k in ("uprobe", "uretprobe"):
        from bpfdoctor.host.binsyms import func_offset, resolve_binary

        pmu = T.pmu_type(host.root, "uprobe")
        if pmu is None:
            raise _Skip("no uprobe PMU on this kernel")
        if not s.target:
            raise _Skip("no BINARY:FUNC in the section")
        binary, func = s.target.rsplit(":", 1)
        path = resolve_binary(binary, host.root)
        if path is None:
            raise SyscallError("resolve binary", E.ENOENT, f"no binary {binary}")
        look = func_offset(path, func, host.root)
        if look.offset is None:
            raise SyscallError("find function", E.ENOENT, f"no function {func} in {path}")
        bit = _retprobe_bit(host.root, "uprobe") if k == "uretprobe" else None
        return links.attach_uprobe(fd, pmu, path, look.offset + s.offset, bit), None
    if k in ("xdp", "tc", "tcx"):
        if iface is None:
            raise _Skip("no --iface given")
        info = T.interface(host.root, iface)
        if info is None:
            raise SyscallError("if_nametoindex", E.ENODEV, f"no interface {iface}")
        if k == "xdp":
            if xdp_mode != "auto":
                return links.attach_xdp(fd, info["ifindex"], xdp_mode), None
            try:
                return links.attach_xdp(fd, info["ifindex"], "native"), None
            except SyscallError as e:
                if e.errno not in (E.EOPNOTSUPP, E.EINVAL):
                    raise
                att = links.attach_xdp(fd, info["ifindex"], "generic")
                return att, (f"native XDP refused ({e.errno_name}): driver {info['driver'] or 'unknown'} has no "
                             "XDP support; attached in generic (skb) mode instead")
        direction = s.direction or "ingress"
        if k == "tcx" or tc_mode == "tcx":
            return links.attach_tcx(fd, info["ifindex"], direction), None
        from bpfdoctor.kernel.tc_netlink import attach_tc

        if tc_mode == "netlink":
            return attach_tc(fd, info["ifindex"], direction, s.program), None
        try:
            return links.attach_tcx(fd, info["ifindex"], direction), None
        except SyscallError as e:
            if e.errno != E.EINVAL:  # EINVAL: no tcx link type before 6.6
                raise
            return attach_tc(fd, info["ifindex"], direction, s.program), (
                "no tcx links on this kernel (EINVAL): attached as a clsact bpf filter instead")
    if k == "cgroup":
        if cgroup is None:
            raise _Skip("no --cgroup given")
        if not os.path.isdir(cgroup):
            raise SyscallError("open(cgroup)", E.ENOENT, f"{cgroup}: no such directory")
        return links.attach_cgroup(fd, cgroup, s.attach_type or "CGROUP_INET_INGRESS"), None
    if k == "socket":
        return links.attach_socket(fd), None
    why = {"kprobe_multi": "kprobe.multi links are not made by bpfdoctor yet"}
    raise _Skip(why.get(k, f"{k} programs are not attached by bpfdoctor"))


_SK_KINDS = ("perf_event", "sk_skb", "sk_msg", "sk_lookup", "flow_dissector", "sk_reuseport")


def _attach_sk(fd: int, s: AttachSpec, *, maps=None, map_types=(), sock_map=None, netns=None, perf_event=None,
               perf_cpu=0, **_):
    from bpfdoctor.doctor.attach_sk import DEFAULT_NETNS, SOCK_MAP_TYPES
    from bpfdoctor.kernel.attach_spec import DEFAULT_PERF_EVENT, PERF_EVENT_NAMES

    k = s.kind
    if k == "perf_event":
        event = perf_event or DEFAULT_PERF_EVENT
        if event not in PERF_EVENT_NAMES:
            raise _Skip(f"no generic perf event named {event!r}")
        if not os.path.isdir(f"/sys/devices/system/cpu/cpu{perf_cpu}"):
            raise _Skip(f"CPU {perf_cpu} does not exist here")
        return links.attach_perf_counter(fd, event, perf_cpu), None
    if k in ("sk_skb", "sk_msg"):
        kinds = dict(map_types)  # name -> type name
        name = sock_map or next((n for n, t in kinds.items() if t in SOCK_MAP_TYPES), None)
        if name is None:
            raise _Skip("the object has no sockmap or sockhash to attach to")
        if name not in (maps or {}):
            raise SyscallError("map lookup", E.ENOENT, f"no map {name} was created")
        return links.attach_sockmap(fd, maps[name], name, s.attach_type), None
    if k in ("sk_lookup", "flow_dissector"):
        path = netns or DEFAULT_NETNS
        if not os.path.exists(path):
            raise SyscallError("open(netns)", E.ENOENT, f"{path}: no such network namespace file")
        return links.attach_netns(fd, path, s.attach_type or k.upper()), None
    return links.attach_reuseport(fd), None
