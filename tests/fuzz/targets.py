"""Fuzz targets: one per parser entry point and per CLI renderer.

A target takes the bytes of one input file and runs what the CLI runs on such
a file: the CLI command itself (its function, through ``Command.call``, with
stdout a strict UTF-8 stream), so the renderers are the ones users see.
``cli`` gives the argv the regression test replays through ``cli.main``.

Families group the targets by input kind, as issue 13 counts them: ``elf``
(ELF reader, object model, readelf/objdump views, memlock), ``isa``
(disassembler, both syntaxes, with source), ``btf`` (reader, raw/JSON/C
dumpers, BTF.ext and CO-RE resolution), ``verifier`` (log parser and
explanation), ``jit`` (kernel-log JIT parser and disassembly).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Callable

from .contract import Capture


@dataclass(frozen=True)
class Target:
    name: str
    family: str
    kind: str  # input kind: "elf", "btf", "vlog", "jitlog", "image" (picks seeds and mutators)
    fn: Callable[[bytes], None]
    cli: tuple[tuple[str, ...], ...]  # argv per replay, "{}" is the input path
    doc: str


def _scratch_dir() -> str:
    shm = "/dev/shm"
    base = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else tempfile.gettempdir()
    d = tempfile.mkdtemp(prefix="bpfdoctor-fuzz-", dir=base)
    return d


_SCRATCH: str | None = None


def scratch_path(name: str = "input") -> str:
    global _SCRATCH
    if _SCRATCH is None:
        _SCRATCH = _scratch_dir()
    return os.path.join(_SCRATCH, name)


def _write(data: bytes, name: str = "input") -> str:
    path = scratch_path(name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def _fake_root() -> str:
    """A root that is not "/" (so memlock never forks a probe) but sees the host's /proc, /sys."""
    root = scratch_path("root")
    if not os.path.isdir(root):
        os.mkdir(root)
        for d in ("proc", "sys"):
            os.symlink("/" + d, os.path.join(root, d))
    return root


def invoke(cmd, **params):
    """Run a command as ``cli.main`` would after parsing, output captured."""
    from bpfdoctor.cli import State

    with Capture() as cap:
        rv = cmd.call(State(debug=False, color=False), **params)
    return rv, cap


def _cmd(module: str, *path: str):
    import importlib

    cmd = getattr(importlib.import_module(module), path[0])
    for p in path[1:]:
        cmd = cmd.commands[p]
    return cmd


# -- ELF --------------------------------------------------------------------------

def _elf_view(sub: str) -> Callable[[bytes], None]:
    """``bpfdoctor elf SUB`` on the input, as text and as JSON."""
    def target(data: bytes) -> None:
        p = _write(data)
        cmd = _cmd("bpfdoctor.cli.elf", "elf", sub)
        invoke(cmd, obj=p, as_json=False)
        invoke(cmd, obj=p, as_json=True)

    target.__name__ = f"t_elf_{sub}"
    return target


t_elf_sections = _elf_view("sections")
t_elf_symbols = _elf_view("symbols")
t_elf_relocs = _elf_view("relocs")
t_elf_info = _elf_view("info")


def _host_read_once() -> None:
    """The host's limits do not depend on the input: read them once per process
    (reading /proc and /sys was most of an elf.memlock execution)."""
    import functools

    from bpfdoctor.doctor import memlock_report as mr

    if not hasattr(mr.read_host, "cache_info"):
        mr.read_host = functools.lru_cache(maxsize=4)(mr.read_host)
        mr.possible_cpus = functools.lru_cache(maxsize=4)(mr.possible_cpus)


def t_memlock(data: bytes) -> None:
    p = _write(data)
    cmd = _cmd("bpfdoctor.cli.check", "memlock")
    _host_read_once()
    root = _fake_root()
    invoke(cmd, obj=p, as_json=False, root=root)
    invoke(cmd, obj=p, as_json=True, root=root)


# -- ISA / disassembler -------------------------------------------------------------

def t_disasm_llvm(data: bytes) -> None:
    p = _write(data)
    cmd = _cmd("bpfdoctor.cli.elf", "disasm")
    invoke(cmd, obj=p, syntax="llvm")
    invoke(cmd, obj=p, syntax="llvm", no_show_raw_insn=True)


def t_disasm_kernel(data: bytes) -> None:
    p = _write(data)
    cmd = _cmd("bpfdoctor.cli.elf", "disasm")
    invoke(cmd, obj=p, syntax="kernel")
    invoke(cmd, obj=p, syntax="kernel", with_source=True)


def t_disasm_source(data: bytes) -> None:
    p = _write(data)
    cmd = _cmd("bpfdoctor.cli.elf", "disasm")
    invoke(cmd, obj=p, syntax="llvm", with_source=True)


# -- BTF ----------------------------------------------------------------------------

