"""Probe children and Ctrl-C: not swallowed by the at-fork handlers, and no
child outlives bpfdoctor."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bpfdoctor.kernel.fork import fork_probe

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_ctrl_c_during_fork_reaches_the_parent(monkeypatch):
    real_fork = os.fork

    def fork_after_ctrl_c():
        os.kill(os.getpid(), signal.SIGINT)  # as if pressed while forking
        return real_fork()

    monkeypatch.setattr(os, "fork", fork_after_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        if fork_probe() == 0:
            os._exit(0)
    monkeypatch.undo()
    os.waitpid(-1, 0)


def test_child_dies_with_its_parent(tmp_path):
    pidfile = tmp_path / "child"
    script = textwrap.dedent(f"""
        import os, time
        from bpfdoctor.kernel.fork import fork_probe
        pid = fork_probe()
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        open({str(pidfile)!r}, "w").write(str(pid))
        os._exit(0)  # the parent leaves without waiting
    """)
    subprocess.run([sys.executable, "-c", script], env=dict(os.environ, PYTHONPATH=SRC), check=True)
    child = int(pidfile.read_text())
    for _ in range(100):
        try:
            stat = Path(f"/proc/{child}/stat").read_text()
        except FileNotFoundError:
            return
        if stat.rsplit(")", 1)[1].split()[0] == "Z":  # reaped by init soon
            return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the probe child outlived its parent")


def test_ctrl_c_while_importing_the_cli_exits_130_quietly(monkeypatch, capsys):
    import builtins

    import bpfdoctor.__main__ as entry

    real_import = builtins.__import__

    def interrupted(name, *args, **kwargs):
        if name == "bpfdoctor.cli":
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", interrupted)
    with pytest.raises(SystemExit) as e:
        entry.run()
    assert e.value.code == 130
    assert "Traceback" not in capsys.readouterr().err
