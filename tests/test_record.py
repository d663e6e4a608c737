"""``bpfdoctor.record``: a record behaves as the frozen slotted dataclass it replaces."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle

import pytest

from bpfdoctor.record import field, record, replace


@record
class Point:
    """A test record."""

    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)
    note: object = field(default=None, compare=False, repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class DPoint:
    """The same, as a dataclass."""

    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    extra: dict = dataclasses.field(default_factory=dict)
    note: object = dataclasses.field(default=None, compare=False, repr=False)


@record
class Pair:
    """A hashable record."""

    a: int
    b: str
    note: object = field(default=None, compare=False)


@dataclasses.dataclass(frozen=True)
class DPair:
    """The same, as a dataclass."""

    a: int
    b: str
    note: object = dataclasses.field(default=None, compare=False)


@record(frozen=False)
class Bag:
    """A mutable record."""

    items: list = field(default_factory=list)
    count: int = 0


def test_construct_like_the_dataclass():
    for cls in (Point, DPoint):
        p = cls(1, tags=("a",))
        assert (p.x, p.y, p.tags, p.extra, p.note) == (1, 0, ("a",), {}, None)
        assert cls(1).extra is not cls(1).extra
        with pytest.raises(TypeError):
            cls()
        with pytest.raises(TypeError):
            cls(1, nope=2)
    assert str(inspect.signature(Point)) == str(inspect.signature(DPoint))
    assert str(inspect.signature(Bag)) == "(items: 'list' = <factory>, count: 'int' = 0) -> None"
    assert Point.__slots__ == ("x", "y", "tags", "extra", "note") and Point.__match_args__ == Point.__slots__
    assert not hasattr(Point(1), "__dict__")


def test_repr_eq_hash_like_the_dataclass():
    p, d = Point(1, 2, ("t",), note="n"), DPoint(1, 2, ("t",), note="n")
    assert repr(p) == repr(d).replace("DPoint", "Point")
    assert p == Point(1, 2, ("t",), note="other") and p != Point(2, 2, ("t",)) and p != d
    assert hash(Pair(1, "a")) == hash(Pair(1, "a", note=5)) == hash(DPair(1, "a"))
    assert Point(1).__eq__(DPoint(1)) is NotImplemented


def test_frozen():
    p = Point(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        del p.x


def test_dataclass_protocol():
    p = Point(1, 2, extra={"k": [1]})
    assert dataclasses.is_dataclass(p) and dataclasses.is_dataclass(Point)
    assert [f.name for f in dataclasses.fields(p)] == ["x", "y", "tags", "extra", "note"]
    assert dataclasses.replace(p, y=5) == Point(1, 5, extra={"k": [1]})
    assert dataclasses.asdict(p) == {"x": 1, "y": 2, "tags": (), "extra": {"k": [1]}, "note": None}


def test_replace_is_dataclasses_replace():
    p = Point(1, 2, ("a",), {"k": 1}, note="n")
    for changes in ({}, {"y": 5}, {"x": 0, "note": "m"}, {"extra": {}}):
        got, want = replace(p, **changes), dataclasses.replace(p, **changes)
        assert got == want and got.note == want.note and type(got) is Point
    with pytest.raises(TypeError, match="'z'"):
        replace(p, z=1)
    with pytest.raises(TypeError):
        dataclasses.replace(p, z=1)
    d = DPoint(1, 2)
    assert replace(d, y=3) == DPoint(1, 3)  # a dataclass goes to dataclasses.replace


def test_pickle_and_copy():
    p = Point(1, 2, ("a",), {"k": 1}, note="n")
    for q in (pickle.loads(pickle.dumps(p)), copy.copy(p), copy.deepcopy(p)):
        assert q == p and q.note == "n"


def test_mutable_record():
    b = Bag()
    b.count += 1
    b.items.append(1)
    assert b == Bag([1], 1) and Bag.__hash__ is None
    with pytest.raises(AttributeError):
        b.other = 1  # slotted


def test_generic_and_compiled_init_agree(monkeypatch):
    """The first instances of a class are bound by the generic __init__, the
    later ones by the compiled one: same values, same errors."""
    from bpfdoctor import record as rec

    @record
    class R:
        """Test."""

        a: int
        b: str = "b"
        c: list = field(default_factory=list)

    calls = [((1,), {}), ((1, "x"), {}), ((), {"a": 2, "c": [3]}), ((1,), {"b": "y"})]
    bad = [((), {}), ((1, 2, 3, 4), {}), ((1,), {"a": 1}), ((1,), {"z": 1})]
    before = [R(*a, **k) for a, k in calls]
    for a, k in bad:
        with pytest.raises(TypeError):
            R(*a, **k)
    for _ in range(rec.COMPILE_AFTER):
        R(0)
    assert R.__init__.__code__.co_filename.startswith("<record")
    assert [R(*a, **k) for a, k in calls] == before
    assert [(r.a, r.b, r.c) for r in before] == [(1, "b", []), (1, "x", []), (2, "b", [3]), (1, "y", [])]
    for a, k in bad:
        with pytest.raises(TypeError):
            R(*a, **k)
    with pytest.raises(dataclasses.FrozenInstanceError):
        before[0].a = 5


def test_bad_definitions():
    with pytest.raises(ValueError):
        @record
        class A:
            """Mutable default."""

            x: list = []  # noqa: RUF012
    with pytest.raises(TypeError):
        @record
        class B:
            """Default before non-default."""

            x: int = 0
            y: int