def _btf_dump(data: bytes, **params) -> None:
    p = _write(data, "btf")
    invoke(_cmd("bpfdoctor.cli.btf", "btf", "dump"), file=p, **params)


def t_btf_raw(data: bytes) -> None:
    _btf_dump(data, fmt="raw")


def t_btf_json(data: bytes) -> None:
    _btf_dump(data, fmt="raw", as_json=True)


def t_btf_c(data: bytes) -> None:
    _btf_dump(data, fmt="c")


_BASE = None


def split_base():
    """The base of ``btf.split``: a slice of vmlinux (or a small hand-made
    BTF), parsed once per process."""
    global _BASE
    if _BASE is None:
        from bpfdoctor.btf.reader import parse_btf

        from .seeds import split_base_bytes

        _BASE = parse_btf(split_base_bytes(), path="base")
    return _BASE


def t_btf_split(data: bytes) -> None:
    """Split BTF on a base (a module's BTF on vmlinux): raw, JSON and C views."""
    from bpfdoctor.btf.cdump import dump_c
    from bpfdoctor.btf.jsondump import dump_json
    from bpfdoctor.btf.rawdump import dump_raw
    from bpfdoctor.btf.reader import parse_btf
    from bpfdoctor.render.output import write_json

    btf = parse_btf(data, path="split", base=split_base())
    with Capture():
        dump_raw(btf)
        write_json(dump_json(btf))
        dump_c(btf)


def t_btf_ext(data: bytes) -> None:
    """BTF.ext of an object, its line table, and every CO-RE relocation
    resolved against the object's own BTF (as ``load`` resolves against vmlinux)."""
    from bpfdoctor.btf.core_resolve import resolve_relocation
    from bpfdoctor.elf.listing import line_table
    from bpfdoctor.elf.object import BpfObject
    from bpfdoctor.elf.reader import ElfFile
    from bpfdoctor.render.elfinfo import core_relocations
    from bpfdoctor.render.output import to_jsonable

    elf = ElfFile(data, "fuzz.o")
    obj = BpfObject(elf)
    ext = obj.btf_ext
    if ext is None:
        return
    line_table(elf)
    core_relocations(obj)
    to_jsonable(ext)
    for relos in ext.core_relos.values():
        for r in relos[:64]:
            res = resolve_relocation(obj.btf, r.type_id, r.access, int(r.kind), obj.btf)
            to_jsonable(res)


# -- verifier log -------------------------------------------------------------------

def t_verifier_explain(data: bytes) -> None:
    p = _write(data, "verifier.log")
    cmd = _cmd("bpfdoctor.cli.explain", "explain")
    invoke(cmd, logfile=p, as_json=True, show_log=True)
    invoke(cmd, logfile=p, as_json=False, show_log=True)


def t_verifier_parse(data: bytes) -> None:
    from bpfdoctor.verifier import explain_log, parse_text
    from bpfdoctor.render.output import to_jsonable

    parsed = parse_text(data.decode("utf-8", "replace"))
    to_jsonable(explain_log(parsed).to_dict())
    # the same log skimmed, with sizes scaled down to the input's
    from bpfdoctor.verifier.parser import LogParser
    from bpfdoctor.verifier.skim import skim_file

    skimmed = skim_file(_write(data, "verifier.log"), LogParser(), over=0, head=64, tail=256, chunk=128)
    if skimmed is not None:
        to_jsonable(explain_log(skimmed).to_dict())
    import io

    from bpfdoctor.verifier.skim import skim_stream

    to_jsonable(explain_log(skim_stream(io.BytesIO(data), LogParser(), over=0, head=64, tail=256,
                                        chunk=128)).to_dict())


# -- JIT kernel log -----------------------------------------------------------------

def t_jit_list(data: bytes) -> None:
    p = _write(data, "kern.log")
    cmd = _cmd("bpfdoctor.cli.jit", "jit", "list")
    invoke(cmd, file=p, as_json=False)
    invoke(cmd, file=p, as_json=True)


def t_jit_disasm(data: bytes) -> None:
    p = _write(data, "kern.log")
    cmd = _cmd("bpfdoctor.cli.jit", "jit", "disasm")
    invoke(cmd, file=p, partial=True, arch="x86_64", syntax="att", opcodes=True)
    invoke(cmd, file=p, partial=True, arch="x86_64", syntax="intel", as_json=True)
    invoke(cmd, file=p, index=0, partial=True, arch="arm64")


