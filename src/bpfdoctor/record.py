"""``@record``: frozen, slotted value classes that cost little to define.

``@dataclass(frozen=True, slots=True)`` writes and compiles six functions for
every class (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
``__setattr__``, ``__delattr__``) and then builds the class a second time
for its slots: 0.5 to 0.9 ms a class, paid on every start.  ``bpfdoctor load``
imports some forty record classes, so defining them cost more than the
interpreter's own start (issue 12).  ``@record`` builds the class once more
for its slots (~30 us) and compiles nothing: one ``__repr__``, ``__eq__``,
``__hash__`` and frozen ``__setattr__`` serve all records, reading the
class's field list, and ``__init__`` binds the first instances generically
and compiles the class's own at the ``COMPILE_AFTER``-th (a class with many
instances builds them as fast as the dataclass did).

A record behaves as the dataclass it replaces: the same constructor
(positional or keyword arguments, defaults, ``field(default_factory=...)``),
slots in field order (``__slots__`` lists the fields), ``repr``, ``==`` and
``hash`` over the compared fields, ``dataclasses.FrozenInstanceError`` on
assignment, ``__match_args__``, pickling and copying.  It keeps the dataclass
protocol too: ``dataclasses.is_dataclass``, ``fields``, ``replace`` and
``asdict`` work on it (its ``__dataclass_fields__`` are built the first time
something asks for them).

Only what bpfdoctor's records use is supported: no ``__post_init__``, no
inheritance between records, no ``ClassVar`` or ``InitVar`` fields.  Pure
code; it imports nothing.
"""

from __future__ import annotations

__all__ = ["field", "record", "replace"]

_MISSING = object()


