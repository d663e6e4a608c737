"""The command line as a whole (issue 11 items 13, 14, 17, 20): one-line
usage errors with a suggestion, bpftool spellings, global options after the
subcommand, shell completion, one exit status for a broken pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from testlib import BUILD, run_cli  # noqa: E402

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _env(**extra) -> dict:
    env = dict(os.environ, PYTHONPATH=SRC, **extra)
    env.pop("BPFDOCTOR_DEBUG", None)
    return env


@pytest.mark.parametrize("argv", [("load", "{dir}"), ("btf", "dump", "{dir}"), ("memlock", "{dir}"),
                                  ("elf", "info", "{dir}"), ("explain", "{dir}")])
def test_a_directory_is_one_line(argv, tmp_path):
    r = run_cli(*(a.format(dir=tmp_path) for a in argv))
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith(f"bpfdoctor: {tmp_path}: ") and len(r.stderr.splitlines()) == 1, r.stderr


def test_bpftool_spellings_get_a_suggestion():
    r = run_cli("prog", "show")
    assert r.exit_code == 2
    assert r.stderr.splitlines() == ["bpfdoctor: prog: no such command 'show'",
                                     "hint: bpftool's 'show' is 'bpfdoctor prog list' here"]
    r = run_cli("btf", "dump", "file", "/sys/kernel/btf/vmlinux")
    assert r.exit_code == 2 and "hint: bpftool's 'file' keyword is not needed: " \
        "bpfdoctor btf dump /sys/kernel/btf/vmlinux" in r.stderr


def test_misspelt_command_suggests_the_nearest():
    r = run_cli("chek")
    assert r.exit_code == 2 and "did you mean 'bpfdoctor check'?" in r.stderr
    assert "Usage:" not in r.stderr


def test_unknown_type_lists_types_and_suggests():
    r = run_cli("load", str(BUILD / "multi_prog.o"), "--type", "xdpp")
    assert r.exit_code == 2 and "did you mean xdp?" in r.stderr and "sched_cls" in r.stderr
    h = run_cli("load", "--help")
    assert "sched_cls" in h.stdout and "socket_filter" in h.stdout


@pytest.mark.parametrize("argv,line,hint", [
    ((), "bpfdoctor: missing command", "hint: see 'bpfdoctor --help'"),
    (("elf",), "bpfdoctor: elf: missing command", "hint: see 'bpfdoctor elf --help'"),
    (("elf", "sections"), "bpfdoctor: elf sections: missing argument OBJ",
     "hint: see 'bpfdoctor elf sections --help'"),
    (("elf", "sections", "a.o", "b.o"), "bpfdoctor: elf sections: unexpected extra argument 'b.o'", None),
    (("load", "x.o", "--bogus"), "bpfdoctor: load: no such option '--bogus'", "hint: did you mean '--log'?"),
    (("load", "x.o", "--log-level", "9"), "bpfdoctor: load: --log-level: 9 is not in 0..7", None),
    (("load", "x.o", "--log-level", "two"), "bpfdoctor: load: --log-level: 'two' is not an integer", None),
    (("disasm", "x.o", "--syntax", "kernal"),
     "bpfdoctor: disasm: --syntax: 'kernal' is not one of llvm, kernel; did you mean kernel?", None),
    (("prog", "stats", "--interval", "0"), "bpfdoctor: prog stats: --interval: 0 is below 0.05", None),
    (("--bogus", "check"), "bpfdoctor: no such option '--bogus'", None),
    (("elf", "sections", "--json=yes", "x.o"), "bpfdoctor: elf sections: argument --json: ignored explicit "
     "argument 'yes'", None),
])
def test_usage_errors_are_one_line(argv, line, hint):
    r = run_cli(*argv)
    assert r.exit_code == 2
    err = r.stderr.splitlines()
    assert err[0] == line and len(err) <= 2, r.stderr
    if hint:
        assert err[1] == hint


def test_help_at_every_level():
    top = run_cli("--help")
    assert top.exit_code == 0 and "commands:" in top.stdout and "explain" in top.stdout
    grp = run_cli("prog", "dump", "--help")
    assert grp.exit_code == 0 and "jited" in grp.stdout and "xlated" in grp.stdout
    leaf = run_cli("map", "dump", "--help")
    assert leaf.exit_code == 0 and "--limit" in leaf.stdout and "[default: 10000]" in leaf.stdout
    # defaults of negatable flags, as the flag to give
    assert "[default: --source]" in " ".join(run_cli("prog", "dump", "xlated", "--help").stdout.split())


def test_options_parse_as_declared(monkeypatch):
    """Repeatable options become tuples, negatable flags pair up, a variadic
    argument takes every word: what the command function receives."""
    from bpfdoctor.cli import State, load_command

    seen = {}
    cmd = load_command("compat")
    monkeypatch.setattr(cmd, "fn", lambda state, **kw: seen.update(kw) or 0)
    cmd.fn.__cli_state__ = True
    r = run_cli("compat", "x.o", "--btf", "a", "--btf", "b", "--config", "c1", "--config", "c2", "--details")
    assert r.exit_code == 0, r.stderr
    assert seen["btf_files"] == ("a", "b") and seen["configs"] == ("c1", "c2") and seen["details"] is True
    assert seen["releases"] == () and seen["as_json"] is False and seen["obj"] == "x.o"
    prog = load_command("prog").commands["list"]
    monkeypatch.setattr(prog, "fn", lambda **kw: seen.update(kw) or 0)
    assert run_cli("prog", "list", "id", "7", "--no-pids").exit_code == 0
    assert seen["prog_words"] == ("id", "7") and seen["pids"] is False and seen["pinned"] is True
    assert isinstance(State(), State)


def test_global_options_after_the_subcommand():
    from bpfdoctor.cli import hoist_global_options

    assert hoist_global_options(["check", "--no-color", "--json"]) == ["--no-color", "check", "--json"]
    assert hoist_global_options(["elf", "info", "x.o", "--debug", "--", "--color"]) == \
        ["--debug", "elf", "info", "x.o", "--", "--color"]
    r = run_cli("elf", "info", str(BUILD / "multi_prog.o"), "--no-color")
    assert r.exit_code == 0 and "\x1b[" not in r.stdout
    r = run_cli("elf", "info", str(BUILD / "multi_prog.o"), "--color")
    assert "\x1b[" in r.stdout


def test_debug_after_the_subcommand_shows_the_traceback(tmp_path):
    p = subprocess.run([sys.executable, "-m", "bpfdoctor", "elf", "info", str(tmp_path / "nope.o"), "--debug"],
                       capture_output=True, text=True, env=_env(), timeout=60)
    assert p.returncode != 0 and "Traceback" in p.stderr


def _complete(mode: str, words: str, cword: int | None = None) -> list[str]:
    env = _env(_BPFDOCTOR_COMPLETE=mode, COMP_WORDS=words)
    if cword is not None:
        env["COMP_CWORD"] = str(cword)
    p = subprocess.run([sys.executable, "-m", "bpfdoctor"], capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    return p.stdout.splitlines()


def test_shell_completion():
    for shell in ("bash", "zsh", "fish"):
        p = subprocess.run([sys.executable, "-m", "bpfdoctor"], capture_output=True, text=True, timeout=60,
                           env=_env(_BPFDOCTOR_COMPLETE=f"{shell}_source"))
        assert p.returncode == 0 and "_BPFDOCTOR_COMPLETE=" in p.stdout and "bpfdoctor" in p.stdout
    assert _complete("bash_complete", "bpfdoctor load --pro", 2) == ["--program"]
    assert _complete("bash_complete", "bpfdoctor ch", 1) == ["check"]
    assert _complete("bash_complete", "bpfdoctor prog d", 2) == ["dump"]
    assert _complete("bash_complete", "bpfdoctor prog dump ", 3) == ["jited", "xlated"]
    assert _complete("bash_complete", "bpfdoctor disasm x.o --syntax ", 4) == ["llvm", "kernel"]
    assert _complete("bash_complete", "bpfdoctor elf sections ", 3) == []  # a file: the shell's own
    # a COMP_CWORD out of range (negative: words[-100] raised IndexError);
    # _complete checks the exit code and an empty stderr
    assert _complete("bash_complete", "bpfdoctor ch", -100) == []
    assert _complete("bash_complete", "bpfdoctor ch", 99) == []
    assert "--no-color" in _complete("bash_complete", "bpfdoctor check --no-c", 2)
    assert _complete("fish_complete", "bpfdoctor jit disasm x --syntax i") == ["intel"]
    assert _complete("fish_complete", "bpfdoctor nosuch ") == []
    # bash, for real: the sourced function fills COMPREPLY
    script = subprocess.run([sys.executable, "-m", "bpfdoctor"], capture_output=True, text=True, timeout=60,
                            env=_env(_BPFDOCTOR_COMPLETE="bash_source")).stdout
    bpfdoctor = f"{sys.executable} -m bpfdoctor"
    test = (script.replace('"$1"', bpfdoctor) +
            'COMP_WORDS=(bpfdoctor map d); COMP_CWORD=2; _bpfdoctor_completion bpfdoctor; echo "${COMPREPLY[@]}"')
    out = subprocess.run(["bash", "-c", test], capture_output=True, text=True, timeout=60, env=_env())
    assert out.stdout.split() == ["dump"], out.stderr


@pytest.mark.parametrize("argv", [("memlock",), ("elf", "info", str(BUILD / "legacy_mixed.o")),
                                  ("disasm", str(BUILD / "multi_prog.o")), ("check", "--no-probe")])
def test_broken_pipe_is_141_for_every_command(argv):
    """The reader is gone before the first write: EPIPE, whether the text goes
    through rich or straight to stdout, ends with 141 (as SIGPIPE would), not
    with a verdict code."""
    r, w = os.pipe()
    os.close(r)
    try:
        p = subprocess.run([sys.executable, "-m", "bpfdoctor", *argv], stdout=w, stderr=subprocess.PIPE,
                           env=_env(), timeout=120)
    finally:
        os.close(w)
    assert p.returncode == 141, p.stderr.decode()
    assert b"Traceback" not in p.stderr


def test_check_root_that_is_not_a_snapshot(tmp_path):
    for cmd in ("check", "memlock"):
        r = run_cli(cmd, "--root", str(tmp_path))
        assert r.exit_code == 2 and "not a host snapshot" in r.stderr and "too old" not in r.stdout


def test_prometheus_target_checked_before_probing(tmp_path, monkeypatch):
    import bpfdoctor.doctor.report as report

    def no_probes(*a, **k):
        raise AssertionError("probes ran before the --prometheus path was checked")

    monkeypatch.setattr(report, "run_check", no_probes)
    r = run_cli("check", "--prometheus", str(tmp_path / "missing" / "x.prom"))
    assert r.exit_code == 2 and "does not exist" in r.stderr


_MEASURE = """
import atexit, os, sys
def _hwm():
    with open("/proc/self/status") as f:
        kib = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
    with open(os.environ["H11_HWM"], "w") as out:
        out.write(str(kib))
