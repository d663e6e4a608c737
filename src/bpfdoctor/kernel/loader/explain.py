"""Why a program was rejected, from its verifier log (``bpfdoctor.verifier``)."""

from __future__ import annotations

import errno as E
import os

_STAT_PREFIXES = ("processed ", "verification time", "stack depth", "-- END PROG LOAD LOG --")


def log_tail(log: str, n: int = 8) -> list[str]:
    """The last ``n`` lines of the log that are not closing statistics."""
    lines = [ln.rstrip() for ln in log.splitlines() if ln.strip()]
    while lines and lines[-1].lstrip().startswith(_STAT_PREFIXES):
        lines.pop()
    return lines[-n:]


def errno_meaning(err: int) -> str:
    from bpfdoctor.verifier import explain_errno

    info = explain_errno(err)
    base = os.strerror(err) if err != 524 else "Operation not supported"
    causes = getattr(info, "prog_load", ()) if info is not None else ()
    return f"{base}: {causes[0]}" if causes else base


def explain_result(result, maps=(), read_sources: bool = True):
    """A ``verifier.Explanation`` for a rejected program, or None without a log.

    Uses the level-2 re-verification (``result.verbose``) when there is one,
    and the program's type and maps (``MapResult``) for fixes in its names;
    with ``read_sources`` the C files named by line_info, where readable."""
    if not result.log.strip() and result.verbose is None:
        return None
    from bpfdoctor.verifier import explain_log, parse_text
    from bpfdoctor.verifier.context import MapFacts, ProgramContext
    from bpfdoctor.verifier.sources import SourceCache

    ctx = ProgramContext(prog_type=result.prog_type, name=result.name, maps={
        m.name: MapFacts(m.name, m.to_dict()["type"], m.key_size, m.value_size, m.max_entries)
        for m in maps}, core_failures=tuple((c.insn, c.spec) for c in result.core if c.poisoned),
        sources=SourceCache() if read_sources else None)
    parsed = result.verbose
    if parsed is None or parsed.verdict.value != "rejected":
        parsed = parse_text(result.log)
    if parsed.errno is None and result.errno is not None:
        from bpfdoctor.record import replace

        parsed = replace(parsed, errno=result.errno)
    return explain_log(parsed, result.line_for_insn, ctx)


def needs_host_diagnosis(result) -> bool:
    """EPERM/ENOMEM are about the host (capabilities, memory), not the program."""
    return result.errno in (E.EPERM, E.ENOMEM)
