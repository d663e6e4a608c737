"""The catalog as data: ids, coverage by fixtures, wordings of old and new kernels."""

from __future__ import annotations

import re

import pytest

from bpfdoctor.verifier import catalog_kernel, catalog_more
from bpfdoctor.verifier.families import FAMILIES

from bpfdoctor.errors import NotFoundError
from bpfdoctor.verifier import CATALOG, entry, explain_text
from bpfdoctor.verifier.catalog import candidates
from .conftest import FIXTURES
from .expected import EXPECTED
from .rawbpf import RAW_FIXTURES

_GENERATED = catalog_more.ENTRIES + catalog_kernel.FIRST + catalog_kernel.ENTRIES
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def test_size_and_ids():
    assert len(CATALOG) >= 25
    ids = [e.id for e in CATALOG]
    assert len(ids) == len(set(ids))
    assert all(KEBAB.match(i) for i in ids)


@pytest.mark.parametrize("e", CATALOG, ids=lambda e: e.id)
def test_entry_is_complete(e):
    # catalog_more/catalog_kernel entries carry no snippet: fixes are written from the
    # program (families)
    for text in (e.title, e.explanation, e.cause, e.fix, e.reference) + (
            (e.snippet,) if e not in _GENERATED else ()):
        assert text.strip()
    assert e.id in FAMILIES
    assert e.reference.startswith(("kernel/", "libbpf "))
    assert e.patterns and all(re.compile(p) for p in e.patterns)


# catalog_kernel's families are checked against every message of the kernel
# (test_kernel_messages), not by one loading fixture each
@pytest.mark.parametrize("e", [e for e in CATALOG if e not in _GENERATED],
                         ids=lambda e: e.id)
def test_every_entry_has_a_fixture_and_a_saved_log(e):
    sources = [p for p in FIXTURES.glob("*.c") if f"catalog: {e.id}" in p.read_text()[:200]]
    raw = [n for n, (_, i) in RAW_FIXTURES.items() if i == e.id]
    assert sources or raw, f"no fixture for {e.id}"
    assert e.id in {v[0] for v in EXPECTED.values()}


def test_fixture_comments_name_real_entries():
    for path in FIXTURES.glob("*.c"):
        m = re.search(r"catalog: ([a-z0-9-]+)", path.read_text()[:200])
        if m:
            assert entry(m.group(1)).id == m.group(1)


def test_unknown_id():
    with pytest.raises(NotFoundError):
        entry("no-such-entry")


# Wordings of older kernels and libbpf versions, and the entry they belong to.
WORDINGS = [
    ("R1 invalid mem access 'inv'", "scalar-deref"),
    ("R1 invalid mem access 'scalar'", "scalar-deref"),
    ("R0 invalid mem access 'sock_or_null'", "nullable-pointer-deref"),
    ("R0 invalid mem access 'ptr_or_null_'", "nullable-pointer-deref"),
    ("unknown func bpf_get_current_pid_tgid#14", "helper-not-allowed-for-program-type"),
    ("program of this type cannot use helper bpf_redirect#23", "helper-not-allowed-for-program-type"),
    ("invalid func unknown#195896080", "core-relocation-failed"),
    ("invalid func unknown#2001000003", "map-not-created"),
    ("invalid func unknown#212", "helper-unknown"),
    ("back-edge from insn 7 to 3", "infinite-loop"),
    ("The sequence of 8193 jumps is too complex.", "program-too-complex"),
    ("BPF program is too large. Processed 131073 insn", "program-too-complex"),
    ("invalid indirect read from stack off -16+0 size 16", "uninitialized-stack-read"),
    ("invalid stack type R1 off=-8 access_size=16", "stack-buffer-too-small"),
    ("invalid indirect access to stack R1 off=-8 size=16", "stack-buffer-too-small"),
    ("invalid indirect access to stack R1 off=-520 size=8", "stack-out-of-bounds"),
    ("invalid stack off=-520 size=8", "stack-out-of-bounds"),
    ("R2 type=inv expected=fp", "helper-argument-type-mismatch"),
    ("R1 type=scalar expected=map_ptr", "helper-argument-type-mismatch"),
    ("At program exit the register R0 has value (0x2; 0x0) should have been in (0x0; 0x1)",
     "return-value-out-of-range"),
    ("At program exit the register R0 has unknown scalar value should have been in [0, 1]",
     "return-value-out-of-range"),
    ("R1 pointer comparison prohibited", "pointer-leak"),
    ("fd 9 is not pointing to valid bpf_map", "invalid-map-fd"),
    ("misaligned stack access off (0x0; 0x0)+-7+0 size 8", "misaligned-stack-access"),
]


@pytest.mark.parametrize("line,expected", WORDINGS)
def test_wordings(line, expected):
    assert explain_text(line + "\n").finding.id == expected


def test_most_specific_entry_wins():
    assert candidates("R0 invalid mem access 'map_value_or_null'")[0].id == "map-value-null-check-missing"
    assert candidates("invalid func unknown#195896080")[0].id == "core-relocation-failed"
