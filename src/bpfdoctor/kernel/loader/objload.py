"""Load a whole object: BTF, maps, programs; own every descriptor.

``load_object(path)`` returns a ``LoadedObject`` (a context manager): the
kernel BTF, the maps and the programs it created, and a ``ProgramResult``
per program.  Closing it releases everything; nothing stays in the kernel
unless pinned.  If preparing the object fails half way (a map the kernel
refuses, a bad extern), what was already created is closed before the error
propagates.
"""

from __future__ import annotations

from bpfdoctor.lazylog import get_logger
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing

from bpfdoctor.elf import open_object
from bpfdoctor.errors import InputError, NotFoundError, SyscallError
from bpfdoctor.kernel.loader import btfprep, mapcreate
from bpfdoctor.kernel.loader.btfext_raw import raw_ext as build_raw_ext
from bpfdoctor.kernel.loader.consts import attach_type_by_name, prog_type_by_name
from bpfdoctor.kernel.loader.env import KernelEnv
from bpfdoctor.kernel.loader.externs import Externs, resolve_externs
from bpfdoctor.kernel.loader.mapplan import plan_maps
from bpfdoctor.kernel.loader.loadone import load_one
from bpfdoctor.kernel.loader.relocate import Relocator, Targets, check_object
from bpfdoctor.kernel.loader.results import MapResult, ProgramResult
from bpfdoctor.record import record

if TYPE_CHECKING:
    from collections.abc import Sequence

log = get_logger(__name__)


class LoadedObject:
    """Kernel objects created for one BPF object file."""

    def __init__(self, obj) -> None:
        self.obj = obj
        self.path = obj.path
        self.btf = None            # kernel.btf.Btf or None
        self.btf_log = ""
        self.btf_sanitized: list[str] = []
        self.maps: dict[str, object] = {}       # name -> kernel.maps.Map
        self.map_plans: dict[str, object] = {}
        self.programs: dict[str, object] = {}   # name -> kernel.progs.Program
        self.results: list[ProgramResult] = []
        self.map_results: list[MapResult] = []
        self.notes: list[str] = []
        self.externs = Externs()
        # (plan, SyscallError) of the map the kernel refused; nothing is
        # loaded after it, as libbpf stops at bpf_object__create_maps
        self.map_failure: tuple[object, SyscallError] | None = None

    # -- lifetime ----------------------------------------------------------------
    def close(self) -> None:
        for p in self.programs.values():
            p.close()
        for m in self.maps.values():
            m.close()
        if self.btf is not None:
            self.btf.close()
        self.programs, self.maps, self.btf = {}, {}, None

    def __enter__(self) -> "LoadedObject":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def all_loaded(self) -> bool:
        return all(r.ok for r in self.results)

    def result(self, name: str) -> ProgramResult:
        return next(r for r in self.results if r.name == name)

    # -- pinning -----------------------------------------------------------------
    def pin_name(self, map_name: str) -> str:
        """The file name a map is pinned under, as libbpf and bpftool name it."""
        return _pin_name(self.map_plans[map_name])

    def pin(self, directory: str) -> None:
        """Pin every loaded program and map under ``directory`` (on bpffs)."""
        from bpfdoctor.record import replace

        from bpfdoctor.kernel.loader.pin import Pins, check_pin_dir

        pins = Pins(check_pin_dir(directory))
        try:
            paths = {name: pins.pin(p, name) for name, p in self.programs.items()}
            mpaths = {name: pins.pin(m, self.pin_name(name), "maps") for name, m in self.maps.items()}
        except BaseException:
            pins.undo()
            raise
        self.results = [replace(r, pinned=paths.get(r.name)) for r in self.results]
        self.map_results = [replace(m, pinned=mpaths.get(m.name)) for m in self.map_results]


def _pin_name(plan) -> str:
    """libbpf.c bpf_object__pin_maps: ``bpf_map__name`` (the symbol for user
    maps, ``<obj>.bss`` for data maps) with every '.' made '_'
    (sanitize_pin_path: bpffs refuses names with dots)."""
    return (plan.kernel_name if plan.is_internal else plan.name).replace(".", "_")


