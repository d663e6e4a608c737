"""Text and JSON for ``bpfdoctor prog stats`` (pure; records from kernel.stats)."""

from __future__ import annotations

import json


def session_note(session) -> str | None:
    """A warning about the counters, from what was on before we started."""
    if session.sysctl_before:
        return ("kernel.bpf_stats_enabled is already 1: counters include runs "
                "from before this command")
    return None


def stats_json(sample) -> dict:
    return {"sample": sample.index, "interval_s": round(sample.interval_s, 3), "loaded": sample.loaded,
            "idle": sample.idle,
            "programs": [{"id": p.id, "type": p.type, "name": p.name, "runs": p.runs,
                          "runs_per_s": round(p.rate, 1),
                          "avg_ns": None if p.avg_ns is None else round(p.avg_ns, 1),
                          "total_runs": p.total_runs, "total_ns": p.total_ns,
                          "recursion_misses": p.recursion_misses} for p in sample.programs]}


def sample_out(sample, as_json: bool) -> str:
    """One sample as the command streams it: a JSON line, or a table (a
    blank line between tables)."""
    if as_json:
        return json.dumps(stats_json(sample)) + "\n"
    return ("\n" if sample.index > 1 else "") + stats_text(sample)


def stats_text(sample) -> str:
    """One interval of ``prog stats``: a small top, busiest first."""
    head = (f"{'ID':>6} {'TYPE':<16} {'NAME':<16} {'RUNS':>10} {'RUNS/S':>10} {'AVG NS':>8} "
            f"{'TOTAL RUNS':>12} {'TOTAL NS':>14}")
    rows = [head]
    for p in sample.programs:
        avg = f"{p.avg_ns:.0f}" if p.avg_ns is not None else "-"
        rows.append(f"{p.id:>6} {p.type:<16.16} {p.name:<16.16} {p.runs:>10} {p.rate:>10.1f} {avg:>8} "
                    f"{p.total_runs:>12} {p.total_ns:>14}")
    idle = sample.idle
    tail = f"{len(sample.programs)} program(s) ran in {sample.interval_s:.1f} s"
    if idle:
        tail += f"; {idle} loaded program(s) did not run"
    return "\n".join(rows) + "\n" + tail + "\n"
