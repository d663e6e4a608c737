"""The object's BTF as the kernel will accept it.

Two passes over a mutable copy of the type words, as libbpf makes them:

* **finalize** (libbpf.c ``btf_finalize_data``/``btf_fixup_datasec``): clang
  leaves DATASEC sizes and VAR offsets at 0; take them from the ELF section
  size and the variables' symbols, mark hidden globals static, sort each
  DATASEC's entries by offset.  ``.kconfig``/``.ksyms`` get the layout the
  extern resolver chose (libbpf.c ``bpf_object__collect_externs``: extern VARs
  become GLOBAL_ALLOCATED, extern FUNCs in ``.ksyms`` are replaced by a dummy
  ``int`` VAR and made GLOBAL, unnamed kfunc parameters get a name).
* **sanitize** (libbpf.c ``bpf_object__sanitize_btf``): rewrite kinds the
  running kernel lacks (VAR/DATASEC, FUNC/FUNC_PROTO, global FUNC linkage,
  FLOAT, DECL_TAG, TYPE_TAG, ENUM64) into older equivalents.

The result is raw BTF in host byte order; the parsed object BTF is not
changed (CO-RE keeps resolving against the compiler's original).
"""

from __future__ import annotations

import struct
from array import array
from bpfdoctor.record import field, record

from bpfdoctor.btf.kinds import Kind
from bpfdoctor.btf.reader import Btf
from bpfdoctor.elf.reader import STB_GLOBAL, STB_WEAK, STT_FUNC, STT_OBJECT
from bpfdoctor.errors import ParseError

BTF_MAGIC = 0xEB9F
_U32 = 0xFFFFFFFF
STV_INTERNAL, STV_HIDDEN = 1, 2
VAR_STATIC, VAR_GLOBAL_ALLOCATED, VAR_GLOBAL_EXTERN = 0, 1, 2
FUNC_STATIC, FUNC_GLOBAL = 0, 1


@record
class BtfFeatures:
    """What the kernel's BTF loader accepts (libbpf features.c ``probe_kern_btf_*``)."""

    func: bool = True
    func_global: bool = True
    datasec: bool = True
    float: bool = True
    decl_tag: bool = True
    type_tag: bool = True
    enum64: bool = True

    def missing(self) -> list[str]:
        return [f for f in self.__slots__ if not getattr(self, f)]


def _info(kind: int, vlen: int = 0, kflag: bool = False) -> int:
    return (int(kflag) << 31) | (kind << 24) | (vlen & 0xFFFF)


