"""``BpfObject``: what an LLVM-built BPF object holds, read without loading it.

Programs and subprograms come from the function symbols of code sections
(programs outside ``.text``, subprograms inside, as libbpf splits them), maps
from the legacy ``maps`` section (``struct bpf_map_def``) and from BTF
``.maps``; plus license, kernel version, global data and BTF.  ``findings()``
lists what libbpf 1.0+ would refuse, with the fix.
"""

from __future__ import annotations

import os
import struct
from bpfdoctor.record import field, record
from functools import cached_property

from bpfdoctor.elf.progtypes import SectionType, section_type
from bpfdoctor.elf.reader import (SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHN_UNDEF, SHT_NOBITS,
                                  STB_LOCAL, STT_FUNC, STT_OBJECT, STT_SECTION, ElfFile, Section)
from bpfdoctor.elf.relocs import ProgramReloc, program_relocations
from bpfdoctor.errors import ParseError

MAP_TYPE_NAMES = (
    "unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash", "percpu_array",
    "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash", "lpm_trie", "array_of_maps",
    "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap", "sockhash", "cgroup_storage",
    "reuseport_sockarray", "percpu_cgroup_storage", "queue", "stack", "sk_storage", "devmap_hash",
    "struct_ops", "ringbuf", "inode_storage", "task_storage", "bloom_filter", "user_ringbuf",
    "cgrp_storage", "arena",
)
PIN_NAMES = {0: "none", 1: "by_name"}


def map_type_name(t: int | None) -> str:
    if t is None:
        return "unspecified"
    return MAP_TYPE_NAMES[t] if 0 <= t < len(MAP_TYPE_NAMES) else f"type {t}"


@record
class MapSpec:
    """A map as the object defines it.  ``source`` is "legacy" (``maps``
    section) or "btf" (``.maps``); sizes and counts may be None when a BTF
    definition leaves them out (the loader then fails, as libbpf does)."""

    name: str
    type: int | None
    key_size: int | None
    value_size: int | None
    max_entries: int | None
    flags: int
    source: str
    section: str
    offset: int
    pinning: int = 0
    numa_node: int | None = None
    map_extra: int | None = None
    inner_map_idx: int | None = None
    key_type: str | None = None
    value_type: str | None = None
    inner: "MapSpec | None" = None
    problems: tuple[str, ...] = ()

    @property
    def type_name(self) -> str:
        return map_type_name(self.type)

    def to_dict(self) -> dict:
        return {
            "name": self.name, "type": self.type_name, "type_id": self.type, "key_size": self.key_size,
            "value_size": self.value_size, "max_entries": self.max_entries, "flags": self.flags,
            "pinning": PIN_NAMES.get(self.pinning, str(self.pinning)), "source": self.source,
            "section": self.section, "key_type": self.key_type, "value_type": self.value_type,
            "numa_node": self.numa_node, "map_extra": self.map_extra,
            "inner": self.inner.to_dict() if self.inner else None, "problems": list(self.problems),
        }


@record
class ProgramSpec:
    """A function in a code section.  ``offset``/``size`` are in bytes."""

    name: str
    section: str
    section_index: int
    offset: int
    size: int
    is_global: bool
    sectype: SectionType | None

    @property
    def insn_count(self) -> int:
        return self.size // 8

    @property
    def first_insn(self) -> int:
        return self.offset // 8

    @property
    def prog_type(self) -> str | None:
        return self.sectype.prog_type if self.sectype else None

    @property
    def attach_type(self) -> str | None:
        return self.sectype.attach_type if self.sectype else None

    @property
    def autoload(self) -> bool:
        """False for ``SEC("?...")``: libbpf opens the program but does not
        load it unless asked (bpf_program__set_autoload)."""
        return not self.section.startswith("?")


@record
class DataSection:
    """A global data section (``.data*``, ``.rodata*``, ``.bss*``): its size in
    bytes, whether it is writable, and the names of the variables in it."""

    name: str
    size: int
    writable: bool
    variables: tuple[str, ...]

    @property
    def kind(self) -> str:
        if self.name.startswith(".rodata"):
            return "rodata"
        if self.name.startswith(".bss"):
            return "bss"
        return "data"


@record
class Extern:
    """An undefined global symbol: a kfunc, a ``__ksym`` variable or a ``__kconfig`` value."""

    name: str
    kind: str  # "function" or "variable"
    weak: bool


