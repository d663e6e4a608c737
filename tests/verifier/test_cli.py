"""``bpfdoctor explain`` end to end: output, JSON schema, exit codes, bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import BUILD, LOGS


def run(*args, stdin: str | bytes | None = None):
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run([sys.executable, "-m", "bpfdoctor", "--no-color", "explain", *args],
                          input=data, capture_output=True, check=False)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def test_text_output_names_everything():
    rc, out, err = run(str(LOGS / "map_value_null.log"))
    assert rc == 1 and not err
    assert out.startswith("FAIL map-value-null-check-missing:")
    for needle in ("7: (79) r1 = *(u64 *)(r0 +0)", "map_value_null.c:17", "R0=map_value_or_null(",
                   "fix:", "if (!value)", "--> map_value_null.c:15",
                   "kernel/bpf/verifier.c: check_mem_access"):
        assert needle in out


def test_json_schema():
    rc, out, _ = run(str(LOGS / "uninit_stack.l1.log"), "--json")
    data = json.loads(out)
    assert rc == 1
    assert set(data) == {"finding", "log", "entry", "errno", "diagnostic"}
    assert data["diagnostic"]["class"] == "source-bug"
    f = data["finding"]
    assert f["id"] == data["entry"] == "uninitialized-stack-read"
    assert f["severity"] == "fail" and f["area"] == "verifier"
    assert f["evidence"]["insn_index"] == 13 and f["evidence"]["errno"] == "EACCES (13)"
    assert data["log"]["verdict"] == "rejected" and data["log"]["program"] == "uninit_stack"
    assert data["errno"]["name"] == "EACCES"
    assert "excerpt" not in data["log"]


def test_accepted_exits_zero():
    rc, out, _ = run(str(LOGS / "ok_program.log"))
    assert rc == 0 and out.startswith("ok verifier-accepted")


def test_stdin_and_log_excerpt():
    rc, out, _ = run("-", "--log", stdin=(LOGS / "div_by_zero.log").read_text())
    assert rc == 1 and "division-by-zero" in out and "(37) r0 /= 0" in out


@pytest.mark.parametrize("payload", ["", "hello world\n", b"\x7fELF\x02\x01\x01" + bytes(200)])
def test_not_a_log(payload):
    rc, out, err = run("-", stdin=payload)
    assert rc == 2 and not out
    assert err.startswith("bpfdoctor: standard input: no verifier log found")
    assert "Traceback" not in err and len(err.splitlines()) == 2  # message + hint


def test_missing_file():
    rc, _, err = run("/nonexistent/verifier.log")
    assert rc == 2 and err == "bpfdoctor: /nonexistent/verifier.log: no such file\n"


def test_directory():
    rc, _, err = run(str(LOGS))
    assert rc == 2 and "is a directory" in err


def test_object_maps_source_lines(built_fixtures):
    rc, out, _ = run(str(LOGS / "unreachable_insn.log"), "--object", str(BUILD / "unreachable_insn.o"))
    assert rc == 1 and "unreachable_insn.c:7" in out   # from line_info: the log has no comment


def test_object_without_the_program(built_fixtures):
    rc, _, err = run(str(LOGS / "map_value_null.log"), "--object", str(BUILD / "map_value_null.o"),
                     "--program", "nope")
    assert rc == 2 and "no program 'nope'" in err


def test_bad_object():
    rc, _, err = run(str(LOGS / "map_value_null.log"), "--object", str(LOGS / "map_value_null.log"))
    assert rc == 2 and err.startswith(f"bpfdoctor: {LOGS / 'map_value_null.log'}:")
