"""The verifier statistics are read as the regular expressions they replace would read them."""

from __future__ import annotations

import random
import re

from bpfdoctor.kernel.loader import results
from bpfdoctor.kernel.loader.results import VerifierStats

_REGEXES = {
    results._PROCESSED: re.compile(r"processed (\d+) insns \(limit (\d+)\) max_states_per_insn (\d+) "
                                   r"total_states (\d+) peak_states (\d+)"),
    results._TIME: re.compile(r"verification time (\d+) usec"),
    results._STACK_DEPTH: re.compile(r"stack depth ([\d+]+)"),
}
_REAL = ("processed 48 insns (limit 1000000) max_states_per_insn 0 total_states 5 peak_states 5 mark_read 2\n"
         "verification time 450 usec\nstack depth 0+0+16\n")
_PIECES = ["processed ", " insns (limit ", ") max_states_per_insn ", " total_states ", " peak_states ",
           "verification time ", " usec", "stack depth ", "+", "12", "0", "\u0663", "x", " ", "\n", "(", ")",
           "processed 1", "stack depth +", "7+"]


def _fuzz_logs(n: int):
    rng = random.Random(12)
    yield _REAL
    yield ""
    for _ in range(n):
        text = _REAL
        for _ in range(rng.randint(0, 6)):  # splice pieces into a real log, or build from pieces
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(_PIECES) + text[at + rng.randint(0, 3):]
        yield text if rng.random() < 0.7 else "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 30)))


def test_search_matches_the_regular_expressions():
    for log in _fuzz_logs(3000):
        for pattern, rx in _REGEXES.items():
            m = rx.search(log)
            assert results.search(log, pattern) == (list(m.groups()) if m else None), (log, pattern)


def test_stats_from_a_real_log():
    s = VerifierStats.from_log(_REAL)
    assert (s.processed_insns, s.insn_limit, s.total_states, s.peak_states, s.time_usec, s.stack_depth) == \
        (48, 1000000, 5, 5, 450, (0, 0, 16))
    assert VerifierStats.from_log("nothing here") == VerifierStats()
