"""What ``open_object`` finds in the fixtures (values from their C sources)."""

from __future__ import annotations

import pytest

from bpfdoctor.elf import open_object
from bpfdoctor.elf.progtypes import section_type, suggest_section


def test_legacy_maps_and_unknown_section(obj):
    o = open_object(obj("xdp_ddos01_blacklist"))
    assert o.license == "GPL" and o.kern_version == 0x050A00
    (prog,) = o.programs
    assert (prog.name, prog.section, prog.prog_type) == ("xdp_program", "xdp_prog", None)
    maps = {m.name: m for m in o.maps}
    assert maps["blacklist"].source == "legacy"
    assert (maps["blacklist"].type_name, maps["blacklist"].key_size, maps["blacklist"].value_size,
            maps["blacklist"].max_entries, maps["blacklist"].flags) == ("percpu_hash", 4, 8, 100000, 1)
    assert (maps["verdict_cnt"].type_name, maps["verdict_cnt"].max_entries) == ("percpu_array", 4)
    ids = [f.id for f in o.findings()]
    assert ids == ["legacy-maps-section", "unknown-section-name"]
    unknown = o.findings()[1]
    assert 'SEC("xdp")' in unknown.fix


@pytest.mark.parametrize("variant", ["maps_btf", "maps_btf.bpfeb", "maps_btf.v1"])
def test_btf_maps(obj, variant):
    o = open_object(obj(variant))
    maps = {m.name: m for m in o.maps}
    assert set(maps) == {"flows", "counters", "scratch", "lru", "events", "inner_a", "inner_b", "outer", "jumps"}
    assert all(m.source == "btf" for m in o.maps)
    f = maps["flows"]
    assert (f.type_name, f.key_size, f.value_size, f.max_entries, f.pinning) == ("hash", 16, 16, 1024, 1)
    assert (f.key_type, f.value_type) == ("struct flow_key", "struct flow_stats")
    assert (maps["scratch"].key_size, maps["scratch"].value_size) == (4, 64)
    assert (maps["lru"].type_name, maps["lru"].flags) == ("lru_hash", 2)
    assert (maps["events"].type_name, maps["events"].max_entries) == ("ringbuf", 256 * 1024)
    outer = maps["outer"]
    assert (outer.type_name, outer.value_size, outer.max_entries) == ("array_of_maps", 4, 2)
    assert (outer.inner.type_name, outer.inner.max_entries, outer.inner.value_size) == ("array", 8, 4)
    assert maps["jumps"].type_name == "prog_array"
    assert o.license == "Dual BSD/GPL"
    assert not o.findings()


def test_programs_subprograms_and_data(obj):
    o = open_object(obj("multi_prog"))
    progs = {p.name: (p.section, p.prog_type, p.attach_type) for p in o.programs}
    assert progs == {
        "xdp_count": ("xdp", "XDP", "XDP"), "tc_mark": ("tc", "SCHED_CLS", None),
        "sock_filter": ("socket", "SOCKET_FILTER", None), "kp_unlink": ("kprobe/do_unlinkat", "KPROBE", None),
        "cg_egress": ("cgroup_skb/egress", "CGROUP_SKB", "CGROUP_INET_EGRESS"),
        "tp_switch": ("tracepoint/sched/sched_switch", "TRACEPOINT", None)}
    assert sorted(p.name for p in o.subprograms) == ["classify", "global_sum"]
    assert {p.name: p.is_global for p in o.subprograms} == {"classify": False, "global_sum": True}
    kp = next(p for p in o.programs if p.name == "kp_unlink")
    assert kp.sectype.attach_target == "do_unlinkat"
    data = {d.name: d for d in o.data_sections}
    assert set(data) == {".bss", ".data", ".rodata"}
    assert "threshold" in data[".data"].variables and not data[".rodata"].writable
    kinds = {(r.symbol, r.kind) for r in o.relocations(next(p for p in o.programs if p.name == "xdp_count"))}
    assert (".text", "call") in kinds and ("threshold", "data") in kinds
    # Every instruction of every function decodes, and sizes add up to the sections.
    for p in o.functions:
        assert sum(i.slots for i in o.instructions(p)) == p.insn_count


