"""``KeepUnknown``: the int enum base for every closed set the kernel numbers
(and ``StrMembers``, the same for a closed set of strings).

A newer kernel (or a newer compiler) can report a value we do not know; it
must never crash an older bpfdoctor.  An unknown raw value becomes a
pseudo-member named ``UNKNOWN_<n>`` that keeps the number.  Pure: used by the
BTF reader and by the generated UAPI enums alike.

It is not built on the standard ``enum`` module.  ``import enum`` pulls in
``functools``, ``collections``, ``operator`` and ``types``: about 8 ms here,
two fifths of the interpreter's own start, paid by ``prog list`` and ``load``
for nothing else (issue 12).  A member behaves as an ``IntEnum`` member of
Python 3.11: an ``int`` subclass, one instance per value, with ``name``,
``value``, ``repr`` ``<Kind.INT: 1>``, ``str`` and ``format`` of the int, and
pickling by value; the class iterates its members in definition order and
answers ``Cls(value)``, ``Cls[name]``, ``Cls.__members__``, ``len`` and
``in``.  Members are the int class attributes of a subclass's body, or the
``(name, value)`` pairs of ``KeepUnknown(name, pairs, module=..., qualname=...)``.
``StrMembers`` does the same for ``class X(str, Enum)``.
"""

from __future__ import annotations

__all__ = ["KeepUnknown", "StrMembers"]

_MappingProxy = type(type.__dict__)  # types.MappingProxyType, without importing types


class _MembersType(type):
    """Metaclass: turns the int (or, under ``StrMembers``, str) attributes of
    a class body into members."""

    def __new__(mcls, clsname, bases, ns, **kwargs):
        data = str if any(issubclass(b, str) for b in bases) else int
        pairs = [(k, v) for k, v in ns.items()
                 if not k.startswith("_") and type(v) is data]
        for k, _ in pairs:
            del ns[k]
        cls = super().__new__(mcls, clsname, bases, ns, **kwargs)
        cls._data_type_ = data
        cls._member_map_ = {}
        cls._value2member_map_ = {}
        cls._member_names_ = []
        for k, v in pairs:
            cls._add_member_(k, v)
        return cls

    def _add_member_(cls, name: str, value) -> None:
        existing = cls._value2member_map_.get(value)
        if existing is not None:  # an alias: the name answers the first member
            cls._member_map_[name] = existing
            type.__setattr__(cls, name, existing)
            return
        member = cls._data_type_.__new__(cls, value)
        member._name_ = name
        member._value_ = value
        cls._member_map_[name] = member
        cls._value2member_map_[value] = member
        cls._member_names_.append(name)
        type.__setattr__(cls, name, member)

    def __call__(cls, value, names=None, *, module=None, qualname=None):
        if names is not None:  # the functional form: KeepUnknown("Name", pairs)
            ns = {"__module__": module or cls.__module__, "__qualname__": qualname or value}
            made = type(cls)(value, (cls,), ns)
            for k, v in names:
                made._add_member_(k, v)
            return made
        if value.__class__ is cls:
            return value
        try:
            return cls._value2member_map_[value]
        except (KeyError, TypeError):
            pass
        member = cls._missing_(value)
        if member is None:
            raise ValueError(f"{value!r} is not a valid {cls.__qualname__}")
        return member

    def __iter__(cls):
        members = cls._member_map_
        return (members[n] for n in cls._member_names_)

    def __reversed__(cls):
        members = cls._member_map_
        return (members[n] for n in reversed(cls._member_names_))

    def __len__(cls) -> int:
        return len(cls._member_names_)

    def __contains__(cls, member) -> bool:
        return isinstance(member, cls) and member._name_ in cls._member_map_

    def __getitem__(cls, name: str):
        return cls._member_map_[name]

    def __setattr__(cls, name: str, value) -> None:
        if name in cls.__dict__.get("_member_map_", ()):
            raise AttributeError(f"cannot reassign member {name!r}")
        super().__setattr__(name, value)

    def __dir__(cls):
        return [*super().__dir__(), *cls._member_names_]

    @property
    def __members__(cls):
        return _MappingProxy(cls._member_map_)

    def __repr__(cls) -> str:
        return f"<enum {cls.__name__!r}>"


class _Member:
    """What every member has: its name and value, pickling by value, no copies."""

    @property
    def name(self) -> str:
        return self._name_

    @property
    def value(self):
        return self._value_

    def __reduce_ex__(self, protocol):
        return type(self), (self._value_,)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


class KeepUnknown(_Member, int, metaclass=_MembersType):
    """An int enum that turns an unknown raw value into a pseudo-member."""

    @classmethod
    def _missing_(cls, value):
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = int(value)
        return member

    @property
    def known(self) -> bool:
        return self._name_ in type(self)._member_map_

    @property
    def label(self) -> str:
        """Lower-case kernel-style name (``sched_cls``, ``map_lookup_elem``)."""
        return self._name_.lower()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self._name_}: {self._value_}>"

    __str__ = int.__repr__
    __format__ = int.__format__

    def __dir__(self):
        return [*object.__dir__(self), "name", "value"]


class StrMembers(_Member, str, metaclass=_MembersType):
    """A closed set of strings, as ``class X(str, Enum)`` of Python 3.11:
    members are the str attributes of the class body; ``str()`` and
    ``format()`` give ``X.NAME`` and ``.value`` the string; an unknown value
    raises ``ValueError``."""

    @classmethod
    def _missing_(cls, value):
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self._name_}: {self._value_!r}>"

    def __str__(self) -> str:
        return f"{type(self).__name__}.{self._name_}"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __hash__(self) -> int:
        return hash(self._name_)
