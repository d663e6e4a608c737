"""``.kconfig`` and ``.ksyms`` externs: layout and values from the running kernel.

Follows libbpf.c: ``bpf_object__collect_externs`` (kinds, sizes, the order
``cmp_externs`` gives and the offsets in the ``.kconfig`` map),
``find_kcfg_type``, ``bpf_object__resolve_externs`` (CONFIG_* values,
LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER) and
``bpf_object__resolve_ksyms_btf_id`` (typed ksyms and kfuncs by vmlinux BTF
id; typeless ksyms by ``/proc/kallsyms`` address).
"""

from __future__ import annotations

import struct
from bpfdoctor.record import field, record

from bpfdoctor.btf.kinds import IntEncoding, Kind
from bpfdoctor.btf.query import align_of, resolve_size, skip_mods
from bpfdoctor.errors import InputError

TRI_NO, TRI_YES, TRI_MODULE = 0, 1, 2


@record
class KconfigVar:
    """One ``.kconfig`` extern: its kind (libbpf ``find_kcfg_type``), size and
    alignment in bytes, and ``offset`` in the ``.kconfig`` map (0 until
    ``layout_kconfig`` places it)."""

    name: str
    ctype: str  # bool, char, tristate, int, char_array
    size: int
    align: int
    signed: bool
    weak: bool
    offset: int = 0


@record
class Ksym:
    """One ``.ksyms`` extern: a kfunc (``is_func``) or a variable; ``typeless``
    when declared without a type (``extern const void sym __ksym``), which is
    resolved by kallsyms address instead of BTF id."""

    name: str
    is_func: bool
    weak: bool
    typeless: bool
    btf_id: int = 0   # in vmlinux BTF; 0 when unresolved or typeless
    addr: int = 0     # typeless: the kallsyms address

    @property
    def resolved(self) -> bool:
        return bool(self.btf_id or self.addr)


@record
class Externs:
    """An object's externs resolved for the running kernel: the ``.kconfig``
    variables with the bytes of the ``.kconfig`` map, and the ``.ksyms``."""

    kconfig: tuple[KconfigVar, ...] = ()
    kconfig_data: bytes = b""
    ksyms: tuple[Ksym, ...] = ()
    # name -> (first) variable and ksym index, made on first lookup: each
    # relocation asks, and a scan per relocation was quadratic
    by_name: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def kconfig_offsets(self) -> dict[str, int]:
        return {v.name: v.offset for v in self.kconfig}

    def _index(self) -> dict:
        if not self.by_name:
            kv, ki = {}, {}
            for v in self.kconfig:
                kv.setdefault(v.name, v)
            for i, k in enumerate(self.ksyms):
                ki.setdefault(k.name, i)
            self.by_name.update(kconfig=kv, ksym_index=ki)
        return self.by_name

    def kconfig_var(self, name: str) -> KconfigVar | None:
        return self._index()["kconfig"].get(name)

    def ksym(self, name: str) -> Ksym | None:
        i = self._index()["ksym_index"].get(name)
        return None if i is None else self.ksyms[i]

    def ksym_index(self, name: str) -> int:
        """The position of ``name`` among the ksyms (libbpf's extern index, for poisoned kfunc calls)."""
        return self._index()["ksym_index"][name]


def _datasec_vars(obj, name: str) -> list[tuple[int, str]]:
    """(type id, name) of each extern the ``name`` DATASEC lists.  libbpf finds
    an extern's BTF among the VARs and FUNCs (find_extern_btf_id), and takes
    no function under ``.kconfig``: any other entry is refused here, as the
    kernel-facing code after this reads every entry as a variable."""
    btf = obj.btf
    ids = btf.find_ids(name, Kind.DATASEC) if btf is not None else []
    if not ids:
        return []
    out = []
    for vi in btf.type(ids[0]).vars:
        kind, ename = btf.kind(vi.type), btf.name(vi.type)
        if kind == Kind.FUNC and name == ".kconfig":
            raise InputError(obj.path, f"extern function {ename!r} is unsupported under the .kconfig section")
        if kind not in (Kind.VAR, Kind.FUNC):
            raise InputError(obj.path, f"{name} section: entry [{vi.type}] {ename!r} ({kind.name}) is not "
                             "an extern variable or function", hint="the object's BTF is damaged")
        out.append((vi.type, ename))
    return out


def _kcfg_type(btf, tid: int) -> tuple[str | None, bool]:
    """libbpf.c find_kcfg_type."""
    t = btf.type(skip_mods(btf, tid))
    if t.kind == Kind.INT:
        enc = t.int_info.encoding
        if enc & IntEncoding.BOOL:
            return ("bool" if t.size == 1 else None), False
        signed = bool(enc & IntEncoding.SIGNED)
        if t.size == 1:
            return "char", signed
        return ("int" if t.size in (2, 4, 8) else None), signed
    if t.kind in (Kind.ENUM, Kind.ENUM64):
        ok = t.name == "libbpf_tristate" and (t.kind == Kind.ENUM64 or t.size == 4)
        return ("tristate" if ok else None), False
    if t.kind == Kind.ARRAY and t.array.nelems and _kcfg_type(btf, t.array.type)[0] == "char":
        return "char_array", False
    return None, False