def test_core_relocations_and_externs(obj):
    from bpfdoctor.render.elfinfo import core_relocations

    o = open_object(obj("core"))
    relos = core_relocations(o)
    assert len(relos) == 19
    specs = {r["spec"] for r in relos}
    assert "<byte_off> [13] struct task_struct.pid (0:0 @ offset 0)" in specs
    assert any(r["kind"] == "enumval_value" and "PIDTYPE_MAX = 4" in r["spec"] for r in relos)
    assert {r["program"] for r in relos} == {"on_exec", "on_kfree_skb"}
    isa = open_object(obj("isa_all"))
    assert [(e.name, e.kind, e.weak) for e in isa.externs] == [("bpf_kfunc_example", "function", True)]


def test_gpl_only_helpers_need_a_gpl_license(obj, tmp_path):
    """multi_prog calls bpf_trace_printk (GPL-only): with its license blanked
    out the finding says the verifier will refuse it."""
    data = bytearray(obj("multi_prog").read_bytes())
    o = open_object(obj("multi_prog"))
    sec = o.elf.section("license")
    data[sec.offset:sec.offset + sec.size] = b"MIT\0".ljust(sec.size, b"\0")
    p = tmp_path / "mit.o"
    p.write_bytes(bytes(data))
    (f,) = [f for f in open_object(p).findings() if f.id == "gpl-helpers-without-gpl-license"]
    assert f.severity.value == "fail" and "bpf_trace_printk" in str(f.evidence)


@pytest.mark.parametrize("name,expected", [
    ("xdp", ("XDP", "XDP")), ("xdp.frags", ("XDP", "XDP")), ("xdp/devmap", ("XDP", "XDP_DEVMAP")),
    ("kprobe/sys_open", ("KPROBE", None)), ("kprobe", ("KPROBE", None)), ("kprobe.multi/x*", ("KPROBE", "TRACE_KPROBE_MULTI")),
    ("tp/syscalls/sys_enter_open", ("TRACEPOINT", None)), ("fentry/do_exit", ("TRACING", "TRACE_FENTRY")),
    ("lsm.s/bprm_check", ("LSM", "LSM_MAC")), ("cgroup/connect4", ("CGROUP_SOCK_ADDR", "CGROUP_INET4_CONNECT")),
    ("tc", ("SCHED_CLS", None)), ("tcx/ingress", ("SCHED_CLS", "TCX_INGRESS")), ("socket", ("SOCKET_FILTER", None)),
    ("struct_ops/x", ("STRUCT_OPS", None)), ("syscall", ("SYSCALL", None)),
    ("xdp_prog", None), ("kprobex", None), ("socket1", None), ("classifierx", None),
])
def test_libbpf_section_rules(name, expected):
    st = section_type(name)
    assert (None if st is None else (st.prog_type, st.attach_type)) == expected


def test_section_suggestions():
    assert suggest_section("xdp_prog") == "xdp"
    assert suggest_section("kprobe_do_unlinkat") == "kprobe/do_unlinkat"
    assert suggest_section("nonsense") is None


@pytest.mark.parametrize("size", [0, 4, 12])
def test_functions_libbpf_calls_corrupted_are_a_finding(obj, tmp_path, size):
    """libbpf refuses the whole object when a FUNC symbol is empty or not whole
    instructions ("corrupted program"); ``elf info`` said "no problems" on such
    an object while ``load`` refused it.  Both now ask elf/funccheck.  (A
    misaligned function is refused earlier, by the object model.)"""
    import struct

    from bpfdoctor.elf.reader import STT_FUNC
    from bpfdoctor.errors import InputError
    from bpfdoctor.kernel.loader.relocate import check_object

    good = open_object(obj("multi_prog"))
    assert not [f for f in good.findings() if f.id == "corrupted-program"]
    sym = next(s for s in good.elf.symbols if s.type == STT_FUNC and s.size > 8)
    data = bytearray(obj("multi_prog").read_bytes())
    entry = good.elf._symtab.offset + 24 * sym.index
    struct.pack_into("<Q", data, entry + 16, size)
    p = tmp_path / "bad.o"
    p.write_bytes(bytes(data))
    bad = open_object(p)
    (f,) = [f for f in bad.findings() if f.id == "corrupted-program"]
    assert f.severity.value == "fail" and f"function '{sym.name}' " in f.summary
    assert f.evidence["functions"][0]["name"] == sym.name
    with pytest.raises(InputError, match=f"corrupted program '{sym.name}'"):
        check_object(bad)
