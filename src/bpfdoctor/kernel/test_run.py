"""``bpfdoctor prog run``: BPF_PROG_TEST_RUN on a loaded program or on one
program of an object (loaded for the run, unloaded after).

The kernel runs the program on the bytes given (``data_in``, a packet for
networking types) and/or a context (``ctx_in``: ``struct __sk_buff``,
``struct xdp_md``, raw tracepoint arguments) and returns the program's
return value, the average run time over ``repeat`` runs, and the packet as
the program left it.  Which types support it, and what they demand of the
input, is net/bpf/test_run.c (``bpf_prog_test_run_skb``/``_xdp``/
``_raw_tp``/``_flow_dissector``/``_sk_lookup``/``_syscall``); the errors a
run meets are explained from there, per program type.
"""

from __future__ import annotations

import errno as E

from bpfdoctor.errors import SyscallError, UsageError
from bpfdoctor.kernel import info as kinfo
from bpfdoctor.kernel.enums import ProgType
from bpfdoctor.kernel.progs import Program
from bpfdoctor.record import record

# Return values by program type (include/uapi/linux/bpf.h enum xdp_action;
# include/uapi/linux/pkt_cls.h TC_ACT_*; enum bpf_ret_code for lwt/flow dissector).
XDP_ACTIONS = {0: ("XDP_ABORTED", "program error: the packet is dropped and the xdp:xdp_exception tracepoint fires"),
               1: ("XDP_DROP", "the packet is dropped"),
               2: ("XDP_PASS", "the packet goes on to the network stack"),
               3: ("XDP_TX", "the packet is sent back out of the interface it came in on"),
               4: ("XDP_REDIRECT", "the packet is redirected (bpf_redirect / bpf_redirect_map)")}
TC_ACTIONS = {-1: ("TC_ACT_UNSPEC", "use the default action of the tc configuration"),
              0: ("TC_ACT_OK", "the packet goes on"),
              1: ("TC_ACT_RECLASSIFY", "classify the packet again"),
              2: ("TC_ACT_SHOT", "the packet is dropped"),
              3: ("TC_ACT_PIPE", "go on with the next action"),
              4: ("TC_ACT_STOLEN", "the packet is consumed (no further processing)"),
              5: ("TC_ACT_QUEUED", "the packet is queued"),
              6: ("TC_ACT_REPEAT", "run the action again"),
              7: ("TC_ACT_REDIRECT", "the packet is redirected (bpf_redirect)"),
              8: ("TC_ACT_TRAP", "the packet goes to the slow path")}
BPF_RET = {0: ("BPF_OK", "go on"), 2: ("BPF_DROP", "the packet is dropped"),
           7: ("BPF_REDIRECT", "the packet is redirected"),
           8: ("BPF_LWT_REROUTE", "the packet is routed again")}
TEST_RUN_TYPES = frozenset({
    ProgType.SOCKET_FILTER, ProgType.SCHED_CLS, ProgType.SCHED_ACT, ProgType.XDP,
    ProgType.CGROUP_SKB, ProgType.LWT_IN, ProgType.LWT_OUT, ProgType.LWT_XMIT,
    ProgType.LWT_SEG6LOCAL, ProgType.FLOW_DISSECTOR, ProgType.RAW_TRACEPOINT,
    ProgType.TRACING, ProgType.SK_LOOKUP, ProgType.SYSCALL, ProgType.STRUCT_OPS,
})
ETH_HLEN = 14
PACKET_TYPES = frozenset({ProgType.SOCKET_FILTER, ProgType.SCHED_CLS, ProgType.SCHED_ACT,
                          ProgType.XDP, ProgType.CGROUP_SKB, ProgType.LWT_IN, ProgType.LWT_OUT,
                          ProgType.LWT_XMIT, ProgType.LWT_SEG6LOCAL, ProgType.FLOW_DISSECTOR})


