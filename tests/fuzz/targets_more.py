"""Targets for the modules merged after the first campaigns (issue 13, second round).

* ``diagnostic`` (verifier logs): ``explain`` with the diagnostic rendered
  as text, one line and JSON, with and without ``--object`` (root-cause
  analysis, def-use, refinement, program context from the object);
* ``image`` (kernel images): ``compat.image`` reads raw BTF, a vmlinux ELF,
  compressed streams, a bzImage, a .deb and a BTFHub tar, then checks an
  object against what it found;
* ``compat`` (raw BTF as a target kernel): ``compat`` of a fixture object
  against the BTF (text, details, JSON, ``--emit-min-btf``); the BTF writer's
  round trip; map values pretty-printed from BTF over bytes;
* ``objrules`` (objects): the map-creation rules on every map of an object,
  ``disasm -r`` (relocations and CO-RE descriptions in the listing).
"""

from __future__ import annotations

import hashlib

from .targets import Target, _cmd, _write, invoke, scratch_path
from .seeds import BUILD, TESTS

VERIFIER_BUILD = TESTS / "bpf" / "verifier" / "build"
_OBJECTS = ("map_value_null", "unreachable_insn", "unreleased_ringbuf", "map_index_unbounded", "ctx_access")
_COMPAT_OBJECTS = ("core", "core_arrays", "load_core", "btf_kinds")


def _pick(data: bytes, paths: list[str]) -> str:
    """An object for this input, the same on every run of it."""
    return paths[hashlib.sha1(data).digest()[0] % len(paths)]


def _existing(folder, names) -> list[str]:
    return [str(folder / f"{n}.o") for n in names if (folder / f"{n}.o").is_file()]


def _object_for(data: bytes) -> str | None:
    """The fixture the log came from when it names one (its program has the
    object's name), else one picked by the input."""
    built = sorted(VERIFIER_BUILD.glob("*.o")) if VERIFIER_BUILD.is_dir() else []
    for o in built:
        if o.stem.encode() in data[:4096]:
            return str(o)
    objs = _existing(VERIFIER_BUILD, _OBJECTS) or _existing(BUILD, _COMPAT_OBJECTS)
    return _pick(data, objs) if objs else None


# -- diagnostic ---------------------------------------------------------------------

def t_verifier_diagnostic(data: bytes) -> None:
    """The diagnostic as ``explain`` renders it: one line, text, JSON; with an object."""
    p = _write(data, "verifier.log")
    cmd = _cmd("bpfdoctor.cli.explain", "explain")
    invoke(cmd, logfile=p, one_line=True)
    invoke(cmd, logfile=p, prog_type="xdp")
    obj = _object_for(data)
    if obj:
        invoke(cmd, logfile=p, obj=obj, one_line=True)
        invoke(cmd, logfile=p, obj=obj, show_log=True)
        invoke(cmd, logfile=p, obj=obj, as_json=True)


# -- kernel images --------------------------------------------------------------------

def t_compat_image(data: bytes) -> None:
    """Kernel BTF out of an image, then an object checked against it."""
    from bpfdoctor.compat import compat_report
    from bpfdoctor.compat.targets import target_from_bytes
    from bpfdoctor.elf import open_object
    from bpfdoctor.render.compat import compat_lines
    from bpfdoctor.render.output import to_jsonable

    from .contract import Capture

    target = target_from_bytes(data, "fuzz.img")
    objs = _existing(BUILD, _COMPAT_OBJECTS[:1])
    if objs:
        report = compat_report(open_object(objs[0]), [target])
        with Capture():
            compat_lines(report, True)
            to_jsonable(report.to_dict())


# -- compat, BTF writer, value formatting ----------------------------------------------

def t_compat_check(data: bytes) -> None:
    """``compat OBJ --btf FILE``: text with details, JSON, and the minimal BTF."""
    p = _write(data, "target.btf")
    objs = _existing(BUILD, _COMPAT_OBJECTS)
    if not objs:
        return
    obj = _pick(data, objs)
    cmd = _cmd("bpfdoctor.cli.compat", "compat")
    common = dict(obj=obj, btf_files=(p,), configs=(), maps=(), prog_type=None)
    invoke(cmd, releases=(), min_btf=None, details=True, as_json=False, **common)
    invoke(cmd, releases=("6.1.0",), min_btf=scratch_path("min.btf"), details=False, as_json=True, **common)


def t_btf_writer(data: bytes) -> None:
    """A parsed BTF re-encoded reads back as the same types, and re-encodes the same."""
    from bpfdoctor.btf.jsondump import dump_json
    from bpfdoctor.btf.reader import parse_btf
    from bpfdoctor.btf.writer import write_btf

    btf = parse_btf(data, path="fuzz.btf")
    out = write_btf(btf)
    again = parse_btf(out, path="written.btf")
    if dump_json(again) != dump_json(btf):
        raise AssertionError("the written BTF reads back as different types")
    if write_btf(again) != out:
        raise AssertionError("writing the written BTF again gives other bytes")
    swapped = write_btf(btf, byte_order=">" if btf.byte_order == "<" else "<")
    if dump_json(parse_btf(swapped, path="swapped.btf")) != dump_json(btf):
        raise AssertionError("the BTF written in the other byte order reads back as different types")


