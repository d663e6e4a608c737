"""Text and JSON for ``bpfdoctor trace`` (pure; records from kernel.trace)."""

from __future__ import annotations

import json
from dataclasses import asdict


def line_out(rec, as_json: bool) -> str:
    """One trace line as the command streams it (newline included)."""
    if rec.stream is None:
        return (json.dumps({"line": rec.line}) if as_json else rec.line) + "\n"
    if as_json:
        return json.dumps({"stream": rec.stream, "prog": rec.prog, "line": rec.line}) + "\n"
    return f"[prog {rec.prog} {rec.stream}] {rec.line}\n"


def silence_json(end) -> str:
    return json.dumps({"lines": end.lines, "silence": [asdict(c) for c in end.silence]}) + "\n"


def silence_text(end) -> str:
    """Why nothing arrived, for stderr."""
    lines = ["bpfdoctor: nothing arrived" + (":" if end.silence else "")]
    for c in end.silence:
        lines.append(f"  cause: {c.summary}")
        if c.fix:
            lines.append(f"    fix: {c.fix}")
    return "\n".join(lines) + "\n"
