"""Judge one program's needs against one target kernel.

Every answer that the target's BTF can give comes from it: program, attach
and map types from its ``enum bpf_prog_type``/``bpf_attach_type``/
``bpf_map_type``, helpers from ``enum bpf_func_id``, kfuncs and attach
functions as BTF FUNCs, tracepoints as ``btf_trace_*`` typedefs, CO-RE with
libbpf's own rules (``bpfdoctor.btf.core_resolve``).  Release-based answers
(ISA level, features, BTF kinds) use the target's release, or the lowest
release its BTF proves (``release_floor``) when the release is unknown.
"""

from __future__ import annotations

from dataclasses import replace

from bpfdoctor.btf.core import types_are_compat
from bpfdoctor.btf.core_resolve import resolve_relocation
from bpfdoctor.btf.core_spec import CoreReloKind
from bpfdoctor.btf.kinds import Kind
from bpfdoctor.compat import features as F
from bpfdoctor.compat.collect import ObjectNeeds, ProgramNeeds, map_type_enum_name
from bpfdoctor.compat.model import FAIL, INFO, OK, UNKNOWN, WARN, Cell, Requirement
from bpfdoctor.compat.reach import reachable
from bpfdoctor.compat.targets import Target
from bpfdoctor.elf.map_rules import map_create_problems, map_rule_source, ringbuf_size
from bpfdoctor.errors import ParseError
from bpfdoctor.isa.helpers import HELPER_NAMES

POISON = 0xBAD2310
_PERF_EVENT_ARRAY, _RINGBUF, _USER_RINGBUF = 4, 27, 31
# Map types created without max_entries: libbpf sizes perf event arrays by the
# CPUs; local storages have none (include/uapi/linux/bpf.h, libbpf.c
# bpf_object__create_map / map_is_*_storage); struct_ops takes 1.
_NO_MAX_ENTRIES = frozenset({4, 24, 26, 28, 29, 32})  # perf_event_array, sk/inode/task/cgrp storage, struct_ops

# Enumerators whose presence proves a minimum release (first release with it),
# for targets whose release is unknown (a bare BTF file).
_FLOOR = (
    ("bpf_map_type", "BPF_MAP_TYPE_ARENA", (6, 9)),
    ("bpf_attach_type", "BPF_NETKIT_PRIMARY", (6, 7)),
    ("bpf_attach_type", "BPF_TCX_INGRESS", (6, 6)),
    ("bpf_prog_type", "BPF_PROG_TYPE_NETFILTER", (6, 4)),
    ("bpf_map_type", "BPF_MAP_TYPE_CGRP_STORAGE", (6, 2)),
    ("bpf_map_type", "BPF_MAP_TYPE_USER_RINGBUF", (6, 1)),
    ("bpf_func_id", "BPF_FUNC_ktime_get_tai_ns", (6, 1)),
    ("bpf_func_id", "BPF_FUNC_loop", (5, 17)),
    ("bpf_map_type", "BPF_MAP_TYPE_BLOOM_FILTER", (5, 16)),
    ("bpf_map_type", "BPF_MAP_TYPE_TASK_STORAGE", (5, 11)),
    ("bpf_map_type", "BPF_MAP_TYPE_RINGBUF", (5, 8)),
    ("bpf_prog_type", "BPF_PROG_TYPE_LSM", (5, 7)),
    ("bpf_map_type", "BPF_MAP_TYPE_STRUCT_OPS", (5, 6)),
    ("bpf_prog_type", "BPF_PROG_TYPE_TRACING", (5, 5)),
)


def release_floor(t: Target) -> tuple[tuple[int, int] | None, str]:
    """(release, how we know) for ``t``: its own, or the lowest its BTF proves."""
    v = t.version
    if v is not None:
        return (v[0], v[1]), f"release {t.release}"
    for enum, name, rel in _FLOOR:
        if name in t.enum(enum):
            return rel, f"release unknown, at least {F.fmt_release(rel)} ({name} in its BTF)"
    return None, "release unknown"