def _select(obj, names: Sequence[str] | None) -> tuple[list, list]:
    """(programs to load, programs left out because their section starts with
    ``?``).  Like libbpf, an object with maps and no programs is fine: its
    maps are created and reported; one with neither loads nothing, as
    bpftool prog loadall does (the CLI says so)."""
    progs = obj.programs
    if not names:
        return [p for p in progs if p.autoload], [p for p in progs if not p.autoload]
    by_name = {p.name: p for p in progs}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise NotFoundError(f"{obj.path}: no program named {missing[0]!r} "
                            f"(programs: {', '.join(by_name) or 'none'})")
    return [by_name[n] for n in names], []


def unknown_type_message(name: str) -> str:
    """'unknown program type 'xdpp' (did you mean xdp?); types: ...'."""
    import difflib

    from bpfdoctor.kernel.loader.consts import prog_type_names

    names = prog_type_names()
    near = difflib.get_close_matches(name.lower(), names, n=1)
    return (f"unknown program type {name!r}" + (f" (did you mean {near[0]}?)" if near else "")
            + f"; program types: {', '.join(names)}")


def _types(obj, progs, override: str | None) -> dict[str, tuple[int, int]]:
    out = {}
    forced = None
    if override:
        forced = prog_type_by_name(override)
        if forced is None:
            raise InputError(None, unknown_type_message(override))
    for p in progs:
        if forced is not None:
            same = p.prog_type and prog_type_by_name(p.prog_type) == forced
            out[p.name] = (int(forced), attach_type_by_name(p.attach_type) if same else 0)
            continue
        pt = prog_type_by_name(p.prog_type) if p.prog_type else None
        if pt is None:
            raise InputError(obj.path, f"program {p.name}: section {p.section!r} names no program type "
                             "libbpf knows", hint=f"pass --type TYPE (for example --type xdp)")
        out[p.name] = (int(pt), attach_type_by_name(p.attach_type))
    return out


@record
class Prepared:
    """What ``load`` makes of the object before its first ``bpf()`` call,
    none of which depends on the kernel's answers: the programs to load and
    their (type, attach type), the resolved externs, and the object's BTF
    rewritten for this kernel (``raw``, None without ``.BTF``)."""

    obj: object
    selected: list
    skipped: list
    types: dict
    externs: Externs
    raw: object
    sanitized: list


def prepare(obj, env: KernelEnv, *, programs: Sequence[str] | None = None,
            prog_type: str | None = None) -> Prepared:
    """Check ``obj`` as libbpf does, pick its programs and types, resolve its
    externs against ``env`` and build the BTF to hand to the kernel.  Pure
    computation on the file and ``env``'s facts (the fuzz target ``loader``
    runs exactly this)."""
    check_object(obj)
    selected, skipped = _select(obj, programs)
    types = _types(obj, selected, prog_type)
    externs = resolve_externs(obj, env)
    raw, sanitized = None, []
    if obj.btf is not None:
        end = max((v.offset + v.size for v in externs.kconfig), default=0)
        raw, sanitized = btfprep.prepare(obj.btf, obj.elf, env.btf_features, externs.kconfig_offsets, end)
    return Prepared(obj, selected, skipped, types, externs, raw, sanitized)


def targets(externs: Externs, plans, fd_of) -> Targets:
    """Where relocations point: each planned map's descriptor (``fd_of(plan)``)
    by the way instructions name it (legacy offset, BTF map, data section)."""
    t = Targets(externs=externs)
    for plan in plans:
        fd = fd_of(plan)
        if plan.kind == "legacy":
            t.legacy[plan.offset] = fd
        elif plan.kind == "btf":
            t.btf[plan.name] = fd
        elif plan.kind == "kconfig":
            t.kconfig_fd = fd
        else:
            t.data[plan.name] = fd
    return t


