"""Objects of many programs, subprograms and maps: ``load``'s preparation is linear.

Each function asked its section's whole relocation list, CO-RE list and
func/line info for its own share, and each program rebuilt the table of
``.text`` subprograms: 2,000 programs, each with a subprogram, a map and two
globals, took 6 s to relocate and link before the first ``bpf()`` call (and
four times that for twice as many); 4,000 map-in-map definitions, each
with its inner map in ``.values``, took 30 s to plan, as each ``.rel.maps``
relocation looked for its map among all of them.  The tests count the work (instruction
offsets asked of the object's functions) rather than time it, and check that
the answer is the one each function alone gets.
"""

from __future__ import annotations

import subprocess

import pytest
from testlib import require_tool

from bpfdoctor.elf import open_object
from bpfdoctor.elf.object import ProgramSpec
from bpfdoctor.kernel.loader.btfext_raw import raw_ext
from bpfdoctor.kernel.loader.relocate import Relocator, Targets, btf_ext_for, link, relocate_function


def _source(n: int) -> str:
    out = ["#include <linux/bpf.h>", "#include <bpf/bpf_helpers.h>",
           'char LICENSE[] SEC("license") = "GPL";']
    for i in range(n):
        out += [f"struct {{ __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); "
                f'__type(value, __u64); }} m{i} SEC(".maps");',
                f"__u64 g{i} = {i};",
                f"const volatile __u32 c{i} = {i};",
                f"static __noinline int sub{i}(int x) {{ return x + g{i}; }}",
                f'SEC("xdp") int p{i}(struct xdp_md *ctx) {{ __u32 k = 0; '
                f"__u64 *v = bpf_map_lookup_elem(&m{i}, &k); if (v) *v += c{i}; "
                f"return sub{i}(ctx->ingress_ifindex) & 1; }}"]
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def objects(tmp_path_factory):
    clang = require_tool("clang-19")
    d = tmp_path_factory.mktemp("many")
    out = {}
    for n in (40, 80):
        (d / f"m{n}.c").write_text(_source(n))
        subprocess.run([clang, "-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu", "-c",
                        str(d / f"m{n}.c"), "-o", str(d / f"m{n}.o")], check=True, capture_output=True)
        out[n] = open_object(d / f"m{n}.o")
    return out


def _targets(o) -> Targets:
    return Targets(btf={m.name: 100 + i for i, m in enumerate(o.maps)},
                   data={s.name: 200 + i for i, s in enumerate(o.elf.sections)})


def _prepare_all(o):
    r = Relocator(o, _targets(o), lambda: None)
    ext = raw_ext(o.btf_ext)
    out = []
    for p in o.programs:
        linked = link(r, p)
        out.append((linked.buf.tobytes(), btf_ext_for(linked, ext)))
    return out


def test_linking_every_program_is_linear(objects, monkeypatch):
    asked = {"n": 0}
    real = ProgramSpec.first_insn

    def counted(self):
        asked["n"] += 1
        return real.fget(self)

    monkeypatch.setattr(ProgramSpec, "first_insn", property(counted))
    work = {}
    for n, o in objects.items():
        asked["n"] = 0
        assert len(_prepare_all(o)) == n
        work[n] = asked["n"]
    # twice the functions, twice the work: 360 and 720 asks (it was four times: 11,680 and 45,760)
    assert work[80] <= 2.2 * work[40], work


def test_each_function_relocates_as_it_does_alone(objects):
    o = objects[40]
    t = _targets(o)
    r = Relocator(o, t, lambda: None)
    for f in o.functions:
        alone = relocate_function(o, f, t, lambda: None)
        assert r(f).buf.tobytes() == alone.buf.tobytes() and r(f).calls == alone.calls
    # every program got its subprogram appended and its func/line info rebased
    for buf, (funcs, lines) in _prepare_all(o):
        assert len(funcs) == 2 and [x[0] for x in funcs] == [0, funcs[1][0]] and funcs[1][0] > 0
        assert lines and [x[0] for x in lines] == sorted(x[0] for x in lines)


def _slots_source(n: int) -> str:
    out = ["#include <linux/bpf.h>", "#include <bpf/bpf_helpers.h>",
           'char LICENSE[] SEC("license") = "GPL";',
           "struct inner { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); "
           "__type(value, __u32); };"]
    for i in range(n):
        out += [f'struct inner in{i} SEC(".maps");',
                f"struct {{ __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS); __uint(max_entries, 1); __type(key, __u32); "
                f'__array(values, struct inner); }} out{i} SEC(".maps") = {{ .values = {{ &in{i} }} }};']
    out.append('SEC("xdp") int p(struct xdp_md *ctx) { return 2; }')
    return "\n".join(out) + "\n"


def test_map_slots_are_found_in_linear_time(tmp_path, monkeypatch):
    from bpfdoctor.kernel.loader import mapplan

    clang = require_tool("clang-19")
    calls = {"n": 0}

    def counted_max(*args, **kw):
        calls["n"] += 1
        return max(*args, **kw)

    monkeypatch.setattr(mapplan, "max", counted_max, raising=False)
    work = {}
    for n in (40, 80):
        (tmp_path / f"s{n}.c").write_text(_slots_source(n))
        subprocess.run([clang, "-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu", "-c",
                        str(tmp_path / f"s{n}.c"), "-o", str(tmp_path / f"s{n}.o")], check=True,
                       capture_output=True)
        o = open_object(tmp_path / f"s{n}.o")
        calls["n"] = 0
        slots = {p.name: p.slots for p in mapplan.plan_maps(o, None, b"") if p.slots}
        work[n] = calls["n"]
        assert slots == {f"out{i}": ((0, f"in{i}"),) for i in range(n)}
    # 160 and 320 (it was 1,640 and 6,480: each relocation measured every map before its own)
    assert work[80] <= 2.2 * work[40], work
