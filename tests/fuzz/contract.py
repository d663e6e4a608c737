"""The contract every fuzz input must satisfy.

* the target returns, or raises a ``BpfDoctorError`` (the CLI turns it into
  ``bpfdoctor: <file>: <problem>`` and exit code 2); any other exception is a
  failure;
* it uses at most ``base + per_byte * len(input)`` seconds of CPU: a
  super-linear path shows up as a time far above the linear budget (CPU time,
  not wall time, so a busy machine does not make inputs look slow);
* it stays under the address-space limit the campaign sets (a runaway
  allocation becomes ``MemoryError``, a failure);
* what it prints is encodable the way the CLI prints it: stdout is strict
  UTF-8 here, as on a UTF-8 terminal or pipe.
"""

from __future__ import annotations

import io
import os
import sys
import time

from bpfdoctor.errors import BpfDoctorError

# Generous: the linear paths run at ~1-20 us per input byte; the super-linear
# ones issue 13 found took seconds to minutes on 15-100 KB inputs.
BASE_SECONDS = float(os.environ.get("BPFDOCTOR_FUZZ_BASE_SECONDS", "2.0"))
PER_BYTE_SECONDS = float(os.environ.get("BPFDOCTOR_FUZZ_PER_BYTE_SECONDS", "100e-6"))


class ContractViolation(Exception):
    """An input broke the contract without raising (too slow, bad output)."""


def budget(size: int) -> float:
    return BASE_SECONDS + PER_BYTE_SECONDS * size


class Capture:
    """stdout as a strict UTF-8 stream (stderr as Python's: backslashreplace)."""

    def __enter__(self) -> "Capture":
        self._saved = sys.stdout, sys.stderr
        self.out = io.BytesIO()
        self.err = io.BytesIO()
        sys.stdout = io.TextIOWrapper(self.out, encoding="utf-8", errors="strict", write_through=True)
        sys.stderr = io.TextIOWrapper(self.err, encoding="utf-8", errors="backslashreplace",
                                      write_through=True)
        return self

    def __exit__(self, *exc) -> None:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            sys.stdout, sys.stderr = self._saved


def run_one(fn, data: bytes, *, timed: bool = True):
    """Run ``fn(data)`` under the contract; return the project error it raised, if any.

    Raises the foreign exception itself, or ``ContractViolation``.
    """
    start = time.process_time()
    error = None
    try:
        fn(data)
    except BpfDoctorError as e:
        error = e
        # The CLI prints str(e) and the hint, each on one line.
        from bpfdoctor.cli import one_line

        for text in (str(e), e.hint or ""):
            if "\n" in one_line(text):
                raise ContractViolation(f"a message of more than one line: {text!r}")
    spent = time.process_time() - start
    if timed and spent > budget(len(data)):
        raise ContractViolation(f"{spent:.2f} s of CPU for {len(data)} bytes "
                                f"(budget {budget(len(data)):.2f} s): super-linear?")
    return error
