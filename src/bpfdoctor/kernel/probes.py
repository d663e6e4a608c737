"""Feature probes: program types, map types, helpers per program type, misc.

Each probe loads a tiny program or creates a tiny map and closes it at once.

Helper probes and why bpftool gets them wrong on new kernels: a helper is
unavailable when the verifier refuses the call itself.  Old kernels said
``unknown func bpf_x#N`` (unknown id: ``invalid func unknown#N``); since
Linux 6.7 the verifier says ``program of this type cannot use helper
bpf_x#N`` when ``get_func_proto()`` returns NULL for the program type
(kernel/bpf/verifier.c: ``get_helper_proto``/``check_helper_call``).
libbpf 1.1's ``libbpf_probe_bpf_helper`` (and so Debian's bpftool 7.1) only
greps the two old wordings, so on 6.7+ it calls every helper available.  We
accept all three.  Any other rejection (``R1 type=ctx expected=map_ptr``)
means the call was accepted and only its arguments were wrong: available.
"""

from __future__ import annotations

import ctypes
import errno as E
import os
import re
from collections.abc import Iterable

from bpfdoctor.kernel import insns as I
from bpfdoctor.kernel import syscall
from bpfdoctor.kernel.attrs import ProgLoadAttr
from bpfdoctor.kernel import enums
from bpfdoctor.kernel.enums import AttachType, BpfCmd, MapType, ProgType
from bpfdoctor.kernel.log import summarize
from bpfdoctor.kernel.probe_types import Features, Probe
from bpfdoctor.lazylog import get_logger
from bpfdoctor.kernel.probe_specs import (
    HELPER_SKIP, MAP_PROBE_SPECS, create_probe_map, prog_load_opts,
)

log = get_logger(__name__)

UNAVAILABLE_MARKS = (b"invalid func ", b"unknown func ", b"program of this type cannot use helper ")
LOG_SIZE = 512  # the refusal comes right after the first instruction; small buffers copy less
_LICENSE = ctypes.create_string_buffer(b"GPL")
_MAXINSNS = 4096  # BPF_MAXINSNS: the pre-5.2 limit


# Helper probes run in this many shares, all but the first in forked
# children.  Three on two cores: the parent also runs the program-type, map
# and misc probes and the other live checks, and with a third of the helper
# probes it no longer finishes last (probe_all: 186-203 ms -> 167-193 ms).
WORKERS = 3

def _load(attr: ProgLoadAttr, code: bytes, log_buf=None) -> tuple[int, int, bytes]:
    """Load ``code`` with ``attr``'s settings; close any fd; return (ok, errno, log)."""
    buf = ctypes.create_string_buffer(code, len(code))
    attr.insns, attr.insn_cnt, attr.license = ctypes.addressof(buf), len(code) // 8, ctypes.addressof(_LICENSE)
    if log_buf is not None:
        log_buf[0] = b"\0"
        attr.log_buf, attr.log_size, attr.log_level = ctypes.addressof(log_buf), len(log_buf), 1
    rv, err = syscall.invoke(BpfCmd.PROG_LOAD, ctypes.addressof(attr), ProgLoadAttr.end_of("attach_btf_obj_fd"))
    if rv >= 0:
        syscall.close_fd(rv)
    return rv >= 0, err, (log_buf.value if log_buf is not None else b"")


def _attr_for(pt: ProgType, kern_version: int) -> ProgLoadAttr:
    attr = ProgLoadAttr(prog_type=int(pt))
    for key, value in prog_load_opts(pt, kern_version).items():
        setattr(attr, key, int(value))
    return attr


def probe_prog_type(pt: ProgType, kern_version: int = 0) -> Probe:
    """Known to the kernel if the load succeeds or the verifier got to speak:
    an unknown type fails in ``find_prog_type`` before any log is written."""
    logbuf = ctypes.create_string_buffer(LOG_SIZE)
    ok, err, text = _load(_attr_for(pt, kern_version), I.return_imm(0), logbuf)
    if ok:
        return Probe(pt.label, True)
    if text:  # the verifier ran, so the type exists; keep its complaint as evidence
        return Probe(pt.label, True, err, summarize(text.decode(errors="replace")))
    if err == E.EPERM:
        return Probe(pt.label, None, err, "refused (EPERM) before verification")
    return Probe(pt.label, False, err)


def probe_map_type(mt: MapType) -> Probe:
    rv, err = create_probe_map(mt)
    spec = MAP_PROBE_SPECS.get(mt)
    known_err = spec.known_errno if spec else 0
    if rv or (known_err and err == known_err):
        return Probe(mt.label, True, err)
    if err == E.EPERM:
        return Probe(mt.label, None, err, "refused (EPERM)")
    return Probe(mt.label, False, err)


