"""``bpfdoctor jit`` end to end, through the real entry point."""

import json
import random
import subprocess
import sys

import pytest
from .jit_logforms import FORMS, DumpSpec, make_log

from bpfdoctor.jit.disasm import format_listing


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "bpfdoctor", "jit", *args], input=stdin,
                          capture_output=True, text=True)


@pytest.fixture()
def log_file(tmp_path, images):
    specs = [DumpSpec(data, meta["flen"], passes=3, comm=meta["name"][:15], pid=100 + i)
             for i, (_n, (data, meta)) in enumerate(images.items())]
    path = tmp_path / "kern.log"
    path.write_text(make_log(specs, FORMS["syslog"], rng=random.Random(9), noise=0.2))
    return path, specs


def test_list_text_and_json(log_file):
    path, specs = log_file
    r = run("list", str(path))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["INDEX", "LINE", "FLEN", "PROGLEN", "PASS", "IMAGE", "COMM", "PID", "STATUS"]
    assert len(lines) == len(specs) + 2 and lines[-1].startswith(f"{len(specs)} JIT dump(s) in")
    doc = json.loads(run("list", str(path), "--json").stdout)
    assert [d["proglen"] for d in doc["dumps"]] == [len(s.image) for s in specs]
    assert [d["pid"] for d in doc["dumps"]] == [s.pid for s in specs]


def test_disasm_default_is_last_dump_in_bpf_jit_disasm_layout(log_file):
    path, specs = log_file
    last = specs[-1]
    r = run("disasm", str(path))
    assert r.returncode == 0, r.stderr
    head = (f"{len(last.image)} bytes emitted from JIT compiler (pass:{last.passes}, flen:{last.flen})\n"
            f"{int(last.image_ptr, 16):x} + <x>:\n")
    assert r.stdout == head + format_listing(last.image, "x86_64")


def test_disasm_select_and_opcodes_and_intel(log_file):
    path, specs = log_file
    r = run("disasm", str(path), "--pid", str(specs[0].pid), "-o", "--syntax", "intel")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n", 2)[2] == format_listing(specs[0].image, "x86_64", "intel", opcodes=True)
    r2 = run("disasm", str(path), "--index", "0", "--comm", specs[0].comm, "-o", "--syntax", "intel")
    assert r2.stdout == r.stdout


def test_disasm_writes_raw_image(log_file, tmp_path):
    path, specs = log_file
    out = tmp_path / "img.bin"
    r = run("disasm", str(path), "--index", "1", "-O", str(out))
    assert r.returncode == 0 and out.read_bytes() == specs[1].image
    assert r.stdout.startswith(f"{len(specs[1].image)} bytes emitted")


def test_disasm_json_schema(log_file):
    path, specs = log_file
    doc = json.loads(run("disasm", str(path), "--json").stdout)
    assert list(doc) == ["source", "dump", "arch", "syntax", "code", "insns"]
    assert bytes.fromhex(doc["code"]) == specs[-1].image
    assert list(doc["insns"][0]) == ["offset", "bytes", "mnemonic", "operands"]
    assert b"".join(bytes.fromhex(i["bytes"]) for i in doc["insns"]) == specs[-1].image


def test_stdin_and_truncation(seed_text):
    r = run("disasm", "-", stdin=seed_text)
    assert r.returncode == 0 and "335 bytes emitted from JIT compiler (pass:4, flen:55)" in r.stdout
    cut = "\n".join(seed_text.splitlines()[:5]) + "\n"
    r = run("disasm", "-", stdin=cut)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("bpfdoctor: <stdin>: JIT dump 0 (line 1) is incomplete: truncated: 64 of 335")
    assert "Traceback" not in r.stderr
    r = run("disasm", "-", "--partial", stdin=cut)
    assert r.returncode == 0 and r.stdout.startswith("335 bytes emitted")


def test_int3_dump_warns(tmp_path):
    from bpfdoctor.jit.logformat import format_kernel_log

    path = tmp_path / "cc.log"
    path.write_text(format_kernel_log(b"\xcc" * 32, flen=3, passes=2, image_ptr="ffffffffc0000000", comm="x", pid=1))
    r = run("disasm", str(path))
    assert r.returncode == 0 and "all int3" in r.stderr and "int3" in r.stdout
    assert "int3-only" in run("list", str(path)).stdout


@pytest.mark.parametrize("args, message", [
    (["disasm", "/nonexistent/x.log"], "bpfdoctor: /nonexistent/x.log: no such file"),
    (["disasm", "/"], "bpfdoctor: /: is a directory, not a log file"),
    (["disasm", "/etc/hostname"], "bpfdoctor: /etc/hostname: no JIT dump found"),
    (["list", "/nonexistent/x.log"], "bpfdoctor: /nonexistent/x.log: no such file"),
])
def test_bad_input_one_line_error(args, message):
    r = run(*args)
    assert r.returncode == 2 and r.stderr.startswith(message) and "Traceback" not in r.stderr


def test_bad_selector_and_arch(log_file):
    path, _ = log_file
    r = run("disasm", str(path), "--index", "99")
    assert r.returncode == 2 and "no JIT dump with index 99" in r.stderr
    r = run("disasm", str(path), "--arch", "loongarch64")
    assert r.returncode == 2 and "capstone 5 has no LoongArch support" in r.stderr


def test_other_arch_selectable(log_file):
    path, _ = log_file
    r = run("disasm", str(path), "--arch", "arm64")
    assert r.returncode == 0 and r.stdout.splitlines()[2].startswith("   0:\t")
