"""Text for ``bpfdoctor attach`` (pure; records from doctor.attach_run)."""

from __future__ import annotations

_MARK = {"ok": "ok  ", "info": "info", "warn": "WARN", "fail": "FAIL"}


def attach_text(report) -> str:
    mode = "dry run: targets checked, nothing attached" if report.dry_run else \
        "each program attached, then detached"
    lines = [f"{report.object}: {mode}"]
    for p in report.programs:
        s = p.spec
        tgt = f" -> {s.target}" if s.target else ""
        if s.direction:
            tgt += f" ({s.direction})"
        lines.append("")
        lines.append(f"{'ok  ' if p.ok else 'FAIL'}  {s.program} ({s.kind}, section {s.section}){tgt}")
        for f in p.findings:
            lines.append(f"      {_MARK[f.severity.value]}  {f.summary}")
            if f.fix and f.severity.value in ("warn", "fail"):
                lines.append(f"            fix: {f.fix}")
        r = p.result
        if r is None:
            continue
        if r.status == "attached":
            lines.append(f"      attach: attached through {r.how}, then detached")
        elif r.status == "skipped":
            lines.append(f"      attach: not tried: {r.note}")
        elif r.status == "not-loaded":
            lines.append(f"      attach: program not loaded: {r.meaning or r.errno_name or ''}".rstrip())
        else:
            lines.append(f"      attach: FAILED in {r.how}: {r.errno_name}: {r.meaning}")
        if r.note and r.status != "skipped":
            lines.append(f"      note: {r.note}")
    for n in report.notes:
        lines.append(f"note: {n}")
    return "\n".join(lines) + "\n"
