"""Helpers shared by the test directories (import as ``testlib``; a plain
``conftest`` import is ambiguous with several conftest.py files)."""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
BPF_DIR = TESTS / "bpf"
BUILD = BPF_DIR / "build"


def ensure_built() -> None:
    """Build the fixtures once if they are missing (CI runs make first)."""
    if any(BUILD.glob("*.o")):
        return
    if shutil.which("clang-19") is None:
        pytest.skip("fixture objects not built and clang-19 is not installed (make -C tests/bpf)")
    subprocess.run(["make", "-C", str(BPF_DIR), "-s", "-j2"], check=True)


def fixture_objects(pattern: str = "*.o") -> list[Path]:
    """Every built fixture matching ``pattern`` (for parametrising at collection)."""
    return sorted(p for p in BUILD.glob(pattern) if p.name != "large.o")


def bpf_refusal() -> str | None:
    """Why bpf() cannot be used here (None when it can): the kernel's own answer
    to creating a one-entry array map."""
    from bpfdoctor.errors import SyscallError
    from bpfdoctor.kernel.enums import MapType
    from bpfdoctor.kernel.maps import create_map

    try:
        create_map(MapType.ARRAY, 4, 4, 1).close()
    except SyscallError as e:
        return f"bpf() refused here: {e}"
    return None


def open_fds() -> set[int]:
    import os

    return {int(n) for n in os.listdir("/proc/self/fd")}


@contextlib.contextmanager
def time_limit(seconds: int, what: str):
    """Fail (AssertionError) instead of hanging when the block runs longer
    than ``seconds``: a regression that loops fails its test, not the suite."""
    def hung(*_):
        raise AssertionError(f"{what}: no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


class CliResult:
    def __init__(self, code: int, out: str, err: str, out_bytes: bytes | None = None) -> None:
        self.exit_code, self.stdout, self.stderr = code, out, err
        self.stdout_bytes = out.encode() if out_bytes is None else out_bytes

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str) -> CliResult:
    """Run ``bpfdoctor ARGS`` in-process through ``cli.main`` (the one place
    that turns errors into messages and exit codes)."""
    import contextlib
    import io

    from bpfdoctor.cli import main

    # stdout as the real one is: a UTF-8 text layer over bytes (some
    # commands write bytes to sys.stdout.buffer)
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", write_through=True)
    err = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    out.flush()
    data = raw.getvalue()
    return CliResult(code, data.decode("utf-8", "surrogateescape"), err.getvalue(), data)


def bpftool_loadall(obj, pin_dir: str, *, debug: bool = False):
    """``bpftool [-d] prog loadall OBJ PIN_DIR``, undoing what libbpf does
    behind our back: maps declared ``LIBBPF_PIN_BY_NAME`` are pinned at
    ``/sys/fs/bpf/<name>`` (bpftool 7.1 cannot move them).  Those pins are
    removed afterwards unless they existed before.  Removing ``pin_dir`` stays
    the caller's job."""
    import os
    from pathlib import Path

    from bpfdoctor.elf import open_object

    by_name = [m.name for m in open_object(obj).maps if m.pinning == 1]
    stale = [n for n in by_name if not os.path.exists(f"/sys/fs/bpf/{n}")]
    cmd = ["bpftool"] + (["-d"] if debug else []) + ["prog", "loadall", str(Path(obj)), pin_dir]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    finally:
        for n in stale:
            try:
                os.unlink(f"/sys/fs/bpf/{n}")
            except FileNotFoundError:
                pass


def as_nobody(work):
    """Fork; the child drops to uid/gid 65534 (nobody) and returns
    ``work()``'s value as JSON through a pipe; the parent returns it decoded.
    No exec: the pyenv interpreter may not be readable for nobody, so the
    caller imports what ``work`` needs before calling this."""
    import json
    import os

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            os.write(w, json.dumps(work()).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        data = f.read()
    os.waitpid(pid, 0)
    return json.loads(data)


def typed_tree(v):
    """A value tree (btf.valuefmt) with each leaf's class: compared strictly, a
    plan giving "0x1" where the walk gives Raw("0x1") differs."""
    from bpfdoctor.btf.valuefmt import Obj

    if isinstance(v, Obj):
        return ("obj", tuple((k, typed_tree(x)) for k, x in v.items))
    if isinstance(v, list):
        return ("list", tuple(typed_tree(x) for x in v))
    return (type(v).__name__, v)
