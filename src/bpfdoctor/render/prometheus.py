"""Findings in the Prometheus text exposition format (version 0.0.4), for
node_exporter's textfile collector.  Pure: returns the text; the CLI writes
it to a temp file and renames it, so the collector never reads half a file.

Metrics:
- ``bpfdoctor_check_status{id,area,severity}``: 1 for each finding
- ``bpfdoctor_check_severity{id,area}``: 0 ok, 1 info, 2 warn, 3 fail
- ``bpfdoctor_check_verdict``: the worst severity, same scale
- ``bpfdoctor_check_findings{severity}``: count per severity
- ``bpfdoctor_check_timestamp_seconds``: when the check ran
"""

from __future__ import annotations

from collections.abc import Sequence

from bpfdoctor.findings import Finding, Severity, worst


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _bare(base: str) -> str:
    return "{" + base.lstrip(",") + "}" if base else ""


def render_prometheus(findings: Sequence[Finding], *, timestamp: float | None = None,
                      extra_labels: dict[str, str] | None = None) -> str:
    base = "".join(f',{k}="{_label(v)}"' for k, v in sorted((extra_labels or {}).items()))
    lines = [
        "# HELP bpfdoctor_check_severity Severity of each bpfdoctor check: 0 ok, 1 info, 2 warn, 3 fail.",
        "# TYPE bpfdoctor_check_severity gauge",
    ]
    for f in findings:
        lines.append(f'bpfdoctor_check_severity{{id="{_label(f.id)}",area="{_label(f.area)}"{base}}} '
                     f"{f.severity.rank}")
    lines += ["# HELP bpfdoctor_check_status One series per finding, labelled with its severity.",
              "# TYPE bpfdoctor_check_status gauge"]
    for f in findings:
        lines.append(f'bpfdoctor_check_status{{id="{_label(f.id)}",area="{_label(f.area)}",'
                     f'severity="{f.severity.value}"{base}}} 1')
    lines += ["# HELP bpfdoctor_check_findings Number of findings per severity.",
              "# TYPE bpfdoctor_check_findings gauge"]
    for s in Severity:
        n = sum(1 for f in findings if f.severity == s)
        lines.append(f'bpfdoctor_check_findings{{severity="{s.value}"{base}}} {n}')
    lines += ["# HELP bpfdoctor_check_verdict Worst severity of the run: 0 ok, 1 info, 2 warn, 3 fail.",
              "# TYPE bpfdoctor_check_verdict gauge",
              f"bpfdoctor_check_verdict{_bare(base)} {worst(findings).rank}"]
    if timestamp is not None:
        lines += ["# HELP bpfdoctor_check_timestamp_seconds Unix time of the run.",
                  "# TYPE bpfdoctor_check_timestamp_seconds gauge",
                  f"bpfdoctor_check_timestamp_seconds{_bare(base)} {timestamp:.3f}"]
    return "\n".join(lines) + "\n"