@record(frozen=False)
class RawBtf:
    """Mutable type words and strings; new types and strings are appended.

    Word offsets follow ``bpfdoctor.btf.kinds.EXTRA_WORDS``: a 3-word header,
    then INT/VAR/DECL_TAG 1 word, ARRAY 3, STRUCT/UNION/DATASEC/ENUM64 3 per
    entry, ENUM/FUNC_PROTO 2 per entry."""

    words: array
    strings: bytearray
    starts: list[int]
    path: str | None = None
    _str_cache: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, btf: Btf) -> "RawBtf":
        if btf.base is not None:
            raise ParseError(btf.path, "split BTF in an object is not supported", section=".BTF")
        return cls(array("I", btf.words), bytearray(btf.strings), list(btf.starts), btf.path)

    @property
    def type_count(self) -> int:
        return len(self.starts) + 1

    def at(self, tid: int) -> int:
        if not 0 < tid <= len(self.starts):  # (0 would read the last type)
            raise ParseError(self.path, f"type id {tid} names no type ({len(self.starts)} types)",
                             section=".BTF")
        return self.starts[tid - 1]

    def kind(self, tid: int) -> int:
        return (self.words[self.at(tid) + 1] >> 24) & 0x1F

    def vlen(self, tid: int) -> int:
        return self.words[self.at(tid) + 1] & 0xFFFF

    def name(self, tid: int) -> str:
        off = self.words[self.at(tid)]
        end = self.strings.find(b"\0", off)
        if end < 0:
            raise ParseError(self.path, f"type [{tid}]: name offset {off} is outside the string section",
                             section=".BTF")
        return self.strings[off:end].decode("utf-8", "replace")

    def set_info(self, tid: int, kind: int, vlen: int = 0, kflag: bool = False) -> None:
        self.words[self.at(tid) + 1] = _info(kind, vlen, kflag)

    def add_string(self, text: str) -> int:
        if text in self._str_cache:
            return self._str_cache[text]
        off = len(self.strings)
        self.strings += text.encode() + b"\0"
        self._str_cache[text] = off
        return off

    def add_type(self, words: list[int]) -> int:
        self.starts.append(len(self.words))
        self.words.extend(words)
        return len(self.starts)

    def find(self, name: str, kind: int) -> int:
        for tid in range(1, self.type_count):
            if self.kind(tid) == kind and self.name(tid) == name:
                return tid
        return 0

    def int_type(self) -> int:
        """A 32-bit INT (libbpf.c find_int_btf_id), added when the object has none."""
        for tid in range(1, self.type_count):
            w = self.at(tid)
            if self.kind(tid) == Kind.INT and self.words[w + 3] & 0xFF == 32:
                return tid
        return self.add_type([self.add_string("int"), _info(Kind.INT), 4, (1 << 24) | 32])

    def tobytes(self) -> bytes:
        types = self.words.tobytes()
        hdr = struct.pack("=HBBIIIII", BTF_MAGIC, 1, 0, 24, 0, len(types), len(types), len(self.strings))
        return hdr + types + bytes(self.strings)


# -- finalize -------------------------------------------------------------------

def _datasec_entries(raw: RawBtf, tid: int) -> list[tuple[int, int, int]]:
    w = raw.at(tid) + 3
    return [tuple(raw.words[w + 3 * i: w + 3 * i + 3]) for i in range(raw.vlen(tid))]


def _write_entries(raw: RawBtf, tid: int, entries) -> None:
    w = raw.at(tid) + 3
    for i, (t, off, size) in enumerate(entries):
        raw.words[w + 3 * i: w + 3 * i + 3] = array("I", (t, off, size))


def _var_symbols(elf) -> dict[str, object]:
    """Global/weak OBJECT symbols by name (libbpf.c find_elf_var_sym)."""
    return {s.name: s for s in elf.symbols
            if s.type == STT_OBJECT and s.bind in (STB_GLOBAL, STB_WEAK) and s.name}


def _fixup_datasec(raw: RawBtf, tid: int, elf, syms: dict) -> None:
    name = raw.name(tid)
    w = raw.at(tid)
    entries = _datasec_entries(raw, tid)
    fixup_offsets = False
    if raw.words[w + 2] == 0:
        sec = elf.section(name)
        if sec is None or not sec.size:
            raise ParseError(raw.path, f"BTF DATASEC {name!r} has no ELF section with a size "
                             "(libbpf: failed to determine size from ELF)", section=".BTF")
        raw.words[w + 2] = sec.size & _U32  # libbpf stores it in a __u32 (t->size)
        fixup_offsets = True
    out = []
    for vtype, off, size in entries:
        # libbpf.c btf_fixup_datasec: "unexpected non-VAR type found" for an id
        # that names no type as for one of another kind
        if not 0 < vtype < raw.type_count or raw.kind(vtype) != Kind.VAR:
            raise ParseError(raw.path, f"DATASEC {name!r} holds a non-VAR type [{vtype}]", section=".BTF")
        linkage_at = raw.at(vtype) + 3
        if raw.words[linkage_at] not in (VAR_STATIC, VAR_GLOBAL_EXTERN):
            var_name = raw.name(vtype)
            sym = syms.get(var_name)
            if sym is None:
                raise ParseError(raw.path, f"DATASEC {name!r}: no ELF symbol for variable {var_name!r}",
                                 section=".BTF")
            if fixup_offsets:
                # a __u32 in libbpf too (vsi->offset = sym->st_value): a value
                # past 4 GiB wraps, and the kernel's BTF check then refuses it
                off = sym.value & _U32
            if sym.visibility in (STV_HIDDEN, STV_INTERNAL):
                raw.words[linkage_at] = VAR_STATIC
        out.append((vtype, off, size))
    _write_entries(raw, tid, sorted(out, key=lambda e: e[1]))


