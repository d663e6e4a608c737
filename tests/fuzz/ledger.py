"""The campaign ledger: executions that outlive the machine they ran on.

A million executions per family takes longer than one sitting, and a
sitting's workdir (corpus and summaries under ``/tmp``) may not survive to the
next one.  The ledger, ``tests/fuzz/ledger.json`` in the repository, keeps one
entry per campaign (a workdir's summary of one family: every ``--resume`` run
in that workdir adds to the same entry): its executions, wall-clock seconds, failures,
``max_len``, the hash of the code it ran on (``codeprint``) and when and where
it ran.  What counts towards a family's million is the sum over the entries on
the code as it is now; an entry on older code, run with inputs too small for its family
(``targets.MIN_LEN``), or that recorded a failure, stays as history and does not
count: the million is a million that found nothing.  (A failure fixed in the
library changes the code's hash; one fixed in the harness, such as a target's
own budget, does not, and its campaign must still not count.)

``campaign`` records each family's summary when its run ends, ``ledger
record`` records what a workdir holds (a campaign stopped by hand), and ``run
--resume`` counts the ledger's other entries on the same code towards
``--execs``, so the documented command goes on where the last sitting, on any
machine, stopped.  A new sitting starts from the seeds and the regression
corpus: the coverage a campaign's corpus had reached is not carried over.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import time
from pathlib import Path

DEFAULT = Path(os.environ.get("BPFDOCTOR_FUZZ_LEDGER", Path(__file__).resolve().parent / "ledger.json"))
GOAL = 1_000_000


def new_campaign_id() -> str:
    """Unique across machines: when, and random bits (host names repeat on cloned machines)."""
    return f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(4)}"


def load(path: Path) -> dict:
    if not path.exists():
        return {"campaigns": []}
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or not isinstance(data.get("campaigns"), list):
        raise ValueError(f"{path}: not a campaign ledger")
    return data


def _write(path: Path, data: dict) -> None:
    data["campaigns"].sort(key=lambda e: (e["target"], e["id"]))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)  # a reader never sees half a ledger


def _legacy_id(summary_path: Path, summary: dict) -> str:
    """A summary written before campaigns had ids: this boot, this workdir, this code."""
    import hashlib

    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = platform.node()
    key = f"{boot}\0{summary_path.resolve()}\0{summary.get('code', {}).get('sha')}"
    return "legacy-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _host() -> dict:
    try:
        from importlib.metadata import version

        atheris = version("atheris")
    except Exception:  # noqa: BLE001 - the builtin engine runs without it
        atheris = None
    return {"python": platform.python_version(), "atheris": atheris, "kernel": platform.release(),
            "machine": platform.machine()}


def entry_from_summary(summary_path: Path) -> dict | None:
    """The ledger entry a workdir summary stands for (None: its code was not recorded)."""
    s = json.loads(summary_path.read_text())
    if not s.get("code") or s.get("code_since_run", 1) > 1:
        return None  # runs on code nobody recorded are not vouched for
    return {
        "id": s.get("campaign") or _legacy_id(summary_path, s),
        "target": s["target"],
        "code": s["code"]["sha"],
        "execs": s.get("total_execs", s["execs"]),
        "seconds": s.get("total_seconds", s["seconds"]),
        "runs": s.get("runs", 1),
        "failures": s.get("failures", {}),
        "max_len": s.get("max_len"),
        "engine": s.get("engine"),
        "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": _host(),
    }


def record(path: Path, summaries: list[Path]) -> list[dict]:
    """Add or update the entries for these summaries; return the entries written.
    Two lanes may record at once: the read-modify-write holds a lock file."""
    import fcntl

    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _record(path, summaries)


def _record(path: Path, summaries: list[Path]) -> list[dict]:
    data = load(path)
    by_id = {e["id"]: i for i, e in enumerate(data["campaigns"])}
    written = []
    for sp in summaries:
        entry = entry_from_summary(sp)
        if entry is None:
            continue
        if entry["id"] in by_id:
            old = data["campaigns"][by_id[entry["id"]]]
            if old["execs"] >= entry["execs"]:
                continue  # nothing new, or an older copy of the workdir: the ledger knows as much
            data["campaigns"][by_id[entry["id"]]] = entry
        else:
            by_id[entry["id"]] = len(data["campaigns"])
            data["campaigns"].append(entry)
        written.append(entry)
    if written:
        _write(path, data)
    return written


def summaries_in(workdirs) -> list[Path]:
    return [p for wd in workdirs for p in sorted(Path(wd).glob("summary-*.json")) if ".before-" not in p.name]


def on_code(data: dict, target: str, sha: str, *, besides: str | None = None) -> list[dict]:
    """The entries of ``target`` on code ``sha`` (but the campaign ``besides``) that
    count: run with inputs large enough for the family (``targets.MIN_LEN``), and
    finding nothing."""
    return [e for e in _sized(data, target, sha, besides=besides) if not e["failures"]]


def _sized(data: dict, target: str, sha: str, *, besides: str | None = None) -> list[dict]:
    """The entries of ``target`` on code ``sha`` run with inputs large enough, found something or not."""
    from .targets import MIN_LEN

    least = MIN_LEN.get(target, 0)
    return [e for e in data["campaigns"] if e["target"] == target and e["code"] == sha and e["id"] != besides
            and (e.get("max_len") or 0) >= least]


def standing(data: dict, target: str, sha: str) -> dict:
    """Where ``target`` stands on code ``sha``: executions, seconds and campaigns that
    count; the failures of this code's campaigns, which do not."""
    entries = on_code(data, target, sha)
    failures = {sig: f for e in _sized(data, target, sha) for sig, f in e["failures"].items()}
    return {"execs": sum(e["execs"] for e in entries), "seconds": round(sum(e["seconds"] for e in entries), 1),
            "campaigns": len(entries), "failures": failures,
            "earlier": sum(e["execs"] for e in data["campaigns"] if e["target"] == target
                           and e["id"] not in {x["id"] for x in entries})}
