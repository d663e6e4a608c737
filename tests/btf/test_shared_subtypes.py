"""Walks over types that share sub-types stay linear.

libbpf's CO-RE checks (``__bpf_core_types_are_compat``,
``__bpf_core_types_match``, ``bpf_core_match_member``) and our member
searches walk a type again each time they reach it.  A chain in which each
type holds the next one twice (a prototype with two parameters pointing at
the next prototype, a struct with two anonymous members of the next struct)
then costs 2**depth steps: 18 levels, about 1 KB of BTF, took seconds; 30
levels, hours.  Each walk now answers a (type, depth) it has already
answered from memory, with the same answer.
"""

from __future__ import annotations

import pytest
from testlib import time_limit

from bpfdoctor.btf.core import types_are_compat, types_match
from bpfdoctor.btf.core_resolve import resolve_relocation
from bpfdoctor.btf.core_spec import CoreReloKind
from bpfdoctor.btf.query import find_member
from bpfdoctor.btf.reader import parse_btf
from bpfdoctor.btf.writer import BtfWriter
from bpfdoctor.compat.check import _find_member

LEVELS = 30  # within the 32 levels every one of these walks allows


@pytest.fixture(autouse=True)
def bounded():
    with time_limit(30, "a walk exponential in the depth?"):
        yield


def _protos(levels=LEVELS):
    """ptr -> proto(ptr, ptr) -> proto(ptr, ptr) ... : the top pointer's id."""
    w = BtfWriter()
    int_id = w.int("int", 4, signed=True)
    nxt = None
    for _ in range(levels):
        proto = w.func_proto(int_id, [("a", nxt), ("b", nxt)] if nxt else [])
        nxt = w.ptr(proto)
    return parse_btf(w.encode(), path="protos.btf"), nxt


def _anon_structs(w: BtfWriter, levels=LEVELS, leaf_member="leaf"):
    """struct outer { struct { struct {...} ; struct {...} }; }: the outer struct's id."""
    int_id = w.int("int", 4, signed=True)
    nxt = w.struct("", 4, [(leaf_member, int_id, 0)])
    for _ in range(levels):
        nxt = w.struct("", 4, [("", nxt, 0), ("", nxt, 0)])
    return int_id, nxt


@pytest.mark.parametrize("check", [types_are_compat, types_match])
def test_prototype_checks(check):
    btf, top = _protos()
    assert check(btf, top, btf, top) is True
    # a different leaf: the answer is no, found as fast
    other, other_top = _protos(LEVELS - 1)
    assert check(btf, top, other, other_top) is False


@pytest.mark.parametrize("levels", [1, 2, 5])
def test_prototype_checks_agree_with_the_plain_walk_on_small_chains(levels):
    btf, top = _protos(levels)
    for check in (types_are_compat, types_match):
        assert check(btf, top, btf, top) is True


def test_find_member_through_shared_anonymous_structs():
    w = BtfWriter()
    int_id, inner = _anon_structs(w)
    outer = w.struct("outer", 4, [("", inner, 0), ("last", int_id, 0)])
    btf = parse_btf(w.encode(), path="anon.btf")
    assert find_member(btf, outer, "missing") is None
    last = find_member(btf, outer, "last")
    assert last is not None and last.path == (1,)
    leaf = find_member(btf, outer, "leaf")
    assert leaf is not None and leaf.path == (0,) * (LEVELS + 1) + (0,)
    assert _find_member(btf, outer, "missing") is None
    assert _find_member(btf, outer, "last").name == "last"


def test_core_member_search_through_shared_anonymous_structs():
    """A local ``struct s { int x; }`` against a target ``s`` whose x is missing
    behind 30 levels of doubly nested anonymous structs, or found after them."""
    local_w = BtfWriter()
    lint = local_w.int("int", 4, signed=True)
    local_s = local_w.struct("s", 4, [("x", lint, 0)])
    local = parse_btf(local_w.encode(), path="local.btf")

    for present in (False, True):
        w = BtfWriter()
        int_id, inner = _anon_structs(w)
        members = [("", inner, 0)] + ([("x", int_id, 32)] if present else [])
        w.struct("s", 8, members)
        target = parse_btf(w.encode(), path="target.btf")
        r = resolve_relocation(local, local_s, "0:0", CoreReloKind.FIELD_BYTE_OFFSET, target)
        if present:
            assert r.value == 4 and r.candidates, r
        else:
            assert r.candidates == () and r.poison, r  # no candidate has x: libbpf poisons
