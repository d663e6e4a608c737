"""The campaign loop: atheris (coverage-guided libFuzzer) or a plain mutator.

Every input goes through ``contract.run_one``.  A failing input is saved under
``<workdir>/failures/<target>/`` named by the failure's signature (exception
type and the innermost project frame), once per signature, and the campaign
goes on (``stop_on_failure`` ends it at the first one, as CI wants).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import resource
import sys
import time
import traceback
from pathlib import Path

from .contract import ContractViolation, run_one
from .mutators import MUTATORS, byte_mutate


def signature(exc: BaseException) -> str:
    """``Type@file:line`` of the innermost frame in bpfdoctor (or the harness)."""
    where = "?"
    for fr in traceback.extract_tb(exc.__traceback__):
        if "bpfdoctor" in fr.filename:
            where = f"{Path(fr.filename).name}:{fr.lineno}"
    if isinstance(exc, ContractViolation):
        return f"{type(exc).__name__}:{str(exc).split(':')[-1].strip()}"
    return f"{type(exc).__name__}@{where}"


class Campaign:
    def __init__(self, label: str, kind: str, fn, workdir: Path, *, stop_on_failure: bool = False,
                 memory_mb: int = 3072, timed: bool = True, resume: bool = False, code: dict | None = None,
                 max_len: int | None = None) -> None:
        self.label, self.kind, self.fn = label, kind, fn
        self.workdir = workdir
        self.faildir = workdir / "failures" / label
        self.faildir.mkdir(parents=True, exist_ok=True)
        self.stop_on_failure = stop_on_failure
        self.timed = timed
        self.execs = 0
        self.errors = 0  # inputs answered with the project's own error
        self.failures: dict[str, str] = {}
        self.started = self._written = time.time()
        # ``resume``: this run continues the campaign whose summary is in the
        # workdir (same corpus); executions, time and failures add up, as long
        # as the code it ran on (``code``: codeprint.code_record) is unchanged.
        self.before = {"execs": 0, "seconds": 0.0, "runs": 0}
        self.code, self.max_len = code, max_len
        self.code_since_run = 1
        self.engine: str | None = None
        self.stop_at = 0  # the executions this run ends at (libFuzzer's -runs), when there is one
        path = workdir / f"summary-{label}.json"
        prev = json.loads(path.read_text()) if resume and path.exists() else None
        why = None
        if prev is not None and prev.get("code") and code is not None:
            from .codeprint import still_same

            if not still_same(prev["code"]):
                why = "the code changed since this campaign began"
        if prev is not None and prev.get("failures"):
            # the million is a million that found nothing (the ledger counts no such campaign)
            why = why or "this campaign found a failure"
        if why:
            aside = path.with_name(f"summary-{label}.before-{time.strftime('%Y%m%d-%H%M%S')}.json")
            path.rename(aside)
            sys.stderr.write(f"== {label}: {why}: it starts again from zero executions "
                             f"(the old summary is {aside.name})\n")
            prev = None
        # one id per campaign, kept across its --resume runs: the ledger's key
        from .ledger import _legacy_id, new_campaign_id

        self.campaign_id = new_campaign_id()
        if prev is not None:
            self.campaign_id = prev.get("campaign") or _legacy_id(path, prev)
            self.before = {"execs": prev.get("total_execs", prev["execs"]),
                           "seconds": prev.get("total_seconds", prev["seconds"]),
                           "runs": prev.get("runs", 1)}
            self.failures.update(prev.get("failures", {}))
            # runs before the first one that recorded its code are not vouched for
            self.code_since_run = prev.get("code_since_run", 1) if prev.get("code") else self.before["runs"] + 1
        self.mutate_structured = MUTATORS[kind]
        if memory_mb:
            limit = memory_mb << 20
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            if hard == resource.RLIM_INFINITY or hard > limit:
                resource.setrlimit(resource.RLIMIT_AS, (limit, hard))

    def one(self, data: bytes) -> None:
        self.execs += 1
        if time.time() - self._written > 1 or (self.stop_at and self.execs > self.stop_at - 1000):
            # libFuzzer ends the process with exit(): atexit handlers do not
            # run, so the summary is kept up to date as the campaign goes
            # (each second, and at every input of a run's last thousand, so
            # the count a ``-runs`` campaign ends on is the one it reports).
            self.summary(quiet=True)
        try:
            if run_one(self.fn, data, timed=self.timed) is not None:
                self.errors += 1
        except (Exception, RecursionError, MemoryError) as e:  # noqa: BLE001 - every foreign exception is a finding
            self.record(data, e)

    def record(self, data: bytes, exc: BaseException) -> None:
        sig = signature(exc)
        if sig not in self.failures:
            name = hashlib.sha1(data).hexdigest()[:16]
            (self.faildir / name).write_bytes(data)
            self.failures[sig] = name
            sys.stderr.write(f"\n== {self.label}: NEW FAILURE {sig} -> {self.faildir / name} "
                             f"({len(data)} bytes)\n")
            sys.stderr.write("".join(traceback.format_exception(exc)[-6:]))
            sys.stderr.flush()
        if self.stop_on_failure:
            self.summary()
            os._exit(1)

    def summary(self, extra: dict | None = None, quiet: bool = False) -> dict:
        seconds = round(time.time() - self.started, 1)
        out = {"target": self.label, "campaign": self.campaign_id, "execs": self.execs,
               "project_errors": self.errors, "seconds": seconds, "failures": self.failures}
        if self.before["runs"]:
            out.update(total_execs=self.before["execs"] + self.execs,
                       total_seconds=round(self.before["seconds"] + seconds, 1), runs=self.before["runs"] + 1)
        if self.max_len is not None:
            out["max_len"] = self.max_len
        if self.engine:
            out["engine"] = self.engine
        if self.code is not None:
            out.update(code=self.code, code_since_run=self.code_since_run)
        if extra:
            out.update(extra)
        (self.workdir / f"summary-{self.label}.json").write_text(json.dumps(out, indent=2) + "\n")
        self._written = time.time()
        if quiet:
            return out
        sys.stderr.write(f"\n== summary {json.dumps(out)}\n")
        sys.stderr.flush()
        return out


def run_builtin(c: Campaign, seeds: list[bytes], *, execs: int, seconds: float, max_len: int,
                seed: int = 0) -> dict:
    """No coverage feedback: mutate seeds (structure-aware or bytes), keep nothing."""
    rng = random.Random(seed)
    c.engine = "builtin"
    pool = seeds or [b""]
    for s in pool:
        c.one(s)
    deadline = time.time() + seconds if seconds else None
    while (not execs or c.execs < execs) and (deadline is None or time.time() < deadline):
        data = rng.choice(pool)
        for _ in range(rng.randint(1, 3)):
            mut = c.mutate_structured if rng.random() < 0.7 else byte_mutate
            try:
                data = mut(data, rng, max_len, pool)
            except Exception:  # noqa: BLE001 - a mutator bug must not end the campaign
                data = byte_mutate(data, rng, max_len, pool)
        c.one(data)
    return c.summary()


def run_atheris(c: Campaign, seeds: list[bytes], *, execs: int, seconds: float, max_len: int,
                seed: int = 0, extra_args: list[str] = ()) -> None:
    """libFuzzer through atheris; never returns (libFuzzer exits the process)."""
    import atheris

    corpus = c.workdir / "corpus" / c.label
    corpus.mkdir(parents=True, exist_ok=True)
    for s in seeds:
        (corpus / hashlib.sha1(s).hexdigest()[:16]).write_bytes(s[:max_len])
    structured = c.mutate_structured
    others = seeds

    def custom_mutator(data: bytes, max_size: int, mseed: int) -> bytes:
        rng = random.Random(mseed)
        if rng.random() < 0.5:
            return atheris.Mutate(data, max_size)
        try:
            out = structured(data, rng, max_size, others)
        except Exception:  # noqa: BLE001 - a mutator bug must not end the campaign
            return atheris.Mutate(data, max_size)
        return out[:max_size]

    c.stop_at = execs
    c.engine = "atheris"
    c.summary(quiet=True)
    # libFuzzer's own wall-clock "slow unit" reports are off (-report_slow_units): the
    # contract's CPU budget per input, proportional to its size, is the time check, and a
    # campaign paused with SIGSTOP (to free the CPUs for a benchmark) made false ones.
    argv = [sys.argv[0], str(corpus), f"-max_len={max_len}", f"-seed={seed or 1}", "-timeout=120",
            "-rss_limit_mb=0", "-print_final_stats=1", f"-artifact_prefix={c.faildir}/",
            "-reload=0", "-report_slow_units=100000"]
    if execs:
        argv.append(f"-runs={execs}")
    if seconds:
        argv.append(f"-max_total_time={int(seconds)}")
    argv += list(extra_args)
    atheris.Setup(argv, c.one, custom_mutator=custom_mutator)
    atheris.Fuzz()


def instrumented_imports() -> None:
    """Import every bpfdoctor module under atheris' coverage instrumentation."""
    import atheris
    import importlib
    import pkgutil

    with atheris.instrument_imports(include=["bpfdoctor"]):
        import bpfdoctor

        for m in pkgutil.walk_packages(bpfdoctor.__path__, "bpfdoctor."):
            # kernel/ and host/ parse no user file: left uninstrumented (faster start).
            if m.name in sys.modules or m.name.startswith(("bpfdoctor.kernel", "bpfdoctor.host")):
                continue
            try:
                importlib.import_module(m.name)
            except Exception:  # noqa: BLE001 - optional modules (capstone arches...) may not import
                pass