_ELF_CLI = ("{}",)
TARGETS: dict[str, Target] = {t.name: t for t in [
    Target("elf.sections", "elf", "elf", t_elf_sections,
           (("elf", "sections", "{}"), ("elf", "sections", "--json", "{}")), "llvm-objdump -h view"),
    Target("elf.symbols", "elf", "elf", t_elf_symbols,
           (("elf", "symbols", "{}"), ("elf", "symbols", "--json", "{}")), "llvm-readelf -s view"),
    Target("elf.relocs", "elf", "elf", t_elf_relocs,
           (("elf", "relocs", "{}"), ("elf", "relocs", "--json", "{}")), "llvm-readelf -r view"),
    Target("elf.info", "elf", "elf", t_elf_info,
           (("elf", "info", "{}"), ("elf", "info", "--json", "{}")), "object model: programs, maps, lint"),
    Target("elf.memlock", "elf", "elf", t_memlock,
           (("memlock", "--root", "@root", "{}"), ("memlock", "--json", "--root", "@root", "{}")),
           "what an object's maps need"),
    Target("isa.llvm", "isa", "elf", t_disasm_llvm,
           (("disasm", "{}"), ("disasm", "--no-show-raw-insn", "{}")), "llvm-objdump -d syntax"),
    Target("isa.kernel", "isa", "elf", t_disasm_kernel,
           (("disasm", "--syntax", "kernel", "{}"), ("disasm", "--syntax", "kernel", "-S", "{}")),
           "kernel syntax, with and without source"),
    Target("isa.source", "isa", "elf", t_disasm_source, (("disasm", "-S", "{}"),), "llvm syntax with --source"),
    Target("btf.raw", "btf", "btf", t_btf_raw, (("btf", "dump", "{}"),), "bpftool raw dump"),
    Target("btf.json", "btf", "btf", t_btf_json, (("btf", "dump", "--json", "{}"),), "bpftool -j dump"),
    Target("btf.c", "btf", "btf", t_btf_c, (("btf", "dump", "--format", "c", "{}"),), "vmlinux.h dump"),
    Target("btf.split", "btf", "btf", t_btf_split, (), "split BTF on a base: raw, JSON, C"),
    Target("btf.ext", "core", "elf", t_btf_ext, (("elf", "info", "--json", "{}"), ("disasm", "-S", "{}")),
           "BTF.ext records and CO-RE resolution"),
    Target("verifier.explain", "verifier", "vlog", t_verifier_explain,
           (("explain", "{}"), ("explain", "--json", "--log", "{}")), "explain, text and JSON"),
    Target("verifier.parse", "verifier", "vlog", t_verifier_parse, (("explain", "--json", "{}"),),
           "parser (whole and skimmed) and explanation, in process"),
    Target("jit.list", "jit", "jitlog", t_jit_list, (("jit", "list", "{}"), ("jit", "list", "--json", "{}")),
           "JIT dump listing"),
    Target("jit.disasm", "jit", "jitlog", t_jit_disasm,
           (("jit", "disasm", "--partial", "--arch", "x86_64", "-o", "{}"),
            ("jit", "disasm", "--partial", "--arch", "x86_64", "--syntax", "intel", "--json", "{}")),
           "JIT dump disassembly"),
]}

from .targets_load import LOAD  # noqa: E402 - it builds on the helpers above
from .targets_more import MORE  # noqa: E402

TARGETS.update((t.name, t) for t in MORE + LOAD)

# The smallest --max-len at which a family runs what it is for: every seed with
# CO-RE relocations is over 9 KB (the BTF they need), so at 8 KB the core family
# never resolved one (a million such executions, 2026-12-02, checked by `cover`:
# core_resolve 8%).  `run` raises a smaller --max-len to this, and the ledger
# does not count campaigns run below it.
MIN_LEN: dict[str, int] = {"core": 32 * 1024}

FAMILIES: dict[str, list[str]] = {}
for _t in TARGETS.values():
    FAMILIES.setdefault(_t.family, []).append(_t.name)


def family_fn(family: str) -> Callable[[bytes], None]:
    """All targets of a family on one input (the long campaign runs families).

    A family's targets all take the same kind of input."""
    kinds = {TARGETS[n].kind for n in FAMILIES[family]}
    assert len(kinds) == 1, (family, kinds)
    fns = [TARGETS[n].fn for n in FAMILIES[family]]

    def run(data: bytes) -> None:
        from .contract import run_one

        for fn in fns:
            run_one(fn, data, timed=False)

    return run


def warm(name: str) -> None:
    """One-time set-up outside the timed executions (the split base is parsed
    from vmlinux; the loader's kernel facts are read)."""
    names = FAMILIES.get(name, [name])
    if "btf.split" in names:
        split_base()
    if "loader.prepare" in names:
        from .targets_load import _shared

        _shared()  # vmlinux, kallsyms and the config, read once


def resolve(name: str) -> tuple[str, str, Callable[[bytes], None]]:
    """(kind, label, fn) for a target or a family name."""
    if name in TARGETS:
        t = TARGETS[name]
        return t.kind, t.name, t.fn
    if name in FAMILIES:
        return TARGETS[FAMILIES[name][0]].kind, name, family_fn(name)
    raise KeyError(name)
