"""Load one relocated program (libbpf.c ``bpf_object_load_prog``) and say how it went.

The load runs with ``BPF_LOG_STATS`` (4) so an accepted program still tells
its verification time and states at almost no cost; a rejected one is loaded
again at level 1 for the verifier's full reasoning (libbpf retries the same
way, with its own buffer).  ``log_level`` from the user is passed as is, plus
the stats bit.
"""

from __future__ import annotations

from bpfdoctor.errors import SyscallError, VerifierError
from bpfdoctor.kernel.enums import ProgType
from bpfdoctor.kernel.info import prog_info
from bpfdoctor.kernel.loader.consts import BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS
from bpfdoctor.kernel.loader.results import VerifierStats
from bpfdoctor.kernel.progs import Program, load_program
from bpfdoctor.lazylog import get_logger

log = get_logger(__name__)

LOG_STATS = 4


class AttachError(Exception):
    """No attach target for a program that needs one."""


def attach_btf_id(prog_type: int, attach_type: int, target: str | None, env) -> int:
    """libbpf.c libbpf_find_attach_btf_id / find_attach_btf_id: vmlinux BTF id
    of the traced function (``btf_trace_<tp>`` typedef for tp_btf,
    ``bpf_lsm_<hook>`` for LSM, ``bpf_iter_<name>`` for iterators)."""
    if prog_type not in (ProgType.TRACING, ProgType.LSM, ProgType.EXT, ProgType.STRUCT_OPS):
        return 0
    from bpfdoctor.btf.kinds import Kind
    from bpfdoctor.kernel.enums import AttachType

    if prog_type == ProgType.EXT:
        raise AttachError("freplace programs need the program they replace (attach_prog_fd); not supported")
    if prog_type == ProgType.STRUCT_OPS:
        raise AttachError("struct_ops programs are loaded with their struct_ops map; not supported")
    if not target:
        raise AttachError("the section names no attach target (e.g. SEC(\"fentry/do_unlinkat\"))")
    prefix, kind = "", Kind.FUNC
    if attach_type == AttachType.TRACE_RAW_TP:
        prefix, kind = "btf_trace_", Kind.TYPEDEF
    elif attach_type in (AttachType.LSM_MAC, AttachType.LSM_CGROUP):
        prefix = "bpf_lsm_"
    elif attach_type == AttachType.TRACE_ITER:
        prefix = "bpf_iter_"
    ids = env.vmlinux.find_ids(prefix + target, kind)
    if not ids:
        raise AttachError(f"attach target {prefix + target!r} ({kind.name}) not found in vmlinux BTF")
    return ids[0]


def prog_flags(sectype) -> int:
    flags = 0
    if sectype is not None and "SLEEPABLE" in sectype.flags:
        flags |= BPF_F_SLEEPABLE
    if sectype is not None and "XDP_FRAGS" in sectype.flags:
        flags |= BPF_F_XDP_HAS_FRAGS
    return flags


def line_lookup(lines: list[tuple[int, ...]], btf) -> object:
    """``line_for_insn`` over the loaded program's own line_info (appended
    subprograms included), for the verifier explanation."""
    if not lines or btf is None:
        return None
    starts = [r[0] for r in lines]

    def line_for_insn(idx: int):  # used to explain a rejection
        import bisect

        k = bisect.bisect_right(starts, idx) - 1
        if k < 0:
            return None
        _off, file_off, line_off, col = lines[k][:4]
        return btf.str_at(file_off), col >> 10, btf.str_at(line_off), col & 0x3FF

    return line_for_insn


def _attempt(args: dict, level: int) -> Program:
    return load_program(**args, log_level=level, log_size=1 << 16 if level == LOG_STATS else 1 << 22)


def load(args: dict, user_level: int) -> tuple[Program | None, str, SyscallError | None]:
    """(program, log, error).  ``args`` are load_program keyword arguments."""
    level = (user_level | LOG_STATS) if user_level else LOG_STATS
    try:
        p = _attempt(args, level)
        return p, p.log, None
    except VerifierError as e:
        if user_level:
            return None, e.log, e
        first = e
    except SyscallError as e:
        return None, "", e
    # Stats-only logs hold the error line but not the reasoning: ask again at
    # level 1, whatever the errno, as libbpf.c bpf_object_load_prog does.
    try:
        p = _attempt(args, 1)
    except VerifierError as e:
        return None, e.log, e
    except SyscallError as e:
        return None, first.log, first if e.errno == first.errno else e
    log.warning("%s loaded on the second attempt (log level 1) after %s", args.get("name"), first.errno_name)
    return p, p.log, None


# Rejections whose level-2 log is the whole 1M-instruction walk: level 1
# already names the budget, and a second walk would cost seconds and
# hundreds of MB (kernel/bpf/verifier.c: do_check, BPF_COMPLEXITY_LIMIT_INSNS).
_BUDGET_ERRORS = ("BPF program is too large", "is too complex", "jumps is too complex")
VERBOSE_LOG_START = 1 << 24


def verify_verbose(args: dict, first_log: str):
    """On rejection, verify again at log level 2 (every state along the path)
    and stream the log through the verifier parser; None when it cannot help.
    ``load_program`` grows the buffer to the size the kernel asks for on
    ENOSPC (log_true_size); the text is parsed line by line, never kept."""
    from bpfdoctor.verifier import LogParser

    if any(m in first_log for m in _BUDGET_ERRORS):
        return None
    try:
        p = load_program(**args, log_level=2, log_size=VERBOSE_LOG_START)
    except VerifierError as e:
        text = e.log
    except SyscallError:
        return None
    else:  # accepted at level 2: nothing to analyse (flaky environment)
        p.close()
        return None
    parser = LogParser(args.get("name") or None)
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        parser.feed(text[start:end])
        start = end + 1
    return parser.finish()


def loaded_facts(p: Program) -> dict:
    # one call, no arrays: the lengths are what the report shows, and asking
    # for the instruction dumps would have the kernel build and copy them
    info = prog_info(p, arrays=None)
    return {"id": info.id, "tag": info.tag, "xlated_len": info.xlated_prog_len,
            "jited_len": info.jited_prog_len, "verified_insns": info.verified_insns}


def stats_of(log_text: str, verified: int | None) -> VerifierStats:
    s = VerifierStats.from_log(log_text)
    if s.processed_insns is None and verified is not None:
        return VerifierStats(processed_insns=verified)
    return s