def load_object(path, *, programs: Sequence[str] | None = None, prog_type: str | None = None,
                log_level: int = 0, env: KernelEnv | None = None) -> LoadedObject:
    """Load ``path`` (or a ``BpfObject``) the way libbpf would.  Programs the
    kernel rejects are reported in ``results``, not raised; a bad object
    raises ``InputError``/``ParseError``; a map the kernel refuses raises
    ``SyscallError``."""
    obj = path if hasattr(path, "elf") else open_object(path)
    env = env or KernelEnv()
    prep = prepare(obj, env, programs=programs, prog_type=prog_type)
    lo = LoadedObject(obj)
    lo.externs = prep.externs
    lo.notes += [f"program {p.name} (section {p.section!r}) is not loaded by default (libbpf's '?' "
                 f"prefix); load it with --program {p.name}" for p in prep.skipped]
    try:
        _load_btf(lo, prep)
        _create_maps(lo, prep.raw)
        if lo.map_failure is not None:
            _not_loaded(lo, prep.selected, prep.types)
        else:
            _load_programs(lo, prep.selected, prep.types, env, log_level)
            _fill_prog_slots(lo)
    except BaseException:
        lo.close()
        raise
    return lo


def _load_btf(lo: LoadedObject, prep: Prepared) -> None:
    from bpfdoctor.errors import VerifierError
    from bpfdoctor.kernel.btf import load_btf

    if prep.raw is None:
        return
    lo.btf_sanitized = prep.sanitized
    try:
        lo.btf = load_btf(prep.raw.tobytes())
    except VerifierError as e:
        # libbpf: "Error loading .BTF into kernel ... BTF is optional, ignoring."
        lo.btf_log = e.log
        lo.notes.append(f"kernel refused the object's BTF ({e.errno_name}: {e.summary}); loading without it")
        lo.btf_sanitized = []  # nothing of it reached the kernel
    except SyscallError as e:
        lo.notes.append(f"kernel refused the object's BTF ({e.errno_name}); loading without it")
        lo.btf_sanitized = []


def _create_maps(lo: LoadedObject, raw) -> None:
    from bpfdoctor.kernel.info import map_info

    btf_fd = lo.btf.fd if lo.btf is not None else None
    plans = plan_maps(lo.obj, raw if lo.btf is not None else None, lo.externs.kconfig_data)
    created = []
    for plan in plans:
        try:
            m, notes = mapcreate.create_with_inner(plan, btf_fd, created)
        except SyscallError as e:
            # reported (with the reason) instead of raised: a map the kernel
            # refuses is the most common first-hour failure (EPERM, ENOMEM, EINVAL)
            lo.map_failure = (mapcreate.runtime_shape(plan), e)
            return
        lo.maps[plan.name] = m
        lo.map_plans[plan.name] = plan
        created.append(m)
        lo.notes += notes
        mapcreate.populate(plan, m)
        info = map_info(m)
        lo.map_results.append(MapResult(plan.name, plan.kernel_name, plan.kind, plan.map_type, info.id,
                                        info.key_size, info.value_size, info.max_entries, info.map_flags))
    for plan in plans:
        if plan.slots and plan.map_type in (12, 13):  # ARRAY_OF_MAPS, HASH_OF_MAPS
            lo.notes += mapcreate.fill_slots(plan, lo.maps[plan.name],
                                             lambda n: lo.maps[n].fd if n in lo.maps else None)


def _not_loaded(lo: LoadedObject, selected, types) -> None:
    from bpfdoctor.kernel.loader.loadone import _labels

    plan, err = lo.map_failure
    for p in selected:
        tname, aname = _labels(*types[p.name], p)
        lo.results.append(ProgramResult(p.name, p.section, tname, aname, status="error",
                                        message=f"map {plan.name!r} could not be created "
                                                f"({err.errno_name})"))


def _fill_prog_slots(lo: LoadedObject) -> None:
    for name, plan in lo.map_plans.items():
        if plan.slots and plan.map_type == 3:  # PROG_ARRAY: libbpf.c init_prog_array_slots
            lo.notes += mapcreate.fill_slots(plan, lo.maps[name],
                                             lambda n: lo.programs[n].fd if n in lo.programs else None)


def _load_programs(lo: LoadedObject, selected, types, env, log_level: int) -> None:
    obj = lo.obj
    t = targets(lo.externs, lo.map_plans.values(), lambda plan: lo.maps[plan.name].fd)
    relocated = Relocator(obj, t, lambda: env.core_candidates)

    raw_ext = None
    if lo.btf is not None and obj.btf_ext is not None:
        raw_ext = build_raw_ext(obj.btf_ext)
    for p in selected:
        ptype, atype = types[p.name]
        lo.results.append(load_one(lo, p, ptype, atype, relocated, raw_ext, env, log_level))