# The target renders values it makes itself, so its work is set by those values and
# not by the input the contract budgets it on: format_value allows STEPS_BASE +
# STEPS_PER_BYTE * len(value) nodes a value, 1,024 even for an empty one.  An input of
# 647 bytes (an array of a million ints, typedef'd 48 times) made 50 types x 3 values
# of 1,024 nodes each and two 4 KiB values of 66,000: 272,760 nodes, 2.7 s of CPU under
# coverage against a 2.06 s budget (a 2 KB input the compat campaign found: 72,893
# nodes, 2.5 s against 2.21 s).
# So the target stops at VALUE_NODES_BASE + VALUE_NODES_PER_BYTE * len(input) nodes
# (the value that crosses the line is its last): about 1 s plus 50 us an input byte
# under coverage, inside the contract's 2 s plus 100 us a byte.
VALUE_NODES_BASE = 40_000
VALUE_NODES_PER_BYTE = 2
BIG_VALUE = 1024  # the first 2 types also as a 1 KiB value: up to 17,408 nodes


def t_btf_valuefmt(data: bytes) -> None:
    """Every type (the first 50) as a map value over bytes from the input, plain and not,
    through both renderers (bpftool's JSON writer and our --json); a 1 KiB value for the
    first 2; no more nodes than the allowance above."""
    from bpfdoctor.btf.reader import parse_btf
    from bpfdoctor.btf.valuefmt import format_value, to_python
    from bpfdoctor.render.jsonw import JsonWriter
    from bpfdoctor.render.output import write_json

    from .contract import Capture

    btf = parse_btf(data, path="fuzz.btf")
    tail = data[-BIG_VALUE:] or b"\xa5"
    left = VALUE_NODES_BASE + VALUE_NODES_PER_BYTE * len(data)
    with Capture():
        for tid in range(1, min(btf.type_count, 51)):
            for size, plain in ((64, False), (7, True), (0, False), (BIG_VALUE, True))[:4 if tid <= 2 else 3]:
                if left <= 0:
                    return
                value = (tail * (size // len(tail) + 1))[:size]
                tree = format_value(btf, tid, value, plain=plain, byteorder="big" if size == 7 else "little")
                left -= tree_nodes(tree)
                if size == 64 and tid <= 8:  # (a plan costs two walks: the first few types)
                    _same_as_plan(btf, tid, value, tree)
                w = JsonWriter()
                w.value(tree)
                w.text()
                write_json(to_python(tree))


def tree_nodes(tree) -> int:
    """Nodes of a value tree: objects, lists and leaves."""
    from bpfdoctor.btf.valuefmt import Obj

    n, stack = 0, [tree]
    while stack:
        v = stack.pop()
        n += 1
        if isinstance(v, Obj):
            stack.extend(x for _, x in v.items)
        elif isinstance(v, list):
            stack.extend(v)
    return n


def _same_as_plan(btf, tid: int, value: bytes, walked) -> None:
    """The plan a map dump would use after its first values makes the walk's tree
    (the first call of a type takes the walk: ``walked`` is the walk's)."""
    from bpfdoctor.btf.valuefmt import STEPS_BASE, STEPS_PER_BYTE, compile_plan
    from tests.testlib import typed_tree

    from .contract import ContractViolation

    plan = compile_plan(btf, tid, False, "little")
    if plan is not None and plan[1] <= STEPS_BASE + STEPS_PER_BYTE * len(value):
        if typed_tree(plan[0](value, 0)) != typed_tree(walked):
            raise ContractViolation(f"type {tid}: the value plan's tree differs from the walk's")


# -- object rules -----------------------------------------------------------------------

def t_map_rules(data: bytes) -> None:
    """The map-creation rules (what ``load`` and ``compat`` say on EINVAL) for every map."""
    from bpfdoctor.elf.map_rules import MapShape, map_create_problems, map_rule_source, ringbuf_size
    from bpfdoctor.elf.object import BpfObject
    from bpfdoctor.elf.reader import ElfFile
    from bpfdoctor.render.output import to_jsonable

    obj = BpfObject(ElfFile(data, "fuzz.o"))
    for m in obj.maps:
        shape = MapShape(m.name, m.type or 0, m.key_size or 0, m.value_size or 0, m.max_entries or 0,
                         m.flags, m.map_extra or 0)
        for f in map_create_problems(shape):
            to_jsonable(f.to_dict())
        map_rule_source(m.type)
        ringbuf_size(m.max_entries or 0)


def t_disasm_relocs(data: bytes) -> None:
    p = _write(data)
    cmd = _cmd("bpfdoctor.cli.elf", "disasm")
    invoke(cmd, obj=p, syntax="llvm", with_relocs=True)
    invoke(cmd, obj=p, syntax="llvm", with_relocs=True, with_source=True, no_show_raw_insn=True)


MORE = [
    Target("verifier.diagnostic", "diagnostic", "vlog", t_verifier_diagnostic,
           (("explain", "--one-line", "{}"), ("explain", "--type", "xdp", "{}")),
           "explain's diagnostic: one line, text, JSON, with --object"),
    Target("compat.image", "image", "image", t_compat_image, (("compat", "core@", "--btf", "{}"),),
           "kernel BTF from raw BTF, vmlinux, compressed, bzImage, .deb, BTFHub tar; compat on it"),
    Target("compat.check", "compat", "btf", t_compat_check,
           (("compat", "core@", "--btf", "{}", "--details"), ("compat", "core@", "--json", "--btf", "{}")),
           "compat of a fixture object against the BTF: text, details, JSON, minimal BTF"),
    Target("btf.writer", "compat", "btf", t_btf_writer, (), "BTF writer round trip, both byte orders"),
    Target("btf.valuefmt", "compat", "btf", t_btf_valuefmt, (), "map values from BTF over bytes"),
    Target("elf.maprules", "objrules", "elf", t_map_rules, (("elf", "info", "{}"),),
           "map-creation rules on every map of the object"),
    Target("isa.relocs", "objrules", "elf", t_disasm_relocs,
           (("disasm", "-r", "{}"), ("disasm", "-r", "-S", "{}")), "disasm -r: relocations and CO-RE"),
]
