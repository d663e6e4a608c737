"""The catalog skips a pattern on a line without its required text
(``entry.required_literal``): that text must be in every line the pattern
matches, or an entry would silently stop matching."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpfdoctor.verifier.entry import _anchored, required_literal
from bpfdoctor.verifier.explain import CATALOG

from bpfdoctor.verifier.kernel_fixes import _ROWS

PATTERNS = sorted({p for e in CATALOG for p in e.patterns} | {p for p, _ in _ROWS})


def test_most_patterns_have_a_literal():
    with_literal = [p for p in PATTERNS if required_literal(p)]
    assert len(PATTERNS) > 350 and len(with_literal) > 0.8 * len(PATTERNS)


@pytest.mark.parametrize("pattern,literal", [
    (r"verifier internal error", "verifier internal error"),
    (r"(?:unknown|invalid) return type \d+ of func", " return type "),
    (r"colou?r map", "r map"),
    (r"x\.y+z", "x.y"),
    (r"R\d+ invalid mem access '\w+'", " invalid mem access '"),
    (r"a|bcd", None),          # top-level alternative: nothing is required
    (r"abc?d", None),          # the optional c leaves no run of three
    (r"(?i)Foo bar", None),    # flags change what a literal means
    (r"ab[c-e]{2}fgh", "fgh"),
    (r"dead\dbeefs", "beefs"),
    (r"x{2,3}yzw", "yzw"),
])
def test_literal_examples(pattern, literal):
    assert required_literal(pattern) == literal


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_match_contains_the_literal(data):
    pattern = data.draw(st.sampled_from([p for p in PATTERNS if required_literal(p)]))
    text = data.draw(st.from_regex(re.compile(_anchored(pattern))))
    assert re.search(_anchored(pattern), text)
    assert required_literal(pattern) in text, (pattern, text)


def test_every_kernel_message_a_pattern_matches_holds_its_literal():
    """Over every message of Linux 6.12 (filled in as the kernel prints it)
    and the saved logs' error lines: wherever a pattern matches, its literal
    is there, so the shortcut never hides a match."""
    from pathlib import Path

    from tests.verifier.test_kernel_messages import rows, sample

    lines = [sample(r[-1]) for r in rows()]
    for log in (Path(__file__).parent / "logs").glob("*.log"):
        lines += log.read_text(errors="replace").splitlines()[-5:]
    compiled = [(re.compile(_anchored(p)), required_literal(p)) for p in PATTERNS]
    hits = 0
    for line in lines:
        for rx, literal in compiled:
            if literal is not None and rx.search(line):
                hits += 1
                assert literal in line, (rx.pattern, line)
    assert hits > 500