def return_meaning(prog_type: ProgType, retval: int) -> tuple[str | None, str]:
    """(symbolic name or None, what it means) for ``retval`` of ``prog_type``."""
    signed = retval - (1 << 32) if retval >= 1 << 31 else retval
    if prog_type == ProgType.XDP:
        return XDP_ACTIONS.get(retval, (None, "not an XDP action: the kernel treats it as XDP_ABORTED "
                                              "(bpf_warn_invalid_xdp_action)"))
    if prog_type in (ProgType.SCHED_CLS, ProgType.SCHED_ACT):
        return TC_ACTIONS.get(signed, (None, "not a TC action: tc treats unknown values as TC_ACT_UNSPEC"))
    if prog_type == ProgType.SOCKET_FILTER:
        if retval == 0:
            return None, "drop the packet (a socket filter returns how many bytes to keep)"
        return None, f"keep {retval} byte(s) of the packet (a socket filter returns how many bytes to keep)"
    if prog_type == ProgType.CGROUP_SKB:
        return {0: ("deny", "the packet is dropped"), 1: ("allow", "the packet is allowed"),
                2: ("deny+cn", "dropped, congestion notified (egress only)"),
                3: ("allow+cn", "allowed, congestion notified (egress only)")}.get(
                    retval, (None, "out of range: the verifier only allows 0..3"))
    if prog_type in (ProgType.LWT_IN, ProgType.LWT_OUT, ProgType.LWT_XMIT, ProgType.LWT_SEG6LOCAL,
                     ProgType.FLOW_DISSECTOR):
        return BPF_RET.get(retval, (None, "not a bpf_ret_code"))
    if prog_type == ProgType.SK_LOOKUP:
        return {0: ("SK_DROP", "the lookup fails, the packet is dropped"),
                1: ("SK_PASS", "the lookup goes on (to the selected socket if one was assigned)")}.get(
                    retval, (None, "out of range"))
    return None, f"return value {signed}"


@record
class RunReport:
    """What ``prog run`` reports: the program, its return value (unsigned, as the
    kernel gives it) with its name and meaning for the program type, the mean
    time per run in ns over ``repeat`` runs (see ``timed``), and the data before
    and after."""

    prog_id: int
    name: str
    prog_type: ProgType
    retval: int
    retval_name: str | None
    meaning: str
    duration_ns: int
    repeat: int
    data_in: bytes
    data_out: bytes
    ctx_out: bytes
    source: str          # "id N" or the object path

    @property
    def timed(self) -> bool:
        """raw_tracepoint and syscall runs are not timed (test_run.c runs them once, untimed)."""
        return self.prog_type not in (ProgType.RAW_TRACEPOINT, ProgType.SYSCALL)

    @property
    def data_changed(self) -> bool:
        return self.data_out != self.data_in

    def to_dict(self) -> dict:
        signed = self.retval - (1 << 32) if self.retval >= 1 << 31 else self.retval
        return {"id": self.prog_id, "name": self.name, "type": self.prog_type.name.lower(),
                "source": self.source, "retval": signed, "retval_name": self.retval_name,
                "meaning": self.meaning, "duration_ns": self.duration_ns if self.timed else None, "repeat": self.repeat,
                "data_size_in": len(self.data_in), "data_size_out": len(self.data_out),
                "data_changed": self.data_changed, "data_out": self.data_out.hex(),
                "ctx_out": self.ctx_out.hex() or None}


def why_refused(prog_type: ProgType, err: int, data: bytes, ctx: bytes, repeat: int) -> str:
    """The cause of a failed run, from net/bpf/test_run.c for this program type."""
    t = prog_type.name.lower()
    if err == 524 or err == E.ENOTSUP:
        if prog_type not in TEST_RUN_TYPES:
            return (f"{t} programs have no BPF_PROG_TEST_RUN in the kernel (no .test_run in their "
                    "bpf_prog_ops): attach them and trigger the event instead")
        return f"the kernel cannot test-run this {t} program (ENOTSUPP)"
    if err == E.EINVAL:
        if prog_type in PACKET_TYPES and len(data) < ETH_HLEN:
            return (f"{t} runs need at least an Ethernet header of data ({ETH_HLEN} bytes; "
                    f"got {len(data)}): bpf_prog_test_run_skb/_xdp refuse shorter input")
        if prog_type in (ProgType.RAW_TRACEPOINT, ProgType.SYSCALL) and data:
            return f"{t} runs take only --ctx-in (the arguments), no data"
        if prog_type == ProgType.XDP and ctx:
            return "the xdp_md context given is inconsistent with the data (ingress_ifindex, data offsets)"
        return f"the kernel refused the input for a {t} program (EINVAL): check data and ctx sizes"
    if err == E.ENOSPC:
        return "the program's output does not fit the output buffer"
    if err == E.EPERM:
        return "BPF_PROG_TEST_RUN needs CAP_SYS_ADMIN (or CAP_BPF and CAP_NET_ADMIN for networking types)"
    if err == E.E2BIG:
        return "the data or the context is larger than the kernel accepts for this type"
    return f"BPF_PROG_TEST_RUN failed for a {t} program"


