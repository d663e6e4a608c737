"""Start-up paths: what bpfdoctor imports before it does any work.

The times are measured by bench/run.py; these tests pin down the imports
that the measurements showed to be expensive, so that they cannot creep
back in unnoticed.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from tests.testlib import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(code: str) -> set[str]:
    """Modules imported by ``code``, beyond those the interpreter itself starts with."""
    def run(src: str) -> set[str]:
        out = subprocess.run([sys.executable, "-c", src + "\nimport sys\nprint('\\n'.join(sys.modules))"],
                             capture_output=True, text=True, check=True).stdout
        return set(out.split())

    return run(code) - run("pass")


def test_version():
    from bpfdoctor import __version__

    for argv in (["--version"], ["--no-color", "--version"]):
        r = run_cli(*argv)
        assert r.exit_code == 0 and r.stdout == f"bpfdoctor, version {__version__}\n"


def test_version_and_help_import_no_parser():
    for flag in ("--version", "--help"):
        mods = _modules_after(f"import sys\nsys.argv=['bpfdoctor','{flag}']\nfrom bpfdoctor.cli import main\n"
                              "try:\n    main()\nexcept SystemExit:\n    pass")
        assert not {"click", "argparse", "re", "enum", "inspect"} & mods, flag


def test_a_command_imports_only_its_module():
    mods = _modules_after("import sys\nsys.argv=['bpfdoctor','elf','sections','%s']\n"
                          "from bpfdoctor.cli import main\n"
                          "try:\n    main()\nexcept SystemExit:\n    pass" % (ROOT / "tests/bpf/build/multi_prog.o"))
    assert "bpfdoctor.cli.elf" in mods
    # (inspect comes with dataclasses, used throughout the library; argparse
    # only for lines args.plain_parse leaves to it: help, errors)
    assert not {"click", "typing", "rich", "capstone", "argparse", "bpfdoctor.cli.load",
                "bpfdoctor.cli.check"} & mods


def test_load_of_a_plain_object_imports_no_parser_nor_explainer():
    """No argparse for a plain line, no verifier when nothing is rejected, no
    CO-RE machinery without CO-RE relocations, no re for text output (json
    imports it)."""
    obj = str(ROOT / "tests/bpf/build/multi_prog.o")
    for argv, unwanted in ((["load", obj], {"re", "dataclasses"}), (["load", "--json", obj], set())):
        mods = _modules_after("import sys, io, contextlib\nsys.argv=['bpfdoctor', *%r]\n"
                              "from bpfdoctor.__main__ import run\n"
                              "with contextlib.redirect_stdout(io.StringIO()):\n"
                              "    try:\n        run()\n    except SystemExit:\n        pass" % (argv,))
        assert "bpfdoctor.kernel.loader.objload" in mods
        assert not ({"argparse", "hashlib", "bpfdoctor.verifier", "bpfdoctor.findings", "bpfdoctor.btf.core_spec",
                     "bpfdoctor.kernel.loader.pin"} | unwanted) & mods, argv


def test_cli_module_import_is_cheap():
    mods = _modules_after("import bpfdoctor.cli")
    assert not {"click", "rich", "capstone", "inspect"} & mods


def _run_then(argv: list[str], entry: str, report: str) -> subprocess.CompletedProcess:
    """``bpfdoctor ARGV`` in a fresh interpreter through ``entry`` (an import
    binding ``run``), then the value of ``report`` written to stderr."""
    code = (f"import sys\nsys.argv=['bpfdoctor', *{argv!r}]\n{entry}\n"
            f"try:\n    run()\nexcept SystemExit:\n    pass\nsys.stderr.write({report})")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"})


def test_plain_text_commands_import_no_rich(tmp_path):
    """Without colour the findings renderers print through PlainConsole."""
    log = ROOT / "tests" / "verifier" / "logs" / "call_depth.log"
    obj = ROOT / "tests" / "bpf" / "build" / "multi_prog.o"
    for argv in (["explain", str(log)], ["elf", "info", str(obj)], ["check", "--no-probe"]):
        out = _run_then(argv, "from bpfdoctor.cli import main as run",
                        "' '.join(m for m in sys.modules if m.split('.')[0] in ('rich', 'capstone'))")
        assert out.stdout, argv
        assert out.stderr.strip() == "", (argv, out.stderr[-300:])


def test_kernel_enums_are_built_on_first_use():
    """The generated tables become the same enum classes, one per name."""
    from bpfdoctor.kernel import enums

    for name in enums.__all__:
        cls = getattr(enums, name)
        assert cls is getattr(enums, name) and cls.__module__ == enums.__name__ and cls.__name__ == name
        assert [(m.name, m.value) for m in cls] == list(enums._MEMBERS[name])
        assert cls(1 << 20).name == f"UNKNOWN_{1 << 20}"
    assert enums.ProgType.SCHED_CLS.label == "sched_cls" and enums.BpfFunc(1).label == "map_lookup_elem"
    mods = _modules_after("from bpfdoctor.kernel.enums import ProgType\n"
                          "import bpfdoctor.kernel.enums as e\nprint('built:' + ','.join(sorted(n for n in e.__all__ "
                          "if n in vars(e))))")
    assert "built:ProgType" in mods


def test_kernel_enum_values_and_labels_without_the_class():
    from bpfdoctor.kernel import enums

    for name in enums.__all__:
        cls = getattr(enums, name)
        for m in cls:
            assert enums.value_of(name, m.name) == int(m) and enums.label_of(name, int(m)) == cls(int(m)).label
        assert enums.label_of(name, 1 << 20) == cls(1 << 20).label and enums.value_of(name, "NOPE") is None


def _is_dataclass_decorator(node) -> bool:
    """``@dataclass`` or ``@record`` (bpfdoctor.record), with or without arguments."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr in ("dataclass", "record")
    return isinstance(node, ast.Name) and node.id in ("dataclass", "record")


def test_every_dataclass_has_a_docstring():
    """A dataclass without a docstring gets one made at import time from
    inspect.signature(cls), which every command that imports it pays for.
    Read with ast so that the test does not import the whole package."""
    src = ROOT / "src" / "bpfdoctor"
    missing = []
    for path in sorted(src.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.ClassDef) and any(map(_is_dataclass_decorator, node.decorator_list))
                    and not ast.get_docstring(node, clean=False)):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.name}")
    assert not missing, "dataclasses without a docstring:\n" + "\n".join(missing)


def test_commands_leave_inspect_deferred():
    """Through the command's entry point, dataclasses get a stand-in for
    inspect, and nothing on these paths uses it (every dataclass has a
    docstring), so ast, dis and tokenize are never imported."""
    obj = ROOT / "tests" / "bpf" / "build" / "multi_prog.o"
    log = ROOT / "tests" / "verifier" / "logs" / "call_depth.log"
    for argv in (["elf", "sections", str(obj)], ["elf", "info", str(obj)], ["disasm", str(obj)],
                 ["explain", str(log)], ["check", "--no-probe"], ["memlock", str(obj)]):
        out = _run_then(argv, "from bpfdoctor.__main__ import run",
                        "type(sys.modules['inspect']).__name__ + ' ' + str('ast' in sys.modules)")
        assert out.stdout, argv
        assert out.stderr == "_DeferredModule False", (argv, out.stderr[-300:])
