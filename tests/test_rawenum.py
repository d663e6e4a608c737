"""``KeepUnknown`` behaves as the ``IntEnum`` it replaced, without importing enum."""

from __future__ import annotations

import copy
import enum
import json
import pickle
import subprocess
import sys

import pytest

from bpfdoctor.btf.kinds import Kind
from bpfdoctor.kernel import enums
from bpfdoctor.rawenum import KeepUnknown
from bpfdoctor.render.output import to_jsonable


class _RefKind(enum.IntEnum):
    """The same members as ``Kind``, built by the standard module."""

    @classmethod
    def _missing_(cls, value):  # the pseudo-member rawenum documents, made the stdlib's way
        if type(value) is not int:
            return None
        pseudo = int.__new__(cls, value)
        pseudo._name_, pseudo._value_ = f"UNKNOWN_{value}", value
        return pseudo


RefKind = _RefKind("Kind", [(m.name, int(m)) for m in Kind])


def test_members_and_iteration_match_intenum():
    assert [(m.name, m.value) for m in Kind] == [(m.name, m.value) for m in RefKind]
    assert [m.name for m in reversed(Kind)] == [m.name for m in reversed(RefKind)]
    assert len(Kind) == len(RefKind) and list(Kind.__members__) == list(RefKind.__members__)
    assert Kind.__members__["PTR"] is Kind.PTR and Kind["PTR"] is Kind.PTR
    assert repr(Kind) == "<enum 'Kind'>"


@pytest.mark.parametrize("value", [0, 1, 2, 19, 20, 99, -1, 1 << 40])
def test_lookup_text_and_number_match_intenum(value):
    ours, ref = Kind(value), RefKind(value)
    assert (ours.name, ours.value, int(ours)) == (ref.name, ref.value, int(ref))
    assert repr(ours) == repr(ref) and str(ours) == str(ref) and f"{ours}" == f"{ref}"
    assert f"{ours:#x}" == f"{ref:#x}" and f"{ours:>6}" == f"{ref:>6}"
    assert hash(ours) == hash(ref) == hash(value) and ours == value and bool(ours) == bool(ref)
    assert (ours in Kind) == (ref in RefKind)
    assert json.dumps(to_jsonable(ours)) == json.dumps(to_jsonable(ref)) == str(value)
    assert isinstance(ours, int) and type(ours + 1) is int


def test_known_members_are_singletons_and_unknown_ones_keep_the_number():
    assert Kind(1) is Kind.INT is Kind(Kind.INT) and Kind.INT.known and not Kind(99).known
    assert Kind(99).label == "unknown_99" and Kind.FUNC_PROTO.label == "func_proto"
    for member in (Kind.INT, Kind(99)):
        for proto in range(pickle.HIGHEST_PROTOCOL + 1):
            assert pickle.loads(pickle.dumps(member, proto)) == member
        assert copy.copy(member) is member and copy.deepcopy(member) is member
    assert pickle.loads(pickle.dumps(Kind.INT)) is Kind.INT


@pytest.mark.parametrize("bad", ["1", 1.5, None, (1,), [1]])
def test_values_that_are_not_members_raise_valueerror(bad):
    with pytest.raises(ValueError, match="is not a valid Kind"):
        Kind(bad)
    with pytest.raises(ValueError):
        RefKind(bad)


def test_members_cannot_be_reassigned_and_names_are_keyerrors():
    with pytest.raises(AttributeError):
        Kind.INT = 5
    with pytest.raises(KeyError):
        Kind["NOPE"]
    with pytest.raises(AttributeError):
        Kind.NOPE  # noqa: B018 - the lookup is the test


def test_functional_form_and_aliases():
    made = KeepUnknown("Colour", [("RED", 1), ("GREEN", 2), ("CRIMSON", 1)], module=__name__, qualname="Colour")
    assert made.__name__ == "Colour" and made.__module__ == __name__
    assert [m.name for m in made] == ["RED", "GREEN"] and made.CRIMSON is made.RED and made["CRIMSON"] is made.RED
    assert made(2) is made.GREEN and made(7).name == "UNKNOWN_7" and issubclass(made, KeepUnknown)
    assert enums.ProgType(6) is enums.ProgType.XDP and enums.ProgType.XDP.label == "xdp"


def _imported_after(code: str, watch: tuple[str, ...]) -> list[str]:
    """Which of ``watch`` a fresh interpreter (no site) has imported after ``code``."""
    probe = f"{code}\nimport sys\nprint(','.join(m for m in {watch!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": ":".join(p for p in sys.path if p)})
    return [m for m in out.stdout.strip().split(",") if m]


def test_prog_list_path_imports_no_enum():
    """rawenum, the kernel enums and the object walk import neither enum nor collections."""
    code = "import bpfdoctor.kernel.prog_list, bpfdoctor.kernel.enums as e\ne.ProgType.XDP"
    assert _imported_after(code, ("enum", "collections", "functools")) == []


class _RefSeverity(str, enum.Enum):
    OK = "ok"
    INFO = "info"
    WARN = "warn"
    FAIL = "fail"


def test_severity_behaves_as_the_str_enum_it_replaced():
    from bpfdoctor.findings import Severity

    assert [(s.name, s.value) for s in Severity] == [(s.name, s.value) for s in _RefSeverity]
    for ours, ref in zip(Severity, _RefSeverity):
        assert repr(ours).replace("Severity", "X") == repr(ref).replace("_RefSeverity", "X")
        assert str(ours).split(".")[1] == str(ref).split(".")[1] and f"{ours:>14}".endswith(ours.name)
        assert ours == ref.value and Severity(ref.value) is ours and hash(ours) == hash(ours.name)
        assert pickle.loads(pickle.dumps(ours)) is ours and copy.deepcopy(ours) is ours
        assert to_jsonable(ours) == ref.value and type(to_jsonable(ours)) is str
    assert [s.rank for s in Severity] == [0, 1, 2, 3] and Severity["WARN"] is Severity.WARN
    with pytest.raises(ValueError, match="is not a valid Severity"):
        Severity("bad")


def test_check_path_imports_no_enum_and_no_re():
    code = "import bpfdoctor.cli.check, bpfdoctor.doctor.report, bpfdoctor.render.findings"
    assert _imported_after(code, ("enum", "re", "collections", "functools")) == []
