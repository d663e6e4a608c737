"""The README's quick start works where pip refuses system-wide installs
(Debian 12, PEP 668), and .ci/run proves it (issue 11 item 12)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _block(name: str) -> str:
    text = (ROOT / "README.md").read_text()
    m = re.search(rf"<!-- {name} -->\n```sh\n(.*?)\n```\n<!-- /{name} -->", text, re.S)
    assert m, f"no {name} block in README.md"
    return m.group(1)


def _steps(cmd: str) -> list[list[str]]:
    return [shlex.split(part) for part in cmd.split("&&")]


def test_main_command_installs_into_a_venv_and_puts_bpfdoctor_on_roots_path():
    steps = _steps(_block("main-command"))
    pips = [s for s in steps if any(w.endswith("pip") for w in s[:1])]
    # every pip is a virtual environment's, never the system's (externally-managed-environment)
    assert pips and all(s[0] != "pip" and "/bin/pip" in s[0] for s in pips)
    venv = next(s for s in steps if s[:3] == ["python3", "-m", "venv"])
    assert pips[0][0] == f"{venv[3]}/bin/pip"
    # Debian's python3 has no ensurepip without python3-venv
    assert any("python3-venv" in s for s in steps if s[:2] == ["apt-get", "install"])
    link = next(s for s in steps if s[:2] == ["ln", "-sf"])
    assert link[2] == f"{venv[3]}/bin/bpfdoctor" and link[3].startswith("/usr/local/bin")
    assert steps[-1] == ["bpfdoctor", "check"]


def test_ci_runs_the_main_command_from_a_clean_clone():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "main-command" in ci and "git clone" in ci and "Traceback" in ci
