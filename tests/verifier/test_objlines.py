"""line_for_insn from an object's BTF line_info agrees with the kernel's own comments."""

from __future__ import annotations

import pytest

from bpfdoctor.errors import NotFoundError
from bpfdoctor.verifier import parse_file
from bpfdoctor.verifier.objlines import line_lookup
from .conftest import LOGS
from .expected import EXPECTED


def _mappable() -> list[str]:
    """Fixtures whose failing instruction is printed and lies in the main program
    (appended subprograms are placed by libbpf at load time)."""
    out = []
    for name, (_, _, line) in sorted(EXPECTED.items()):
        parsed = parse_file(LOGS / f"{name}.log")
        if line is not None and parsed.failing_insn is not None and not parsed.subprogram:
            out.append(name)
    return out


@pytest.mark.parametrize("name", _mappable())
def test_line_info_matches_the_log(built_fixtures, name):
    parsed = parse_file(LOGS / f"{name}.log")
    lookup = line_lookup(built_fixtures / f"{name}.o", parsed.program or name)
    found = lookup(parsed.failing_insn.index)
    assert found is not None
    assert found[0].endswith(f"{name}.c") and found[1] == EXPECTED[name][2]


def test_out_of_range(built_fixtures):
    lookup = line_lookup(built_fixtures / "map_value_null.o", None)
    assert lookup(-1) is None and lookup(10_000) is None


def test_program_must_exist(built_fixtures):
    with pytest.raises(NotFoundError):
        line_lookup(built_fixtures / "map_value_null.o", "other")
