"""Every CO-RE relocation of the CO-RE fixtures, resolved by bpfdoctor,
against what libbpf logs while loading the same object (``bpftool -d prog
loadall``): the local spec, the matched target spec and the patched value or
the poison, relocation by relocation.  Covers array elements
(``ethhdr.h_dest[5]``, ``trace_event_raw_sys_enter.args[1]``), arrays of
structs with arrays, flexible arrays, a 2-D local array the kernel lacks,
anonymous members on either side and bitfields (tests/bpf/core_arrays.c)."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from testlib import bpftool_loadall

from bpfdoctor.btf.core_resolve import resolve_relocation
from bpfdoctor.btf.ext import parse_btf_ext
from bpfdoctor.cli.btf import load_file
from bpfdoctor.elf import open_object

from .helpers import need_bpftool

_LOCAL = re.compile(r"prog '([^']+)': relo #(\d+): (<.*)$")
_MATCH = re.compile(r"prog '([^']+)': relo #(\d+): matching candidate #\d+ (<.*)$")
_PATCH = re.compile(r"prog '([^']+)': relo #(\d+): patched insn #(\d+) \(.*\) (?:imm64|imm|off) (-?\d+) -> (-?\d+)")
_POISON = re.compile(r"prog '([^']+)': relo #(\d+): substituting insn #(\d+)")


def _libbpf_log(obj, tag: str) -> str:
    need_bpftool()
    if os.geteuid() != 0 or not os.path.isdir("/sys/fs/bpf"):
        pytest.skip("needs root and bpffs to let libbpf load the object")
    pin = f"/sys/fs/bpf/h14_core_{tag}_{os.getpid()}"
    try:
        r = bpftool_loadall(obj, pin, debug=True)
    finally:
        subprocess.run(["rm", "-rf", pin])
    if "CO-RE relocat" not in r.stderr:
        pytest.skip(f"libbpf did not get to CO-RE relocation: {r.stderr[-300:]}")
    return r.stderr


def _parse(log: str, section_of: dict[str, str]) -> dict[tuple[str, int], dict]:
    """(section, relo index) -> what libbpf logged; libbpf numbers the
    relocations per section and names the program holding the instruction."""
    out: dict[tuple[str, int], dict] = {}
    for line in log.splitlines():
        for key, rx in (("match", _MATCH), ("patch", _PATCH), ("poison", _POISON), ("local", _LOCAL)):
            m = rx.search(line)
            if m:
                d = out.setdefault((section_of[m.group(1)], int(m.group(2))), {})
                if key == "patch":
                    d["patch"] = (int(m.group(3)), int(m.group(5)))
                elif key == "poison":
                    d["poison"] = int(m.group(3))
                else:
                    d.setdefault(key, m.group(3))
                break
    return out


@pytest.mark.kernel
@pytest.mark.tools
@pytest.mark.parametrize("name", ["core_arrays", "core", "load_core", "btf_kinds"])
def test_every_relocation_matches_libbpf(vmlinux, bpf_objects, name):
    obj = bpf_objects.get(f"{name}.o")
    if obj is None:
        pytest.skip(f"{name}.o is not built")
    progs = open_object(obj).programs
    sections = {p.name: p.section for p in progs}

    def prog_insn(sec: str, insn: int) -> int:
        # libbpf logs instruction numbers relative to the program.
        starts = [p.offset // 8 for p in progs if p.section == sec and p.offset // 8 <= insn]
        return insn - max(starts)

    ref = _parse(_libbpf_log(obj, name), sections)
    local, ext = load_file(str(obj))
    relos = parse_btf_ext(ext, local).core_relos
    seen = 0
    for sec in sorted(set(sections.values())):
        for i, rel in enumerate(relos.get(sec, ())):
            want = ref.get((sec, i))
            assert want is not None, f"libbpf logged nothing for {sec} relo #{i}"
            res = resolve_relocation(local, rel.type_id, rel.access, rel.kind, vmlinux)
            assert res.local_spec == want["local"], (sec, i)
            assert res.target_spec == want.get("match"), (sec, i, res)
            if "patch" in want:
                insn, value = want["patch"]
                assert (prog_insn(sec, rel.insn), res.value, res.poison) == (insn, value, False), (sec, i, res)
            else:
                assert res.poison and want.get("poison") == prog_insn(sec, rel.insn), (sec, i, res)
            seen += 1
    assert seen == len(ref) and seen > 0


@pytest.mark.kernel
def test_array_relocations_load_without_poison(bpf_kernel, bpf_objects):
    """The loader applies them: nothing poisoned, every program loads."""
    from bpfdoctor.kernel.loader import load_object

    obj = bpf_objects.get("core_arrays.o")
    if obj is None:
        pytest.skip("core_arrays.o is not built")
    with load_object(str(obj)) as lo:
        bad = [(r.name, r.status, r.errno) for r in lo.results if r.status != "loaded"]
        poisoned = [c for r in lo.results for c in r.core if c.poisoned and c.kind != "field_exists"]
    assert not bad, bad
    assert not poisoned, poisoned