def layout_kconfig(obj) -> tuple[KconfigVar, ...]:
    """The .kconfig externs in libbpf's order (cmp_externs: alignment descending,
    size ascending, then name) with their offsets in the map."""
    weak = {e.name: e.weak for e in obj.externs}
    out = []
    for vtype, name in _datasec_vars(obj, ".kconfig"):
        var = obj.btf.type(vtype)
        ctype, signed = _kcfg_type(obj.btf, var.type)
        if ctype is None:
            raise InputError(obj.path, f"extern (kcfg) {name!r}: type is unsupported "
                             "(use bool, char, int, enum libbpf_tristate or char[])")
        out.append(KconfigVar(name, ctype, resolve_size(obj.btf, var.type), align_of(obj.btf, var.type),
                              signed, weak.get(name, False)))
    out.sort(key=lambda v: (-v.align, v.size, v.name))
    placed, off = [], 0
    for v in out:
        off = (off + v.align - 1) // v.align * v.align
        placed.append(KconfigVar(v.name, v.ctype, v.size, v.align, v.signed, v.weak, off))
        off += v.size
    return tuple(placed)


def kconfig_size(vars_: tuple[KconfigVar, ...]) -> int:
    return max((v.offset + v.size for v in vars_), default=0)


def _virtual_value(name: str, env) -> int | None:
    if name == "LINUX_KERNEL_VERSION":
        return env.version_code
    if name == "LINUX_HAS_BPF_COOKIE":
        return int(env.has_bpf_cookie)
    if name == "LINUX_HAS_SYSCALL_WRAPPER":
        return int(env.has_syscall_wrapper)
    return None


def _encode(path, v: KconfigVar, raw: str) -> bytes:
    """libbpf.c set_kcfg_value_tri / set_kcfg_value_str / set_kcfg_value_num."""
    def bad(why: str):
        return InputError(path, f"extern (kcfg) {v.name!r}: {why}")

    if raw in ("y", "n", "m"):
        if v.ctype == "bool":
            if raw == "m":
                raise bad("value 'm' for a bool")
            return bytes([raw == "y"])
        if v.ctype == "tristate":
            return struct.pack("<I", {"y": TRI_YES, "n": TRI_NO, "m": TRI_MODULE}[raw])[: v.size].ljust(v.size, b"\0")
        if v.ctype == "char":
            return raw.encode()
        raise bad(f"value {raw!r} does not fit type {v.ctype}")
    if v.ctype == "char_array":
        data = raw.encode()[: v.size - 1]
        return data.ljust(v.size, b"\0")
    try:
        num = int(raw, 0)
    except ValueError:
        raise bad(f"value {raw!r} is not a number for type {v.ctype}") from None
    return _encode_num(v, num, bad)


def _encode_num(v: KconfigVar, num: int, bad) -> bytes:
    if v.ctype == "bool":
        if num not in (0, 1):
            raise bad(f"value {num} for a bool")
        return bytes([num])
    if v.ctype not in ("int", "char", "tristate"):
        raise bad(f"number {num} for type {v.ctype}")
    bits = v.size * 8
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if v.signed else (0, (1 << bits) - 1)
    if not lo <= num <= hi:
        raise bad(f"value {num} does not fit {v.size} bytes")
    return (num & ((1 << bits) - 1)).to_bytes(v.size, "little")


def kconfig_data(obj, vars_: tuple[KconfigVar, ...], env) -> bytes:
    buf = bytearray(kconfig_size(vars_))
    for v in vars_:
        virt = _virtual_value(v.name, env) if v.name.startswith("LINUX_") else None
        if v.name.startswith("LINUX_") and virt is None:
            raise InputError(obj.path, f"extern (kcfg) {v.name!r}: unrecognized virtual extern")
        if virt is not None:
            value = _encode_num(v, virt, lambda why: InputError(obj.path, f"extern (kcfg) {v.name!r}: {why}"))
        else:
            raw = env.config.get(v.name) if v.name.startswith("CONFIG_") else None
            if raw is None:
                if not v.weak:
                    raise InputError(obj.path, f"extern (kcfg) {v.name!r}: value not found in the kernel "
                                     "config", hint="declare it __weak to default to 0")
                continue
            value = _encode(obj.path, v, raw)
        buf[v.offset:v.offset + len(value)] = value
    return bytes(buf)


def _essential(name: str) -> str:
    """``bpf_foo___v2`` -> ``bpf_foo`` (libbpf's flavour suffix)."""
    i = name.find("___")
    return name[:i] if i > 0 else name


def resolve_ksyms(obj, env) -> tuple[Ksym, ...]:
    weak = {e.name: e.weak for e in obj.externs}
    out = []
    for tid, name in _datasec_vars(obj, ".ksyms"):
        t = obj.btf.type(tid)
        is_func = t.kind == Kind.FUNC
        typeless = not is_func and skip_mods(obj.btf, t.type) == 0
        ks = Ksym(name, is_func, weak.get(name, False), typeless)
        out.append(_resolve_one(obj, env, ks))
    return tuple(out)


def _resolve_one(obj, env, ks: Ksym) -> Ksym:
    ess = _essential(ks.name)
    if ks.typeless:
        addr = env.kallsyms.get(ess, 0)
        if not addr and not ks.weak:
            raise InputError(obj.path, f"extern (ksym) {ks.name!r}: not found in /proc/kallsyms")
        return Ksym(ks.name, False, ks.weak, True, 0, addr)
    kind = Kind.FUNC if ks.is_func else Kind.VAR
    ids = env.vmlinux.find_ids(ess, kind)
    if not ids and not ks.weak:
        what = "func ksym" if ks.is_func else "ksym"
        raise InputError(obj.path, f"extern ({what}) {ks.name!r}: not found in kernel BTF")
    return Ksym(ks.name, ks.is_func, ks.weak, False, ids[0] if ids else 0)


def resolve_externs(obj, env) -> Externs:
    if not obj.externs:
        return Externs()
    kvars = layout_kconfig(obj)
    data = kconfig_data(obj, kvars, env) if kvars else b""
    return Externs(kvars, data, resolve_ksyms(obj, env))
