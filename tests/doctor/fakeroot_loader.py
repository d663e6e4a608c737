"""Load tests/host/fakeroot.py by path (tests/ is not a package)."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("bpfdoctor_tests_fakeroot",
                                               Path(__file__).parent.parent / "host" / "fakeroot.py")
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
build_tree = _mod.build_tree
DEFAULT = _mod.DEFAULT