_UNAVAILABLE = re.compile(b"|".join(re.escape(m) for m in UNAVAILABLE_MARKS))
# Helpers whose mere verification changes the host, so bpftool skips them too
# unless asked ("full"): bpf_trace_printk/bpf_trace_vprintk allocate the
# trace_printk buffers and print a banner (kernel/trace/bpf_trace.c:
# bpf_get_trace_printk_proto), bpf_probe_write_user warns in the kernel log.
SIDE_EFFECT_HELPERS = frozenset(enums.value_of("BpfFunc", n) for n in ("TRACE_PRINTK", "PROBE_WRITE_USER",
                                                                    "TRACE_VPRINTK"))
# Helper ids and names as plain ints and strings: the BpfFunc enum (200
# members) cost ~5 ms to build, before the probes could fork.
_HELPER_LABELS = enums.labels("BpfFunc")


def _helper_batch(pt: ProgType, helper_ids: list[int], kern_version: int) -> tuple[bytes, int]:
    """Probe ``helper_ids`` for ``pt``: one status byte per id (``y`` available,
    ``n`` not), and the errno if the kernel refused before verifying anything."""
    attr = _attr_for(pt, kern_version)
    logbuf = ctypes.create_string_buffer(LOG_SIZE)
    attr.license, attr.log_level, attr.log_size = ctypes.addressof(_LICENSE), 1, LOG_SIZE
    attr.log_buf, attr.insn_cnt = ctypes.addressof(logbuf), 2
    addr, size = ctypes.addressof(attr), ProgLoadAttr.end_of("attach_btf_obj_fd")
    invoke, close, cmd, search = syscall.invoke, syscall.close_fd, int(BpfCmd.PROG_LOAD), _UNAVAILABLE.search
    out = bytearray()
    for hid in helper_ids:
        attr.insns = _CALL_ADDR[hid]
        logbuf[0] = b"\0"
        rv, err = invoke(cmd, addr, size)
        if rv >= 0:
            close(rv)
            out += b"y"
        elif err == E.EACCES:  # the call was accepted, its arguments were not
            out += b"y"
        else:
            text = logbuf.value
            if not text:  # refused before the verifier ran: no answer for this type
                return bytes(out), err
            out += b"n" if search(text) else b"y"
    return bytes(out), 0


class _CallPrograms(dict):
    """helper id -> ``call id; exit`` in a C buffer, built once per id."""

    def __missing__(self, hid: int):
        code = I.call(hid) + I.exit_()
        buf = self[hid] = ctypes.create_string_buffer(code, len(code))
        return buf


_CALL_PROGS = _CallPrograms()


class _CallAddr(dict):
    def __missing__(self, hid: int) -> int:
        addr = self[hid] = ctypes.addressof(_CALL_PROGS[hid])
        return addr


_CALL_ADDR = _CallAddr()


def kernel_helper_ids(known_max: int | None = None) -> list[int]:
    """Helper ids to probe: every id in our table, plus ids past it that the
    running kernel knows (it says ``invalid func unknown#N`` past its own end)."""
    top = known_max if known_max is not None else max(_HELPER_LABELS)
    ids = [h for h in _HELPER_LABELS if h != 0]
    attr = _attr_for(ProgType.SOCKET_FILTER, 0)
    logbuf = ctypes.create_string_buffer(LOG_SIZE)
    hid = top + 1
    while hid < top + 64:
        _ok, _err, text = _load(attr, I.call(hid) + I.exit_(), logbuf)
        if not text or b"invalid func unknown#" in text:
            break
        ids.append(hid)
        hid += 1
    return ids


def _run_types(types: list[ProgType], helper_ids: list[int], kern_version: int) -> list[tuple[bytes, int]]:
    return [_helper_batch(pt, helper_ids, kern_version) for pt in types]


def _forked(types: list[ProgType], helper_ids: list[int], kern_version: int):
    """Start a child that probes ``types``; return a function collecting its answer.

    A process, not a thread: threads contend for the GIL between the
    syscalls and ran slower than one thread; two processes use two cores.
    """
    from bpfdoctor.kernel.fork import fork_probe

    r, w = os.pipe()
    try:
        pid = fork_probe()
    except OSError:
        os.close(r), os.close(w)
        return None
    if pid == 0:  # child: probe, report, leave without running any cleanup of the parent's
        code = 0
        try:
            os.close(r)
            for status, err in _run_types(types, helper_ids, kern_version):
                os.write(w, b"%d %s\n" % (err, status or b"-"))
        except BaseException:  # noqa: BLE001 - the parent sees the short answer
            code = 1
        finally:
            os._exit(code)
    os.close(w)

    def collect() -> list[tuple[bytes, int]] | None:
        chunks = []
        with os.fdopen(r, "rb") as f:
            chunks = f.read().splitlines()
        os.waitpid(pid, 0)
        if len(chunks) != len(types):
            return None
        out = []
        for line in chunks:
            err, status = line.split(b" ", 1)
            out.append((b"" if status == b"-" else status, int(err)))
        return out

    return collect