class Checker:
    """Evaluates an object's programs against one target (caches per target)."""

    def __init__(self, needs: ObjectNeeds, local_btf, target: Target) -> None:
        self.needs = needs
        self.local = local_btf
        self.t = target
        self.floor, self.floor_why = release_floor(target)
        self._cands: dict[tuple[str, int], list[int]] = {}
        self._core: dict[tuple, object] = {}
        self._kfunc_cache: dict[str, tuple[bool, str]] = {}
        # object-wide facts each program's check reads: made once, not once
        # per program (8,000 programs took 8 s rebuilding the kfunc set)
        self._all_kfuncs: set[str] | None = None
        self._helper_names: dict[int, str] | None = None

    # -- the cell ---------------------------------------------------------------------
    def cell(self, p: ProgramNeeds) -> Cell:
        cell = Cell(p.name, self.t.name)
        reqs = cell.requirements
        consts, poisoned, core_reqs = self._core_requirements(p)
        kf_reqs, kf_poison = self._kfuncs(p)
        poisoned |= kf_poison
        live = self._reachable(p, consts) if poisoned or p.helpers else None
        if self.needs.little_endian != self.t.btf.little_endian:
            mine, theirs = ("little", "big") if self.needs.little_endian else ("big", "little")
            clang_target = "bpfel" if theirs == "little" else "bpfeb"
            reqs.append(Requirement("byte_order", "object", FAIL,
                                    f"the object is {mine}-endian; this kernel runs {theirs}-endian "
                                    f"programs (rebuild with clang -target {clang_target})"))
        reqs += self._prog_type(p)
        reqs += self._attach(p)
        reqs += self._maps()
        reqs += [self._dead_or(r, live) for r in core_reqs]
        reqs += self._helpers(p, live)
        reqs += [self._dead_or(r, live) for r in kf_reqs]
        reqs += self._ksyms()
        reqs += self._release_checks(p)
        reqs += self._config(p)
        return cell

    # -- reachability -------------------------------------------------------------------
    def _reachable(self, p: ProgramNeeds, consts) -> set[tuple[str, int]]:
        live = set()
        for f in p.functions:
            code = [c for c in p.code[f.section] if f.first_insn <= c[0] < f.first_insn + f.insn_count]
            sec_consts = {slot: v for (sec, slot), v in consts.items() if sec == f.section}
            live |= {(f.section, s) for s in reachable(code, sec_consts, [f.first_insn])}
        return live

    @staticmethod
    def _dead_or(r: Requirement, live) -> Requirement:
        """A failing site the verifier never reaches on this target is fine."""
        if r.status != FAIL or r.insn is None or live is None or r.insn in live:
            return Requirement(r.kind, r.subject, r.status, r.evidence, r.insn[1] if r.insn else None)
        return Requirement(r.kind, r.subject, OK, r.evidence + "; unreachable here (guarded), so the "
                           "verifier never sees it", r.insn[1])

    # -- CO-RE --------------------------------------------------------------------------
    def _candidates(self, type_id: int) -> list[int]:
        key = (self.local.name(type_id), int(self.local.kind(type_id)))
        got = self._cands.get(key)
        if got is None:
            # libbpf.c bpf_core_add_cands over the target's name index; the
            # same filter as btf.core.find_candidates, without a string scan.
            from bpfdoctor.btf.core import _kind_compat
            from bpfdoctor.btf.core_spec import essential_name

            ess = essential_name(key[0])
            got = [tid for tid in self.t.essential_ids(ess) if ess and _kind_compat(self.t.btf.kind(tid), key[1])]
            self._cands[key] = got
        return got

    def _core_requirements(self, p: ProgramNeeds):
        consts: dict[tuple[str, int], int] = {}
        poisoned: set = set()
        reqs = []
        codes = {(sec, c[0]): c[1] for sec, insns in p.code.items() for c in insns}
        for site, rel in p.core:
            key = (rel.type_id, rel.access, int(rel.kind))
            res = self._core.get(key)
            if res is None:
                try:
                    cands = None if rel.kind == CoreReloKind.TYPE_ID_LOCAL else self._candidates(rel.type_id)
                    res = resolve_relocation(self.local, rel.type_id, rel.access, rel.kind, self.t.btf,
                                             candidates=cands)
                except ParseError as e:
                    res = e
                self._core[key] = res
            at = (site.section, site.slot)
            if isinstance(res, ParseError):
                reqs.append(Requirement("core", f"relocation at insn {site.slot}", FAIL, res.problem, at))
                continue
            path = _access_path(res.local_spec)
            kind = CoreReloKind(rel.kind).libbpf_name
            if res.error:
                reqs.append(Requirement("core", f"{kind} {path}", FAIL, f"libbpf refuses: {res.error}", at))
            # A width change matters only to a load or store (relo_core.c
            # bpf_core_patch_insn checks fail_memsz_adjust for LDX/ST/STX only).
            elif res.poison or (not res.resize_ok and res.size != res.local_size
                                and codes.get(at, 0) & 7 in (1, 2, 3)):
                poisoned.add(at)
                why = (f"field size changes {res.local_size} -> {res.size} bytes and is not an unsigned int"
                       if not res.poison else self._missing(rel, res))
                reqs.append(Requirement("core", f"{kind} {path}", FAIL, f"libbpf poisons it: {why}", at))
            else:
                consts[at] = res.value
                ev = _core_evidence(kind, res)
                reqs.append(Requirement("core", f"{kind} {path}", OK, ev, at))
        return consts, poisoned, reqs

    def _missing(self, rel, res) -> str:
        """Why no candidate matched: the first step of the access path the
        target lacks or types differently."""
        from bpfdoctor.btf.core_spec import essential_name, parse_spec
        from bpfdoctor.btf.query import skip_mods

        lb, tb = self.local, self.t.btf
        root = lb.name(rel.type_id)
        cands = self._candidates(rel.type_id) if rel.kind != CoreReloKind.TYPE_ID_LOCAL else []
        kind_word = lb.kind(rel.type_id).name.lower()
        if not cands:
            return f"the target has no {kind_word} {essential_name(root)}"
        spec = parse_spec(lb, rel.type_id, rel.access, rel.kind)
        if spec.kind.is_enumval_based:
            return f"the target's enum {essential_name(root)} has no {essential_name(spec.accessors[0].name)}"
        if not spec.kind.is_field_based:
            return f"the target's {kind_word} {essential_name(root)} does not match the object's"
        tid = cands[0]
        path = essential_name(root)
        for acc in spec.accessors[1:]:
            tid = skip_mods(tb, tid)
            tt = tb.type(tid) if tid else None
            if tt is None:
                return f"{path} is void in the target"
            if acc.name is not None and tt.kind not in (Kind.STRUCT, Kind.UNION):
                return f"{path} is a {tt.kind.name.lower()} in the target, a struct or union in the object"
            path += f".{acc.name}" if acc.name else f"[{acc.idx}]"
            if acc.name is None:
                if tt.kind != Kind.ARRAY:
                    return f"the target has no array where the object indexes [{acc.idx}]"
                if tt.array.nelems and acc.idx >= tt.array.nelems:
                    return f"index [{acc.idx}] is past the target's {tt.array.nelems} elements"
                tid = tt.array.type
                continue
            m = _find_member(tb, tid, acc.name)
            if m is None:
                names = ", ".join(x.name for x in (tt.members or ())[:8] if x.name)
                return f"the target's {tt.kind.name.lower()} {tt.name or '<anon>'} has no member {acc.name}" + \
                    (f" (it has {names}{', ...' if tt.vlen > 8 else ''})" if names else "")
            lm = lb.type(acc.type_id).members[acc.idx]
            lk, tk = lb.kind(skip_mods(lb, lm.type)), tb.kind(skip_mods(tb, m.type))
            if lk != tk and not {lk, tk} <= {Kind.STRUCT, Kind.UNION}:
                return f"{acc.name} is {tk.name.lower()} in the target, {lk.name.lower()} in the object"
            tid = m.type
        return "no candidate matches the whole access path"

    # -- types, maps, attach ---------------------------------------------------------
    def _enum_has(self, enum: str, value: int | None, name: str) -> Requirement | None:
        vals = self.t.enum(enum)
        if not vals:
            return None
        if name in vals or (value is not None and value in vals.values()):
            return None
        last = max(vals.items(), key=lambda kv: kv[1] if not kv[0].startswith("__") else -1)[0]
        return Requirement("", name, FAIL, f"the target's enum {enum} has no {name} (its last is {last})")

    def _prog_type(self, p: ProgramNeeds) -> list[Requirement]:
        if p.prog_type is None:
            return [Requirement("prog_type", p.section, FAIL, "libbpf knows no program type for this section")]
        out = []
        for enum, name in (("bpf_prog_type", "BPF_PROG_TYPE_" + p.prog_type),
                           ("bpf_attach_type", "BPF_" + p.attach_type if p.attach_type else None)):
            if name is None:
                continue
            r = self._enum_has(enum, None, name)
            kind = "prog_type" if enum == "bpf_prog_type" else "attach_type"
            out.append(Requirement(kind, name, FAIL, r.evidence) if r else
                       Requirement(kind, name, OK, f"in the target's enum {enum}"))
        return out

    def _maps(self) -> list[Requirement]:
        out = []
        for name, mtype in self.needs.maps:
            en = map_type_enum_name(mtype)
            r = self._enum_has("bpf_map_type", mtype, en)
            out.append(Requirement("map_type", f"{name} ({en})", FAIL, r.evidence) if r else
                       Requirement("map_type", f"{name} ({en})", OK, "in the target's enum bpf_map_type"))
            size = self.needs.map_sizes.get(name)
            if not size and mtype not in _NO_MAX_ENTRIES:
                out.append(Requirement("map_size", name, FAIL, "max_entries is not set: libbpf refuses the "
                                       "map unless user space sets it first (bpf_map__set_max_entries)"))
            elif not r:
                out += self._map_create(name, mtype, size)
        return out

    def _map_create(self, name: str, mtype: int | None, size: int | None) -> list[Requirement]:
        """The attribute rules of the map type's map_alloc_check (elf/map_rules.py),
        on the attributes libbpf passes: a perf event array gets the CPU count,
        a ring buffer a power-of-2 number of pages (libbpf.c adjust_ringbuf_sz)."""
        shape = self.needs.map_shapes.get(name)
        if shape is None:
            return []
        if mtype == _PERF_EVENT_ARRAY and not size:
            size = 1  # any CPU count passes
        elif mtype in (_RINGBUF, _USER_RINGBUF) and size:
            size = ringbuf_size(size)
        problems = map_create_problems(replace(shape, max_entries=size or 0))
        out = []
        for f in problems:
            field = str(f.evidence["field"])
            problem = f.summary.split(": ", 1)[1].removeprefix(field + " ")
            out.append(Requirement("map_create", f"{name} {field}", FAIL, f"{problem}: the kernel refuses "
                                   f"the map ({map_rule_source(mtype)}); use {f.fix}"))
        return out

    def _attach(self, p: ProgramNeeds) -> list[Requirement]:
        from bpfdoctor.compat.attach import attach_requirements

        return attach_requirements(p, self.t)

    # -- helpers, kfuncs, ksyms ---------------------------------------------------------
    def _helpers(self, p: ProgramNeeds, live) -> list[Requirement]:
        vals = self.t.enum("bpf_func_id")
        by_value = self._helper_names
        if by_value is None:
            by_value = self._helper_names = {v: n for n, v in vals.items() if not n.startswith("__")}
        out, seen = [], set()
        for site, hid in p.helpers:
            if hid in seen and hid in by_value:
                continue
            seen.add(hid)
            name = HELPER_NAMES.get(hid, f"helper #{hid}")
            if not vals:
                out.append(Requirement("helper", name, UNKNOWN, "the target's BTF has no enum bpf_func_id"))
            elif hid in by_value:
                out.append(Requirement("helper", name, OK, f"{by_value[hid]} = {hid}"))
            else:
                last = max(by_value)
                r = Requirement("helper", name, FAIL,
                                f"the target's enum bpf_func_id ends at {by_value[last]} = {last}",
                                (site.section, site.slot))
                out.append(self._dead_or(r, live))
        return out

    def _kfunc_state(self, name: str) -> tuple[bool, str]:
        """(resolved, evidence) as libbpf.c bpf_object__resolve_ksym_func_btf_id decides."""
        got = self._kfunc_cache.get(name)
        if got is None:
            ids = self.t.ids(name, Kind.FUNC)
            lid = self.needs.kfunc_protos.get(name)
            if not ids:
                got = (False, "not in the target's BTF")
            elif lid and not types_are_compat(self.local, self.local.type(lid).type, self.t.btf,
                                              self.t.btf.type(ids[0]).type):
                got = (False, f"the target's prototype [{self.t.btf.type(ids[0]).type}] is incompatible "
                              "with the declared one")
            else:
                got = (True, f"FUNC [{ids[0]}] with a compatible prototype")
            self._kfunc_cache[name] = got
        return got

    def _kfuncs(self, p: ProgramNeeds):
        """A weak kfunc libbpf cannot resolve has its calls poisoned (fine if
        unreachable); a non-weak one fails the whole object's load, so it
        counts against every program (libbpf resolves all externs first)."""
        reqs, poisoned = [], set()
        own = {}
        for site, name in p.kfuncs:
            own.setdefault(name, (site.section, site.slot))
        every = self._all_kfuncs
        if every is None:
            every = self._all_kfuncs = {name for q in self.needs.programs for _, name in q.kfuncs}
        for name in sorted(every, key=lambda n: (n not in own, n)):
            ok, why = self._kfunc_state(name)
            weak = name in self.needs.weak_externs
            if name not in own:
                if not ok and not weak:
                    reqs.append(Requirement("kfunc", name, FAIL, f"{why}; another program calls it, and "
                                            "libbpf refuses the whole object"))
                continue
            if ok:
                reqs.append(Requirement("kfunc", name, OK, why))
            elif weak:
                poisoned.add(own[name])
                reqs.append(Requirement("kfunc", name, FAIL, f"{why}; the weak extern's call is poisoned",
                                        own[name]))
            else:
                reqs.append(Requirement("kfunc", name, FAIL, f"{why} (libbpf: extern (func ksym) "
                                        "cannot be resolved, the object does not load)"))
        return reqs, poisoned

    def _ksyms(self) -> list[Requirement]:
        out = []
        for name, weak, vid in self.needs.ksym_vars:
            if vid:  # typed: a VAR in the target BTF
                ok = bool(self.t.ids(name, Kind.VAR))
                st = OK if ok or weak else FAIL
                out.append(Requirement("ksym", name, st, "VAR in the target's BTF" if ok else
                                       "no VAR of that name in the target's BTF" + (" (weak: left 0)" if weak else "")))
            elif self.t.symbols is not None:
                ok = name in self.t.symbols
                out.append(Requirement("ksym", name, OK if ok or weak else FAIL,
                                       "in kallsyms" if ok else "not in the target's symbols"))
            else:
                out.append(Requirement("ksym", name, UNKNOWN, "typeless ksym: needs the target's "
                                       "kallsyms/System.map to check"))
        return out

    # -- release-based ----------------------------------------------------------------
    def _needs_release(self, kind: str, subject: str, need: tuple[int, int], what: str) -> Requirement:
        if self.floor is None:
            return Requirement(kind, subject, UNKNOWN, f"{what} needs {F.fmt_release(need)}; {self.floor_why}")
        if self.floor >= need or self.t.version is None and self.floor >= need:
            return Requirement(kind, subject, OK, f"{what} needs {F.fmt_release(need)}; {self.floor_why}")
        if self.t.version is None:
            return Requirement(kind, subject, UNKNOWN, f"{what} needs {F.fmt_release(need)}; {self.floor_why}")
        return Requirement(kind, subject, FAIL, f"{what} needs {F.fmt_release(need)}; target is {self.t.release}")

    def _release_checks(self, p: ProgramNeeds) -> list[Requirement]:
        out = []
        if p.isa != "v1":
            need, what = F.ISA[p.isa]
            out.append(self._needs_release("isa", f"-mcpu={p.isa}", need, what))
        feats = set(p.features) | ({"global_data"} if self.needs.global_data else set())
        for feat in sorted(feats):
            need, what = F.FEATURES[feat]
            out.append(self._needs_release("feature", feat, need, what))
        for kind in sorted(self.needs.btf_kinds):
            need = F.BTF_KINDS.get(kind)
            if need is None:
                continue
            r = self._needs_release("btf_kind", kind, need, f"BTF_KIND_{kind}")
            if r.status == FAIL:  # libbpf sanitises it away: not fatal
                r = Requirement("btf_kind", kind, INFO, r.evidence + "; libbpf sanitises it for the load")
            out.append(r)
        return out

    def _config(self, p: ProgramNeeds) -> list[Requirement]:
        cfg = self.t.config
        if cfg is None:
            return []
        opts = list(F.PROG_CONFIG.get(p.prog_type or "", ()))
        sec = p.section.lstrip("?")
        if sec.startswith(("uprobe", "uretprobe", "usdt")):
            opts = list(F.UPROBE_CONFIG)
        if sec.startswith("tracepoint/syscalls/") or sec.startswith("tp/syscalls/"):
            opts += F.SYSCALL_TP_CONFIG
        out = []
        for o in opts:
            v = cfg.get(o)
            # The program still loads (its type lives in the BPF core); it
            # cannot be attached: a warning, not a load failure.
            out.append(Requirement("config", f"CONFIG_{o}", OK if v in ("y", "m") else WARN,
                                   f"CONFIG_{o}={v}" if v else
                                   f"CONFIG_{o} is not set", stage="attach"))
        if any(vid for _, _, vid in self.needs.ksym_vars) and "KALLSYMS_ALL" not in cfg:
            # kernel/bpf/verifier.c check_pseudo_btf_id finds a typed ksym's
            # address with kallsyms_lookup_name: data symbols need KALLSYMS_ALL.
            names = ", ".join(n for n, _, vid in self.needs.ksym_vars if vid)
            out.append(Requirement("config", "CONFIG_KALLSYMS_ALL", FAIL,
                                   f"not set: the kernel cannot find typed __ksym variables ({names}) "
                                   "and refuses the load with ENOENT"))
        if p.prog_type == "LSM":
            lsm = cfg.get("LSM", "")
            if "bpf" not in lsm.split(","):
                out.append(Requirement("config", "CONFIG_LSM", WARN, f"CONFIG_LSM=\"{lsm}\" lacks bpf "
                                       "(boot with lsm=...,bpf to enable)", stage="attach"))
        for name, weak in self.needs.kconfig:
            if not name.startswith("CONFIG_"):
                continue
            have = name[7:] in cfg
            out.append(Requirement("kconfig", name, OK if have or weak else FAIL,
                                   "set in the target's config" if have else
                                   ("not set (weak extern: libbpf uses 0)" if weak else
                                    "not set: libbpf refuses a non-weak __kconfig extern it cannot resolve")))
        return out