def _fixup_kconfig(raw: RawBtf, tid: int, offsets: dict[str, int], size: int) -> None:
    out = []
    for vtype, _off, vsize in _datasec_entries(raw, tid):
        raw.words[raw.at(vtype) + 3] = VAR_GLOBAL_ALLOCATED
        out.append((vtype, offsets.get(raw.name(vtype), 0), vsize))
    raw.words[raw.at(tid) + 2] = size
    _write_entries(raw, tid, sorted(out, key=lambda e: e[1]))


def _fixup_ksyms(raw: RawBtf, tid: int) -> None:
    entries = _datasec_entries(raw, tid)
    int_id = raw.int_type()
    dummy = 0
    out = []
    for i, (vtype, _off, _size) in enumerate(entries):
        if raw.kind(vtype) == Kind.FUNC:
            if not dummy:  # libbpf.c add_dummy_ksym_var
                dummy = raw.add_type([raw.add_string("dummy_ksym"), _info(Kind.VAR), int_id,
                                      VAR_GLOBAL_ALLOCATED])
            _name_params(raw, raw.words[raw.at(vtype) + 2])
            raw.set_info(vtype, Kind.FUNC, FUNC_GLOBAL)
            vtype = dummy
        else:
            raw.words[raw.at(vtype) + 2] = int_id
            raw.words[raw.at(vtype) + 3] = VAR_GLOBAL_ALLOCATED
        out.append((vtype, 4 * i, 4))
    raw.words[raw.at(tid) + 2] = 4 * len(entries)
    _write_entries(raw, tid, out)


def _name_params(raw: RawBtf, proto: int) -> None:
    """The kernel wants named parameters; libbpf reuses the dummy var's name."""
    if not proto or raw.kind(proto) != Kind.FUNC_PROTO:
        return
    w = raw.at(proto) + 3
    for i in range(raw.vlen(proto)):
        if raw.words[w + 2 * i + 1] and not raw.words[w + 2 * i]:
            raw.words[w + 2 * i] = raw.add_string("dummy_ksym")


def _hidden_subprogs(elf) -> set[str]:
    """Global/weak functions in ``.text`` with hidden or internal visibility
    (libbpf's ``__hidden``): libbpf.c bpf_object__init_prog sets
    ``mark_btf_static`` for them."""
    text = elf.section(".text")
    if text is None:
        return set()
    return {s.name for s in elf.symbols
            if s.type == STT_FUNC and s.shndx == text.index and s.bind in (STB_GLOBAL, STB_WEAK)
            and s.visibility in (STV_HIDDEN, STV_INTERNAL) and s.name}


def _mark_hidden_funcs_static(raw: RawBtf, names: set[str]) -> None:
    """libbpf.c bpf_object__sanitize_and_load_btf: the BTF FUNC of a hidden
    subprogram becomes static, so the verifier checks it in its callers'
    context instead of on its own (a global function is verified alone, with
    only its declared argument types: USDT's ``*res = 0`` then fails)."""
    for tid in range(1, raw.type_count):
        if not names:
            return
        if raw.kind(tid) != Kind.FUNC or raw.vlen(tid) != FUNC_GLOBAL:
            continue
        name = raw.name(tid)
        if name in names:
            raw.set_info(tid, Kind.FUNC, FUNC_STATIC)
            names.discard(name)