def start_helper_probes(prog_types: Iterable[ProgType], helper_ids: list[int], kern_version: int = 0,
                        workers: int = WORKERS):
    """Start probing helpers per program type; returns ``finish()`` which
    returns (available, unavailable, number of loads).

    Forked children take part of the program types at once, so the caller can
    run other probes in between; ``finish()`` does the parent's share.  A
    type the kernel refuses before verifying (unknown, or EPERM) gets no entry.
    """
    types = [pt for pt in prog_types if pt not in HELPER_SKIP]
    ids = [h for h in helper_ids if h not in SIDE_EFFECT_HELPERS]
    for hid in ids:
        _CALL_ADDR[hid]  # build the programs once, before any fork
    shares = [types[i::workers] for i in range(max(1, workers))]
    collectors = [_forked(share, ids, kern_version) for share in shares[1:] if share]

    def finish():
        results = dict(zip(shares[0], _run_types(shares[0], ids, kern_version)))
        for share, collect in zip(shares[1:], collectors):
            answer = collect() if collect else None
            if answer is None:  # the child failed: do its share here
                answer = _run_types(share, ids, kern_version)
            results.update(zip(share, answer))
        return _tabulate(types, ids, results)

    return finish


def _tabulate(types, ids, results):
    avail, unavail, loads = {}, {}, 0
    for pt in types:
        status, err = results[pt]
        loads += len(status) + (1 if err else 0)
        if err:
            log.debug("helper probes for %s refused: errno %d", pt.label, err)
            continue
        avail[pt.label] = tuple(_helper_label(h) for h, st in zip(ids, status) if st == 121)
        unavail[pt.label] = tuple(_helper_label(h) for h, st in zip(ids, status) if st != 121)
    return avail, unavail, loads


def _helper_label(hid: int) -> str:
    """``BpfFunc(hid).label``, unknown ids included."""
    return _HELPER_LABELS.get(hid) or f"unknown_{hid}"


def probe_helpers(prog_types: Iterable[ProgType], helper_ids: list[int], kern_version: int = 0,
                  workers: int = WORKERS) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], int]:
    """Helpers per program type: (available, unavailable, number of loads)."""
    return start_helper_probes(prog_types, helper_ids, kern_version, workers)()


def probe_misc(kern_version: int = 0) -> tuple[Probe, ...]:
    """Verifier and ISA features, each with a small SCHED_CLS program."""
    attr = lambda: _attr_for(ProgType.SCHED_CLS, kern_version)  # noqa: E731
    big = I.mov64_imm(0, 1) * _MAXINSNS + I.exit_()
    loop = I.mov64_imm(0, 10) + I.alu64_imm(I.SUB, 0, 1) + I.jmp_imm(I.JNE, 0, 0, -2) + I.exit_()
    v2 = I.mov64_imm(0, 0) + I.jmp_imm(I.JLT, 0, 0, 1) + I.mov64_imm(0, 1) + I.exit_()
    v3 = I.mov64_imm(0, 0) + I.jmp32_imm(I.JLT, 0, 0, 1) + I.mov64_imm(0, 1) + I.exit_()
    v4 = I.mov64_imm(0, 0) + I.movsx64(0, 0, 8) + I.exit_()
    tests = (("large_insn_limit", big), ("bounded_loops", loop), ("isa_v2", v2), ("isa_v3", v3), ("isa_v4", v4))
    out = []
    for name, code in tests:
        ok, err, _ = _load(attr(), code)
        out.append(Probe(name, True if ok else (None if err == E.EPERM else False), err))
    return tuple(out)


def probe_all(*, helpers: bool = True, workers: int = WORKERS, kern_version: int = 0, meanwhile=None) -> Features:
    """Everything bpftool's ``feature probe`` covers (and ISA v4, and helper ids
    newer than our table), with every object closed again.

    The helper probes (thousands of loads) start first, in forked children,
    and the program-type, map-type and misc probes run meanwhile, then the
    caller's ``meanwhile()`` (other live checks), before the parent's share.
    """
    finish = None
    extra = 0
    if helpers:
        ids = kernel_helper_ids()
        extra = len(ids) - len(_HELPER_LABELS) + 2
        finish = start_helper_probes([pt for pt in ProgType if pt != ProgType.UNSPEC], ids,
                                     kern_version, workers)
    prog_types = tuple(probe_prog_type(pt, kern_version) for pt in ProgType if pt != ProgType.UNSPEC)
    map_types = tuple(probe_map_type(mt) for mt in MapType if mt != MapType.UNSPEC)
    misc = probe_misc(kern_version)
    if meanwhile is not None:
        meanwhile()
    avail: dict[str, tuple[str, ...]] = {}
    unavail: dict[str, tuple[str, ...]] = {}
    loads = len(prog_types) + len(map_types) + len(misc) + extra
    if finish is not None:
        avail, unavail, n = finish()
        loads += n
    return Features(prog_types, map_types, avail, unavail, misc, loads)


__all__ = ["Features", "Probe", "probe_all", "probe_helpers", "probe_map_type", "probe_misc",
           "probe_prog_type", "kernel_helper_ids", "AttachType"]