def _find_member(btf, tid: int, name: str, depth: int = 0, _missing: set | None = None):
    """A member by name, through anonymous members (relo_core.c bpf_core_match_member);
    an anonymous type searched in vain is not searched again at the same depth."""
    from bpfdoctor.btf.query import skip_mods

    if _missing is None:
        _missing = set()
    t = btf.type(skip_mods(btf, tid))
    if t.kind not in (Kind.STRUCT, Kind.UNION) or depth > 32:
        return None
    for m in t.members:
        if m.name == name:
            return m
        if not m.name and (m.type, depth + 1) not in _missing:
            found = _find_member(btf, m.type, name, depth + 1, _missing)
            if found is not None:
                return found
            _missing.add((m.type, depth + 1))
    return None


def _access_path(spec: str) -> str:
    """'<byte_off> [7] struct task_struct.pid (0:1 @ offset 4)' -> 'struct task_struct.pid'."""
    body = spec.split("] ", 1)[1] if "] " in spec else spec
    return body.split(" (", 1)[0]


def _core_evidence(kind: str, res) -> str:
    if res.target_spec is None:
        return f"absent in the target, answers {res.value}"
    tgt = res.target_spec
    if kind in ("byte_off", "byte_sz", "signed", "lshift_u64", "rshift_u64", "enumval_value", "type_size"):
        changed = "" if res.value == res.local_value else f" (object has {res.local_value})"
        return f"{res.value}{changed}: {_access_path(tgt)}"
    return f"{res.value}: {_access_path(tgt)}"


def check_object(needs: ObjectNeeds, local_btf, targets: list[Target]):
    """The report: every program of ``needs`` on every target."""
    from bpfdoctor.compat.model import CompatReport, TargetInfo

    cells = {}
    for t in targets:
        ch = Checker(needs, local_btf, t)
        for p in needs.programs:
            cells[(p.name, t.name)] = ch.cell(p)
    infos = [TargetInfo(t.name, t.release, t.source, t.config is not None, t.symbols is not None,
                        t.btf.type_count - 1) for t in targets]
    progs = [(p.name, p.section, p.prog_type) for p in needs.programs]
    return CompatReport(needs.path, progs, infos, cells)

