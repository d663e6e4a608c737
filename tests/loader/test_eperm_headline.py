"""The headline of an EPERM rejection does not contradict the host's diagnosis.

On a kernel that refuses fentry programs to root with every capability (a
security module; this machine's kernel does), the headline said "missing
capability: CAP_BPF ..." (the errno's usual first cause) over the diagnosis
"EPERM with the needed capabilities: a security module refused it".  Found
loading libbpf-bootstrap's fentry example.
"""

from __future__ import annotations

import json

import pytest

from tests.testlib import run_cli


def test_eperm_headline_leaves_the_cause_to_the_diagnosis(obj):
    r = run_cli("load", str(obj("postload_attach")), "--program", "pa_fentry", "--json")
    (prog,) = json.loads(r.stdout)["programs"]
    if prog.get("errno_name") != "EPERM" or not prog["diagnosis"]:
        pytest.skip("this kernel loads fentry programs, or gave no host diagnosis")
    assert prog["errno_meaning"] == "Operation not permitted"
    text = run_cli("load", str(obj("postload_attach")), "--program", "pa_fentry").stdout
    head = next(line for line in text.splitlines() if line.startswith("FAIL"))
    assert head.endswith("rejected: EPERM (Operation not permitted)")
    assert "cause: " in text