def finalize(raw: RawBtf, elf, kconfig_offsets: dict[str, int], kconfig_size: int) -> None:
    syms = _var_symbols(elf)
    _mark_hidden_funcs_static(raw, _hidden_subprogs(elf))
    for tid in range(1, raw.type_count):
        if raw.kind(tid) != Kind.DATASEC:
            continue
        name = raw.name(tid)
        if name == ".kconfig":
            _fixup_kconfig(raw, tid, kconfig_offsets, kconfig_size)
        elif name == ".ksyms":
            _fixup_ksyms(raw, tid)
        else:
            _fixup_datasec(raw, tid, elf, syms)


# -- sanitize ---------------------------------------------------------------------

def sanitize(raw: RawBtf, feat: BtfFeatures) -> list[str]:
    """Rewrite kinds the kernel lacks; returns what was rewritten (for the report)."""
    done: dict[str, int] = {}
    enum64_placeholder = 0
    for tid in range(1, raw.type_count):
        kind, w = raw.kind(tid), raw.at(tid)
        vlen = raw.vlen(tid)
        words = raw.words
        if (not feat.datasec and kind == Kind.VAR) or (not feat.decl_tag and kind == Kind.DECL_TAG):
            # VAR/DECL_TAG -> 1-byte INT: the one extra word becomes the encoding
            raw.set_info(tid, Kind.INT)
            words[w + 2], words[w + 3] = 1, 8
        elif not feat.datasec and kind == Kind.DATASEC:
            _datasec_to_struct(raw, tid)
        elif not feat.func and kind == Kind.FUNC_PROTO:
            raw.set_info(tid, Kind.ENUM, vlen)
            words[w + 2] = 4
        elif not feat.func and kind == Kind.FUNC:
            raw.set_info(tid, Kind.TYPEDEF)
        elif not feat.func_global and kind == Kind.FUNC:
            raw.set_info(tid, Kind.FUNC, FUNC_STATIC)
        elif not feat.float and kind == Kind.FLOAT:
            words[w] = 0  # anonymous empty STRUCT of the same size
            raw.set_info(tid, Kind.STRUCT)
        elif not feat.type_tag and kind == Kind.TYPE_TAG:
            words[w] = 0
            raw.set_info(tid, Kind.CONST)
        elif not feat.enum64 and kind == Kind.ENUM:
            raw.set_info(tid, Kind.ENUM, vlen)  # clear the signedness kflag
        elif not feat.enum64 and kind == Kind.ENUM64:
            if not enum64_placeholder:
                enum64_placeholder = raw.add_type([raw.add_string("enum64_placeholder"), _info(Kind.INT),
                                                   1, 8])
                w = raw.at(tid)
            raw.set_info(tid, Kind.UNION, vlen)
            for i in range(vlen):
                words[w + 3 + 3 * i + 1] = enum64_placeholder
                words[w + 3 + 3 * i + 2] = 0
        else:
            continue
        done[Kind(kind).name] = done.get(Kind(kind).name, 0) + 1
    return [f"{n} x{c}" for n, c in done.items()]


def _datasec_to_struct(raw: RawBtf, tid: int) -> None:
    w = raw.at(tid)
    # the name must be a C identifier: '.' -> '_' (in place, same length)
    off = raw.words[w]
    end = raw.strings.index(b"\0", off)
    raw.strings[off:end] = raw.strings[off:end].replace(b".", b"_")
    raw._str_cache.clear()
    entries = _datasec_entries(raw, tid)
    raw.set_info(tid, Kind.STRUCT, len(entries))
    for i, (vtype, voff, _size) in enumerate(entries):
        # m->offset = v->offset * 8 in libbpf, a __u32 that wraps
        raw.words[w + 3 + 3 * i: w + 6 + 3 * i] = array("I", (raw.words[raw.at(vtype)], vtype, (voff * 8) & _U32))


def prepare(btf: Btf, elf, feat: BtfFeatures, kconfig_offsets: dict[str, int],
            kconfig_size: int) -> tuple[RawBtf, list[str]]:
    raw = RawBtf.of(btf)
    finalize(raw, elf, kconfig_offsets, kconfig_size)
    return raw, sanitize(raw, feat)