class _FactoryMarker:
    """The default of an argument whose field has a default_factory."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _FactoryMarker()


class _Field:
    __slots__ = ("default", "default_factory", "repr", "compare")

    def __init__(self, default, default_factory, repr, compare) -> None:  # noqa: A002 - dataclass names
        self.default, self.default_factory, self.repr, self.compare = default, default_factory, repr, compare


def field(*, default=_MISSING, default_factory=_MISSING, repr: bool = True,  # noqa: A002 - dataclass names
          compare: bool = True):
    """``dataclasses.field`` for records (the options records use)."""
    if default is not _MISSING and default_factory is not _MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return _Field(default, default_factory, repr, compare)


def record(cls=None, *, frozen: bool = True):
    """Make ``cls`` a slotted record class (frozen unless ``frozen=False``);
    use as ``@record`` or ``@record(frozen=False)``."""
    if cls is None:
        return lambda c: _build(c, frozen)
    return _build(cls, frozen)


def _build(cls, frozen: bool):
    ns = dict(cls.__dict__)
    annotations = ns.get("__annotations__", {})
    for base in cls.__mro__[1:]:
        if "__record_fields__" in base.__dict__ or "__dataclass_fields__" in base.__dict__:
            raise TypeError(f"{cls.__qualname__}: records do not inherit fields")
    if "__post_init__" in ns:
        raise TypeError(f"{cls.__qualname__}: records have no __post_init__")
    names: list[str] = []
    specs: dict[str, _Field] = {}
    seen_default = False
    for name, ann in annotations.items():
        if isinstance(ann, str) and ann.startswith(("ClassVar", "typing.ClassVar", "InitVar", "dataclasses.")):
            raise TypeError(f"{cls.__qualname__}.{name}: ClassVar and InitVar fields are not supported")
        value = ns.pop(name, _MISSING)
        spec = value if isinstance(value, _Field) else _Field(value, _MISSING, True, True)
        if spec.default.__class__ in (list, dict, set):
            raise ValueError(f"mutable default {type(spec.default)} for field {name} is not allowed: "
                             "use default_factory")
        if spec.default is not _MISSING or spec.default_factory is not _MISSING:
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {name!r} follows default argument")
        names.append(name)
        specs[name] = spec
    ns.pop("__dict__", None)
    ns.pop("__weakref__", None)
    ns["__slots__"] = tuple(names)
    ns["__match_args__"] = tuple(names)
    ns["__record_fields__"] = specs
    ns["__record_frozen__"] = frozen
    ns.setdefault("__repr__", _repr)
    ns.setdefault("__eq__", _eq)
    ns["__hash__"] = _hash if frozen else None
    if frozen:
        ns["__setattr__"] = _frozen_setattr
        ns["__delattr__"] = _frozen_delattr
    ns["__getstate__"] = _getstate
    ns["__setstate__"] = _setstate
    ns["__dataclass_fields__"] = _DataclassFields()
    ns["__signature__"] = _Signature()
    new = type(cls)(cls.__name__, cls.__bases__, ns)
    new.__init__ = _first_init(new)
    return new


def replace(obj, /, **changes):
    """``dataclasses.replace`` for a record, without importing dataclasses
    (2-3 ms at start); a dataclass goes to ``dataclasses.replace``."""
    names = getattr(type(obj), "__record_fields__", None)
    if names is None:
        import dataclasses

        return dataclasses.replace(obj, **changes)
    unknown = changes.keys() - names.keys()
    if unknown:
        raise TypeError(f"{type(obj).__qualname__}.__init__() got an unexpected keyword argument "
                        f"{sorted(unknown)[0]!r}")
    for name in names:
        if name not in changes:
            changes[name] = getattr(obj, name)
    return type(obj)(**changes)


# Instances made by the generic __init__ before a class gets its compiled one.
COMPILE_AFTER = 16


def _first_init(cls):
    """The ``__init__`` a record class starts with: it binds the arguments
    itself (a few microseconds an instance) and, at the COMPILE_AFTER-th
    instance, compiles the class's own ``__init__`` (~0.1 ms, more with many
    fields).  Most record classes see a handful of instances a run, and
    compiling theirs would cost more than it saves."""
    names = cls.__slots__
    specs = cls.__record_fields__
    frozen = cls.__record_frozen__
    count = 0

    def __init__(self, *args, **kwargs):
        nonlocal count
        count += 1
        if count >= COMPILE_AFTER and cls.__init__ is __init__:
            cls.__init__ = _init(cls, names, specs, frozen)
        set_ = object.__setattr__ if frozen else setattr
        if len(args) > len(names):
            raise TypeError(f"{cls.__qualname__}.__init__() takes {len(names) + 1} positional arguments "
                            f"but {len(args) + 1} were given")
        for n, v in zip(names, args):
            set_(self, n, v)
        for n, v in kwargs.items():
            if n not in specs:
                raise TypeError(f"{cls.__qualname__}.__init__() got an unexpected keyword argument {n!r}")
            if names.index(n) < len(args):
                raise TypeError(f"{cls.__qualname__}.__init__() got multiple values for argument {n!r}")
            set_(self, n, v)
        for n in names[len(args):]:
            if n in kwargs:
                continue
            s = specs[n]
            if s.default is not _MISSING:
                set_(self, n, s.default)
            elif s.default_factory is not _MISSING:
                set_(self, n, s.default_factory())
            else:
                raise TypeError(f"{cls.__qualname__}.__init__() missing required argument: {n!r}")

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _init(cls, names: tuple[str, ...], specs: dict[str, _Field], frozen: bool):
    """``__init__`` for these fields, compiled once (as dataclasses does)."""
    env: dict[str, object] = {"_set": object.__setattr__, "_FACTORY": _FACTORY}
    params, body = [], []
    for n in names:
        s = specs[n]
        value = n
        if s.default_factory is not _MISSING:
            env[f"_f_{n}"] = s.default_factory
            params.append(f"{n}=_FACTORY")
            value = f"_f_{n}() if {n} is _FACTORY else {n}"
        elif s.default is not _MISSING:
            env[f"_d_{n}"] = s.default
            params.append(f"{n}=_d_{n}")
        else:
            params.append(n)
        body.append(f"  _set(self, {n!r}, {value})" if frozen else f"  self.{n} = {value}")
    src = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "  pass") + "\n"
    exec(compile(src, f"<record {cls.__qualname__}>", "exec"), env)  # noqa: S102 - our own generated code
    fn = env["__init__"]
    fn.__qualname__ = f"{cls.__qualname__}.__init__"
    fn.__module__ = cls.__module__
    fn.__annotations__ = {**{n: cls.__annotations__[n] for n in names}, "return": None}
    return fn


def _key(cls):
    """The function from a record to the tuple of its compared fields, made
    when a record of ``cls`` is first compared or hashed."""
    key = cls.__dict__.get("__record_key__")
    if key is None:
        names = tuple(n for n in cls.__slots__ if cls.__record_fields__[n].compare)
        if len(names) >= 2:
            from operator import attrgetter

            key = attrgetter(*names)
        elif names:
            key = lambda self, n=names[0]: (getattr(self, n),)  # noqa: E731
        else:
            key = lambda self: ()  # noqa: E731
        cls.__record_key__ = staticmethod(key)
    return key


_repr_running: set = set()


def _repr(self) -> str:
    from _thread import get_ident

    key = (id(self), get_ident())
    if key in _repr_running:
        return "..."
    _repr_running.add(key)
    try:
        cls = self.__class__
        specs = cls.__record_fields__
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in cls.__slots__ if specs[n].repr)
        return f"{cls.__qualname__}({inner})"
    finally:
        _repr_running.discard(key)


def _eq(self, other):
    if other.__class__ is self.__class__:
        key = _key(self.__class__)
        return key(self) == key(other)
    return NotImplemented


def _hash(self) -> int:
    return hash(_key(self.__class__)(self))


def _frozen_setattr(self, name: str, value) -> None:
    from dataclasses import FrozenInstanceError

    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self, name: str) -> None:
    from dataclasses import FrozenInstanceError

    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self) -> list:
    return [getattr(self, n) for n in self.__slots__]


def _setstate(self, state) -> None:
    for n, v in zip(self.__slots__, state):
        object.__setattr__(self, n, v)


class _Signature:
    """``inspect.signature(cls)``: the compiled ``__init__``'s, also while
    the class still uses the generic one."""

    def __get__(self, obj, cls):
        import inspect

        init = _init(cls, cls.__slots__, cls.__record_fields__, cls.__record_frozen__)
        sig = inspect.signature(init)
        return sig.replace(parameters=list(sig.parameters.values())[1:])


class _DataclassFields:
    """``__dataclass_fields__`` made on first use, so that the dataclass
    functions (``fields``, ``replace``, ``asdict``) see a record as the
    dataclass it replaces."""

    def __get__(self, obj, cls):
        import dataclasses

        out: dict = {}
        for n, s in cls.__record_fields__.items():
            f = dataclasses.field(default=s.default if s.default is not _MISSING else dataclasses.MISSING,
                                  default_factory=(s.default_factory if s.default_factory is not _MISSING
                                                   else dataclasses.MISSING),
                                  repr=s.repr, compare=s.compare)
            f.name = n
            f.type = cls.__annotations__[n]
            f.kw_only = False
            f._field_type = dataclasses._FIELD  # noqa: SLF001 - what dataclasses.fields() filters on
            out[n] = f
        cls.__dataclass_fields__ = out  # made once per class
        return out