class BpfObject:
    """Read-only view of one BPF ELF object."""

    def __init__(self, elf: ElfFile) -> None:
        self.elf = elf
        self.path = elf.path
        self.little_endian = elf.little_endian

    # -- basics -----------------------------------------------------------------
    def section_data(self, name: str) -> bytes | None:
        sec = self.elf.section(name)
        return None if sec is None else self.elf.section_data(sec)

    @cached_property
    def license(self) -> str | None:
        raw = self.section_data("license")
        if raw is None:
            return None
        return raw.split(b"\0", 1)[0].decode("utf-8", "replace")

    @cached_property
    def kern_version(self) -> int | None:
        raw = self.section_data("version")
        if raw is None:
            return None
        if len(raw) != 4:
            raise ParseError(self.path, f"version section is {len(raw)} bytes, expected 4", section="version")
        return struct.unpack("<I" if self.little_endian else ">I", raw)[0]

    @property
    def has_btf(self) -> bool:
        return self.elf.section(".BTF") is not None

    @property
    def has_btf_ext(self) -> bool:
        return self.elf.section(".BTF.ext") is not None

    # -- programs -----------------------------------------------------------------
    @cached_property
    def functions(self) -> list[ProgramSpec]:
        """Every function symbol in a code section, in section then address order."""
        out = []
        for sec in self.elf.sections:
            if not sec.flags & SHF_EXECINSTR or sec.type == SHT_NOBITS:
                continue
            syms = self.elf.symbols_in(sec.index)
            funcs = sorted((s for s in syms if s.type == STT_FUNC), key=lambda s: (s.value, s.name))
            starts = sorted({s.value for s in syms if s.type != STT_SECTION})
            sectype = None if sec.name == ".text" else section_type(sec.name)
            for s in funcs:
                size = s.size or self._extent(starts, s.value, sec)
                if s.value + size > sec.size or s.value % 8:
                    raise ParseError(self.path, f"function {s.name} ({s.value:#x}+{size}) lies outside "
                                     f"its section or is misaligned", section=sec.name)
                out.append(ProgramSpec(s.name, sec.name, sec.index, s.value, size, s.bind != STB_LOCAL,
                                       sectype))
        return out

    @staticmethod
    def _extent(starts: list[int], at: int, sec: Section) -> int:
        """Bytes from ``at`` to the next symbol (``starts`` is sorted) or the section end."""
        import bisect  # only for symbols without a size

        k = bisect.bisect_right(starts, at)
        return (starts[k] if k < len(starts) else sec.size) - at

    @property
    def programs(self) -> list[ProgramSpec]:
        return [f for f in self.functions if f.section != ".text"]

    @property
    def subprograms(self) -> list[ProgramSpec]:
        return [f for f in self.functions if f.section == ".text"]

    def program(self, name: str) -> ProgramSpec | None:
        """The first function of that name (a dict: callers ask once per program)."""
        return self._functions_by_name.get(name)

    @cached_property
    def _functions_by_name(self) -> dict[str, ProgramSpec]:
        out: dict[str, ProgramSpec] = {}
        for f in self.functions:
            out.setdefault(f.name, f)
        return out

    def instructions(self, prog: ProgramSpec):
        from bpfdoctor.isa.insn import decode

        sec = self.elf.sections[prog.section_index]
        data = self.elf.section_data(sec)[prog.offset:prog.offset + prog.size]
        return decode(data, self.little_endian, path=self.path, section=sec.name, base=prog.first_insn)

    def relocations(self, prog: ProgramSpec) -> list[ProgramReloc]:
        return [r for r in self.section_relocations(prog.section)
                if prog.first_insn <= r.insn < prog.first_insn + prog.insn_count]

    def section_relocations(self, section: str) -> list[ProgramReloc]:
        return self._relocs_by_section.get(section, [])

    @cached_property
    def _relocs_by_section(self) -> dict[str, list[ProgramReloc]]:
        out = {}
        for sec in self.elf.sections:
            if sec.flags & SHF_EXECINSTR:
                out[sec.name] = program_relocations(self.elf, sec)
        return out

    # -- data ---------------------------------------------------------------------
    @cached_property
    def data_sections(self) -> list[DataSection]:
        out = []
        for sec in self.elf.sections:
            if not sec.flags & SHF_ALLOC or sec.flags & SHF_EXECINSTR:
                continue
            if not sec.name.startswith((".data", ".rodata", ".bss")):
                continue
            names = tuple(s.name for s in self.elf.symbols_in(sec.index)
                          if s.type == STT_OBJECT and s.name)
            out.append(DataSection(sec.name, sec.size, bool(sec.flags & SHF_WRITE), names))
        return out

    @cached_property
    def externs(self) -> list[Extern]:
        # Undefined symbols are STT_NOTYPE; a symbol that a call relocation
        # (R_BPF_64_32) refers to is a function (a kfunc), anything else a
        # variable (__ksym or __kconfig), as libbpf tells them apart by use.
        called = {r.symbol for rels in self._relocs_by_section.values() for r in rels
                  if r.kind == "extern" and r.type == 10}
        out = []
        for s in self.elf.symbols:
            if s.shndx == SHN_UNDEF and s.bind != STB_LOCAL and s.name:
                kind = "function" if s.type == STT_FUNC or s.name in called else "variable"
                out.append(Extern(s.name, kind, s.bind == 2))
        return out

    # -- BTF ------------------------------------------------------------------------
    @cached_property
    def btf(self):
        data = self.section_data(".BTF")
        if data is None:
            return None
        from bpfdoctor.btf import parse_btf

        return parse_btf(data, path=self.path)

    @cached_property
    def btf_ext(self):
        data = self.section_data(".BTF.ext")
        if data is None or self.btf is None:
            return None
        from bpfdoctor.btf.ext import parse_btf_ext

        return parse_btf_ext(data, self.btf)

    # -- maps -----------------------------------------------------------------------
    @cached_property
    def maps(self) -> list[MapSpec]:
        from bpfdoctor.elf.maps import btf_map_specs, legacy_maps

        return legacy_maps(self) + btf_map_specs(self)

    def findings(self):
        from bpfdoctor.elf.lint import object_findings

        return object_findings(self)


def open_object(path: str | os.PathLike) -> BpfObject:
    """Open and check an object file; raises ``InputError``/``ParseError``."""
    return BpfObject(ElfFile.open(path))
