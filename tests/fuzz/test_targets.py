"""A target's own work stays inside the contract's budget.

The contract budgets CPU by the input's size (``contract.budget``); a target
that makes more input of its own (``btf.valuefmt`` renders values of sizes it
picks) must keep that work in step with the input, or a small input passes or
fails the budget by the target's choice and not by the code under test.
"""

from bpfdoctor.btf import valuefmt
from tests.btf.btfgen import BtfBuilder

from .targets import TARGETS
from .targets_more import BIG_VALUE, VALUE_NODES_BASE, VALUE_NODES_PER_BYTE, tree_nodes


def widest_btf(typedefs: int = 48) -> bytes:
    """Every type as wide as a value's step budget allows, whatever the value's size:
    [1] int, [2] int[1 << 20], [3..] typedefs of [2]."""
    b = BtfBuilder()
    i = b.int_("int", 4, 32)
    array = b.add(3, "", 0, extra=[i, i, 1 << 20])
    for _ in range(typedefs):
        b.typedef("t", array)
    return b.encode()


def rendered(monkeypatch, data: bytes) -> list[tuple[int, int]]:
    """(type id, nodes) of each value the valuefmt target renders from ``data``."""
    values = []
    real = valuefmt.format_value

    def counting(btf, tid, *args, **kw):
        tree = real(btf, tid, *args, **kw)
        values.append((tid, tree_nodes(tree)))
        return tree

    monkeypatch.setattr(valuefmt, "format_value", counting)
    TARGETS["btf.valuefmt"].fn(data)
    return values


def test_the_widest_btf_is_what_it_claims():
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
    allowance = VALUE_NODES_BASE + VALUE_NODES_PER_BYTE * len(data)
    assert sum(n for _, n in rendered(monkeypatch, data)) <= allowance + one_value


def test_valuefmt_still_renders_every_type_of_a_small_btf(monkeypatch):
    """The allowance stops a target that would render a BTF's claims, not an ordinary BTF."""
    seen = [tid for tid, _ in rendered(monkeypatch, widest_btf(typedefs=0))]
    assert sorted(set(seen)) == [1, 2] and len(seen) == 8
