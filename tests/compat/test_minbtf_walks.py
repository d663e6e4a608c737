"""The min-BTF marking walks (bpftool gen.c ``btfgen_mark_type`` and
``btfgen_mark_type_match``) on target BTF built to make them expensive.

gen.c walks a type again every time it reaches it.  A chain of function
prototypes whose two parameters point at the next prototype then takes
2**depth steps: 30 levels of 10 words each take hours.  Ours marks the
same types (a walk from a type already walked at the same or a smaller
depth adds nothing) in linear time.
"""

from __future__ import annotations

import pytest
from testlib import time_limit

from bpfdoctor.btf.reader import parse_btf
from bpfdoctor.btf.writer import BtfWriter
from bpfdoctor.compat.minbtf import _Marks

LEVELS = 30  # 60 types deep: inside the walks' depth bound (64)


def _doubling_chain():
    """ptr_0 -> proto_0(ptr_1, ptr_1) -> proto_1(ptr_2, ptr_2) ... -> proto_39()."""
    w = BtfWriter()
    int_id = w.int("int", 4, signed=True)
    nxt = None
    ids = []
    for _ in range(LEVELS):
        params = [("a", nxt), ("b", nxt)] if nxt else []
        proto = w.func_proto(int_id, params)
        nxt = w.ptr(proto)
        ids += [proto, nxt]
    return parse_btf(w.encode(), path="chain.btf"), nxt, int_id, ids


@pytest.fixture
def bounded():
    with time_limit(30, "the walk (exponential?)"):
        yield


def test_mark_type_through_shared_prototypes_is_linear(bounded):
    btf, top, int_id, ids = _doubling_chain()
    marks = _Marks(btf)
    marks.mark_type(top, True)
    assert marks.types == {int_id, *ids}
    # without following pointers the walk stops at the first pointer
    shallow = _Marks(btf)
    shallow.mark_type(top, False)
    assert shallow.types == {top}


def test_mark_match_through_shared_prototypes_is_linear(bounded):
    btf, top, int_id, ids = _doubling_chain()
    marks = _Marks(btf)
    marks.mark_match(btf.type(top).type, False)  # the outermost prototype
    assert marks.types == {int_id, *ids} - {top}


def test_a_deeper_walk_does_not_hide_a_shallower_one():
    """A type first reached near the depth bound, then again near the top,
    is walked again from there (what gen.c's unmemoised walk marks)."""
    w = BtfWriter()
    int_id = w.int("int", 4)
    leaf = w.ptr(int_id)
    # a long typedef chain ending at ``leaf``, and a short one to it
    deep = leaf
    for i in range(63):
        deep = w.typedef(f"d{i}", deep)
    btf = parse_btf(w.encode(), path="depth.btf")
    marks = _Marks(btf)
    marks.mark_type(deep, True)  # reaches leaf at depth 63, its int at 64
    marks.mark_type(leaf, True)
    assert int_id in marks.types


def _access_past_anonymous_namesake():
    """Local ``struct s { int len; }`` read as ``s.len``; the target holds an
    anonymous union whose only member is also named ``len`` but is a struct,
    then the ``int len`` that matches."""
    from bpfdoctor.btf.core_resolve import spec_match
    from bpfdoctor.btf.core_spec import CoreReloKind, parse_spec

    lw = BtfWriter()
    lint = lw.int("int", 4, signed=True)
    ls = lw.struct("s", 4, [("len", lint, 0)])
    local = parse_btf(lw.encode(), path="local.btf")
    tw = BtfWriter()
    tint = tw.int("int", 4, signed=True)
    q = tw.struct("q", 8, [("a", tint, 0), ("b", tint, 32)])
    anon = tw.struct("", 8, [("len", q, 0)], union=True)
    ts = tw.struct("s", 12, [("", anon, 0), ("len", tint, 64)])
    target = parse_btf(tw.encode(), path="target.btf")
    spec = parse_spec(local, ls, "0:0", CoreReloKind.FIELD_BYTE_OFFSET)
    return target, ts, spec_match(spec, target, ts)


def test_access_path_libbpf_leaves_behind_is_refused():
    """libbpf's member match, which ours mirrors, keeps the anonymous union's
    index when the ``len`` inside it has an incompatible type: the target's path
    is 0:0:1, and gen.c reads member 1 of a one-member union.  The walk raised
    ``IndexError`` (a traceback from ``compat --emit-min-btf``, found by the
    compat campaign); it refuses in one line."""
    from bpfdoctor.errors import InputError

    target, ts, tspec = _access_past_anonymous_namesake()
    assert tspec is not None and tspec.raw == [0, 0, 1]
    assert tspec.accessors[-1].type_id == ts and tspec.accessors[-1].idx == 1
    with pytest.raises(InputError, match=r"access path 0:0:1 of \[\d+\] names member 1 of \[\d+\], which has 1"):
        _Marks(target).field(tspec)
