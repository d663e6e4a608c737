"""Bad input: one line on stderr naming what and why, exit code 2, no traceback."""

from __future__ import annotations

import pytest
from .proghelpers import ours

pytestmark = pytest.mark.kernel


@pytest.mark.parametrize("args, expect", [
    (("prog", "dump", "xlated", "id", "4294967295"), "no program with id 4294967295 is loaded"),
    (("prog", "dump", "xlated", "id", "x1"), "bad program id 'x1'"),
    (("prog", "dump", "xlated", "tag", "123"), "bad program tag '123'"),
    (("prog", "dump", "xlated", "name", "no_such_prog_here"), "no loaded program has name no_such_prog_here"),
    (("prog", "dump", "xlated", "pinned", "/sys/fs/bpf"), "is a directory"),
    (("prog", "dump", "jited", "pinned", "/nonexistent/pin"), "cannot open pinned object"),
    (("prog", "dump", "xlated", "pinned", "/sys/fs/bpf/progs.debug"), "not a pinned BPF object"),
    (("prog", "dump", "jited", "foo", "1"), "unknown program selector 'foo'"),
    (("prog", "list", "id"), "PROG is two words"),
    (("prog", "dump", "jited", "id", "4294967295", "--arch", "loongarch64"), "capstone 5 has no LoongArch"),
])
def test_one_line_errors(bpf_kernel, args, expect):
    run = ours(*args, check=False)
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert lines[0].startswith("bpfdoctor: ") and expect in lines[0], run.stderr
    assert "Traceback" not in run.stderr and all(ln.startswith(("bpfdoctor:", "hint:")) for ln in lines)
