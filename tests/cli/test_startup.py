"""Start-up paths: what bpfdoctor imports before it does any work.

The times are measured by bench/run.py; these tests pin down the imports
that the measurements showed to be expensive, so that they cannot creep
back in unnoticed, and that the fast paths print what click would.
"""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from tests.testlib import run_cli


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_version_fast_path_matches_click():
    from bpfdoctor.cli import cli

    clicked = CliRunner().invoke(cli, ["--version"])
    assert clicked.exit_code == 0
    fast = run_cli("--version")
    assert fast.exit_code == 0
    assert fast.stdout == clicked.output
    # with another option the click path answers, and says the same
    assert run_cli("--no-color", "--version").stdout == clicked.output


def test_version_imports_no_click():
    mods = _modules_after("import sys\nsys.argv=['bpfdoctor','--version']\nfrom bpfdoctor.cli import main\n"
                          "try:\n    main()\nexcept SystemExit:\n    pass")
    assert "click" not in mods
    assert "bpfdoctor.cli.app" not in mods


def test_cli_module_import_is_cheap():
    mods = _modules_after("import bpfdoctor.cli")
    assert not {"click", "rich", "capstone", "inspect"} & mods