def run_program(prog, *, data: bytes = b"", ctx: bytes = b"", repeat: int = 1, source: str = "") -> RunReport:
    """Run ``prog`` (a descriptor we own: Program or KernelObject) once or ``repeat`` times."""
    rec = kinfo.prog_info(prog, arrays=None)
    p = prog if isinstance(prog, Program) else Program(prog.fd, int(rec.type), rec.name)
    try:
        out_size = len(data) + 4096 if data else 0  # room for bpf_xdp_adjust_tail / skb growth
        # bpf_prog_test_run_raw_tp / _syscall refuse any repeat (-EINVAL): they run once.
        once = rec.type in (ProgType.RAW_TRACEPOINT, ProgType.SYSCALL)
        if once and repeat > 1:
            raise UsageError(f"{rec.name} ({rec.type.name.lower()}): the kernel runs this type once; "
                             "--repeat is not allowed")
        try:
            res = p.test_run(data, ctx=ctx, repeat=0 if once else repeat, data_out_size=out_size,
                             ctx_out_size=len(ctx))
        except SyscallError as e:
            raise SyscallError("bpf(BPF_PROG_TEST_RUN)", e.errno,
                               f"{rec.name or 'program'} ({rec.type.name.lower()}, id {rec.id}): test run "
                               f"failed: {e.errno_name}: {why_refused(rec.type, e.errno, data, ctx, repeat)}"
                               ) from None
    finally:
        if p is not prog:
            p.detach()  # the descriptor stays with ``prog``
    name, meaning = return_meaning(rec.type, res.retval)
    return RunReport(rec.id, rec.name, rec.type, res.retval, name, meaning, res.duration_ns, repeat,
                     data, res.data_out, res.ctx_out, source or f"id {rec.id}")


def parse_hex(text: str) -> bytes:
    """``--data-hex``: hex digits, spaces and colons allowed between bytes."""
    try:
        return bytes.fromhex(text.replace(":", " "))
    except ValueError:
        raise UsageError(f"--data-hex: not hex digits: {text[:40]!r}") from None


def pick_program(path: str, program: str | None) -> str:
    """The program of the object at ``path`` to run: ``program``, which must
    exist, or the only one there is."""
    from bpfdoctor.elf import open_object
    from bpfdoctor.errors import NotFoundError

    names = [p.name for p in open_object(path).programs]
    if program is None:
        if len(names) == 1:
            return names[0]
        raise UsageError(f"{path}: has {len(names)} programs; pick one with --program "
                         f"({', '.join(names[:8])}{', ...' if len(names) > 8 else ''})")
    if program not in names:
        raise NotFoundError(f"{path}: no program named {program!r} (programs: {', '.join(names)})")
    return program


def run_target(target, program: str | None = None, **kw) -> RunReport:
    """Run what ``target`` names: a loaded program (``id N``, ``name NAME``,
    ``tag TAG``, ``pinned PATH``, a bare id) or one program of an object file
    (``program``, or its only one), loaded for the run and unloaded after.
    ``kw`` goes to ``run_program`` (data, ctx, repeat)."""
    from bpfdoctor.kernel.prog_select import is_selector, open_one

    target = tuple(target)
    if is_selector(target):
        with open_one(target) as fd:
            return run_program(fd, source=" ".join(target), **kw)
    if len(target) != 1:
        raise UsageError(f"expected an object file or PROG (id N, name NAME, ...), got {' '.join(target)!r}")
    return run_from_object(target[0], pick_program(target[0], program), **kw)


def run_from_object(path: str, program: str, **kw) -> RunReport:
    """Load ``program`` of the object at ``path``, run it, unload everything."""
    from bpfdoctor.errors import InputError
    from bpfdoctor.kernel.loader import load_object

    with load_object(path, programs=[program]) as lo:
        r = lo.result(program)
        if not r.ok:
            why = f"{r.errno_name}: {r.message}" if r.errno else (r.message or r.status)
            raise InputError(path, f"program {program} was not loaded ({why.splitlines()[0]})",
                             hint=f"bpfdoctor load {path} --program {program} explains the rejection")
        return run_program(lo.programs[program], source=str(path), **kw)
