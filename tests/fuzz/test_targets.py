"""A target's own work stays inside the contract's budget.

The contract budgets CPU by the input's size (``contract.budget``); a target
that makes more input of its own (``btf.valuefmt`` renders values of sizes it
picks) must keep that work in step with the input, or a small input passes or
fails the budget by the target's choice and not by the code under test.
"""

import struct

from bpfdoctor.btf import valuefmt

from .targets import TARGETS
from .targets_more import BIG_VALUE, VALUE_NODES_BASE, VALUE_NODES_PER_BYTE, tree_nodes


def _btf(types: list[bytes], strings: bytes) -> bytes:
    body = b"".join(types)
    return struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(body), len(body), len(strings)) + body + strings


def widest_btf(typedefs: int = 48) -> bytes:
    """Every type as wide as a value's step budget allows, whatever the value's size:
    [1] int, [2] int[1 << 20], [3..] typedefs of [2]."""
    types = [struct.pack("<III", 1, 1 << 24, 4) + struct.pack("<I", 32),  # INT "int", 32 bits
             struct.pack("<III", 0, 3 << 24, 0) + struct.pack("<III", 1, 1, 1 << 20)]  # ARRAY
    types += [struct.pack("<III", 5, 8 << 24, 2)] * typedefs  # TYPEDEF "t" -> [2]
    return _btf(types, b"\0int\0t\0")


def rendered_nodes(monkeypatch, data: bytes) -> int:
    nodes = []
    real = valuefmt.format_value

    def counting(*args, **kw):
        tree = real(*args, **kw)
        nodes.append(tree_nodes(tree))
        return tree

    monkeypatch.setattr(valuefmt, "format_value", counting)
    TARGETS["btf.valuefmt"].fn(data)
    return sum(nodes)


def test_the_widest_btf_is_what_it_claims(monkeypatch):
    """Each value of [2] reaches its step budget: 1,024 nodes even for an empty one."""
    from bpfdoctor.btf.reader import parse_btf

    btf = parse_btf(widest_btf(), path="wide.btf")
    for size in (0, 7, 64):
        tree = valuefmt.format_value(btf, 3, bytes(size), plain=False)
        assert tree_nodes(tree) >= valuefmt.STEPS_BASE + valuefmt.STEPS_PER_BYTE * size


def test_valuefmt_renders_no_more_nodes_than_its_input_allows(monkeypatch):
    data = widest_btf()
    assert len(data) < 700
    one_value = valuefmt.STEPS_BASE + valuefmt.STEPS_PER_BYTE * BIG_VALUE + 2  # the last one crosses the line
    assert rendered_nodes(monkeypatch, data) <= VALUE_NODES_BASE + VALUE_NODES_PER_BYTE * len(data) + one_value


def test_valuefmt_still_renders_every_type_of_a_small_btf(monkeypatch):
    """The allowance stops a target that would render a BTF's claims, not an ordinary BTF."""
    data = widest_btf(typedefs=0)
    seen = []
    real = valuefmt.format_value
    monkeypatch.setattr(valuefmt, "format_value", lambda btf, tid, *a, **k: seen.append(tid) or real(btf, tid, *a, **k))
    TARGETS["btf.valuefmt"].fn(data)
    assert sorted(set(seen)) == [1, 2] and len(seen) == 8
