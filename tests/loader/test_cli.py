"""``bpfdoctor load``: exit codes, JSON report, --pin, one-line errors."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from testlib import BUILD, run_cli  # noqa: E402

from .conftest import pinned_prog_id  # noqa: E402


@pytest.mark.kernel
def test_all_loaded_exit_0_and_json_schema(kernel):
    r = run_cli("load", str(BUILD / "multi_prog.o"), "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["summary"] == {"programs": 6, "loaded": 6, "rejected": 0}
    p = d["programs"][0]
    for key in ("name", "section", "type", "attach_type", "status", "id", "tag", "xlated_bytes",
                "jited_bytes", "verified_insns", "stats", "errno", "explanation", "log_tail", "pinned"):
        assert key in p
    assert p["status"] == "loaded" and p["stats"]["processed_insns"] > 0
    assert {m["kind"] for m in d["maps"]} == {"data", "rodata", "bss"}
    assert d["btf"]["loaded"] is True


@pytest.mark.kernel
def test_rejected_exit_1_with_explanation(kernel):
    r = run_cli("load", str(BUILD / "load_reject.o"), "--json")
    assert r.exit_code == 1, r.output
    p = json.loads(r.stdout)["programs"][0]
    assert p["status"] == "rejected" and p["errno_name"] == "EACCES"
    assert "outside of the allowed memory range" in p["message"]
    assert p["explanation"]["summary"] and p["explanation"]["fix"]
    assert p["log_tail"][-1].startswith("R0 max value is outside")
    assert p["log"] is None  # only with --log
    text = run_cli("load", str(BUILD / "load_reject.o"), "--log")
    assert text.exit_code == 1
    assert "rejected: EACCES" in text.stdout and "fix" in text.stdout
    assert "processed" in text.stdout  # the whole log, statistics included


@pytest.mark.kernel
def test_legacy_object_needs_type(kernel):
    r = run_cli("load", str(BUILD / "xdp_ddos01_blacklist.o"))
    assert r.exit_code == 2
    assert r.stderr.startswith("bpfdoctor: ") and "xdp_prog" in r.stderr and "Traceback" not in r.output
    assert "--type" in r.stderr
    ok = run_cli("load", str(BUILD / "xdp_ddos01_blacklist.o"), "--type", "xdp")
    assert ok.exit_code == 0, ok.output
    assert "blacklist" in ok.stdout


@pytest.mark.parametrize("args, needle", [
    (["/nonexistent/x.o"], "no such file"),
    ([__file__], "not an ELF file"),
    ([str(BUILD / "multi_prog.o"), "--program", "nope"], "no program named 'nope'"),
    ([str(BUILD / "multi_prog.o"), "--type", "bogus"], "unknown program type 'bogus'"),
    ([str(BUILD / "multi_prog.bpfeb.o")], "big-endian"),
    ([str(BUILD / "multi_prog.o"), "--pin", "/tmp"], "not on a BPF filesystem"),
])
def test_bad_input_is_one_line_exit_2(args, needle):
    r = run_cli("load", *args)
    assert r.exit_code == 2, r.output
    first = r.stderr.splitlines()[0]
    assert first.startswith("bpfdoctor: ") and needle in first, r.stderr
    assert "Traceback" not in r.output


@pytest.mark.kernel
def test_pin_keeps_programs_and_maps(kernel, pin_root):
    r = run_cli("load", str(BUILD / "load_mapinmap.o"), "--pin", pin_root, "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    for p in d["programs"]:
        assert p["pinned"] == os.path.join(pin_root, p["name"])
        assert pinned_prog_id(p["pinned"]) == p["id"]  # still loaded after the command
    assert sorted(os.listdir(os.path.join(pin_root, "maps"))) == sorted(m["name"] for m in d["maps"])