atexit.register(_hwm)
sys.argv = ["bpfdoctor", *sys.argv[1:]]
from bpfdoctor.cli import main
main()
"""


def _run_measured(argv: list[str], tmp_path) -> tuple[int, str, int]:
    """(exit code, stderr, peak RSS in KiB) of ``bpfdoctor ARGV`` in a child.
    The peak is the child's own VmHWM (reset by exec), not ru_maxrss, which
    counts the forked copy of this test process."""
    hwm = tmp_path / "hwm"
    p = subprocess.run([sys.executable, "-c", _MEASURE, *argv], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, env=_env(H11_HWM=str(hwm)), timeout=300)
    return p.returncode, p.stderr, int(hwm.read_text())


@pytest.mark.parametrize("argv", [("elf", "info"), ("load",), ("btf", "dump"), ("memlock",), ("disasm",),
                                  ("explain",), ("jit", "disasm", "-o")], ids=" ".join)
def test_huge_sparse_file_is_refused_from_its_first_bytes(argv, tmp_path):
    """Issue 11 item 13: a 2 GiB file of zeros cost 2.1 GB of memory (explain
    4.2 GB) before 'bad magic'.  Now the magic or text-ness is checked first
    and the rest is mapped, not read."""
    big = tmp_path / "sparse.o"
    with open(big, "wb") as f:
        f.truncate(2 << 30)
    rc, err, rss_kib = _run_measured([*argv, str(big)], tmp_path)
    assert rc == 2 and err.startswith(f"bpfdoctor: {big}: ") and len(err.splitlines()) == 1, err
    assert rss_kib < 256 * 1024, f"{rss_kib} KiB to refuse the file"


def test_explain_on_a_shared_library_is_one_line():
    lib = next((p for p in ("/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6",
                            sys.executable) if os.path.exists(p)))
    r = run_cli("explain", lib)
    assert r.exit_code == 2 and r.stdout == "" and "not a verifier log" in r.stderr
    assert len(r.stderr.splitlines()) <= 2 and "\x00" not in r.stderr


@pytest.mark.parametrize("words", [("id", "\u00b2"), ("id", "1" * 5000), ("\u00b2",)])
def test_selectors_with_digits_int_refuses(words):
    # str.isdigit() is true for "²": 'prog dump xlated id ²' was a traceback
    from bpfdoctor.errors import UsageError
    from bpfdoctor.kernel import map_dump, prog_select

    if len(words) == 2:
        with pytest.raises(UsageError, match="bad program id"):
            prog_select.parse_selector(words)
    assert not prog_select.is_selector(words) or len(words) == 2
    with pytest.raises(UsageError):
        map_dump.parse_selector(words)
    r = run_cli("prog", "dump", "xlated", *words)
    assert r.exit_code == 2 and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize("value, number", [("12", 12), ("0x1f", 31), ("0X1F", 31), ("010", 8), ("0", 0),
                                           ("4294967295", 0xFFFFFFFF), ("0xffffffff", 0xFFFFFFFF),
                                           ("000000000000000012", 0o12)])
def test_ids_are_read_as_bpftool_reads_them(value, number):
    # bpftool: strtoul(arg, &end, 0) over the whole word (prog.c prog_parse_fds, common.c
    # map_parse_fds).  'map' took Python's int(x, 0) ("1_0", " 5", no octal), 'prog' decimal only.
    from bpfdoctor.kernel import map_dump, prog_select

    assert prog_select.parse_selector(("id", value)).number == number
    assert map_dump.parse_selector(("id", value)).number == number


@pytest.mark.parametrize("value, problem", [
    ("4294967296", "ids run from 0 to 4294967295"), ("0x100000000", "ids run from 0 to 4294967295"),
    ("9" * 40, "ids run from 0 to 4294967295"), ("1_0", "expected a number"), (" 5", "expected a number"),
    ("-1", "expected a number"), ("0x", "expected a number"), ("08", "expected a number"),
    ("+5", "expected a number"), ("", "expected a number")])
def test_ids_out_of_range_or_not_numbers_say_which(value, problem):
    from bpfdoctor.errors import UsageError
    from bpfdoctor.kernel import map_dump, prog_select

    with pytest.raises(UsageError, match=f"bad program id .*: {problem}"):
        prog_select.parse_selector(("id", value))
    with pytest.raises(UsageError, match=f"bad map id .*: {problem}"):
        map_dump.parse_selector(("id", value))
