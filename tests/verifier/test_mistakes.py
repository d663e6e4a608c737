"""The mistake corpus (tests/bpf/mistakes) on the running kernel.

Each mistake must be rejected with its family and class, and the
diagnostic's primary span must be a line its fix changes (difflib over the
two views of the source, see tools/mistakes_bench.py); each fix must load.
The C files are read where line_info names them (the tests build in place),
as on a build machine.  Known misses are strict: they fail once they hit.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.kernel

_spec = importlib.util.spec_from_file_location("mistakes_bench", ROOT / "tools" / "mistakes_bench.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = bench
_spec.loader.exec_module(bench)

CASES = {c.name: c for c in bench.cases()}
# name -> why the primary span misses (clang attributes the instruction elsewhere)
KNOWN_MISSES = {
    "packet_short_check": "the check compares data+22; the rule that tells a short check from a "
                          "missing one takes the access line",
    "stack_combined_frames": "the fix shrinks one of two equal buffers in the call chain",
    "lock_unlock_one_branch": "the unlock belongs after the if-block, before a `return` clang "
                              "merged into the epilogue; the rule picks the `if` (right for the "
                              "early-return-inside-the-block layout)",
}


@pytest.fixture(scope="module")
def corpus_build():
    if os.geteuid() != 0:
        pytest.skip("loading the corpus needs root (bpf())")
    if shutil.which("clang-19") is None:
        pytest.skip("clang-19 not installed: cannot build the mistake corpus")
    return bench.build()


def test_changed_lines_from_the_two_views():
    text = "a\n#ifdef FIXED\nif (!p)\n\treturn 0;\n#endif\nuse(p);\n#ifdef FIXED\nx = 1;\n#else\nx = 2;\n#endif\n"
    assert bench.changed_lines(text) == {1, 6, 10}


def test_corpus_headers():
    assert len(CASES) >= 15
    classes = {c.klass for c in CASES.values()}
    assert classes <= {"source-bug", "lowering-artifact", "verifier-limit", "environment",
                       "verifier-false-positive"}
    assert all(c.url.startswith("https://") and c.changed for c in CASES.values())


@pytest.mark.parametrize("name", sorted(CASES))
def test_mistake(corpus_build, name):
    if CASES[name].slow and not os.environ.get("BPFDOCTOR_SLOW_TESTS"):
        pytest.skip("walks the verifier's 1M-instruction budget several times (about a minute); "
                    "set BPFDOCTOR_SLOW_TESTS=1")
    out = bench.run_case(CASES[name], corpus_build)
    assert out.rejected, f"{name} loaded"
    assert out.fixed_loads, f"the fix of {name} does not load: {out.fixed_message}"
    assert out.got_family == out.family
    assert out.got_class == out.klass
    if name in KNOWN_MISSES:
        if out.hit:
            pytest.fail(f"{name} now hits: remove it from KNOWN_MISSES")
        pytest.xfail(KNOWN_MISSES[name])
    assert out.hit, f"primary line {out.primary_line} not in the changed lines {out.changed}"
