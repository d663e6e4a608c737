"""Each verdict against a synthetic kernel: the running kernel's BTF with one
thing removed, renamed or retyped.  The unchanged BTF passes the same check,
so every test here can fail."""

from __future__ import annotations

import pytest

from bpfdoctor.btf.kinds import Kind
from bpfdoctor.compat import compat_report
from bpfdoctor.compat.targets import Target
from bpfdoctor.elf import open_object

from . import synth


def _cell(obj_path, target, program):
    rep = compat_report(open_object(obj_path), [target])
    return rep.cell(program, target.name)


@pytest.fixture(scope="module")
def base(running_btf):
    return Target("base", running_btf, "6.18", None, None, source="vmlinux")


def _expect(obj_path, base, variant, program, kind, subject_part, evidence_part=""):
    """``program`` is fine on ``base`` and fails on ``variant`` for this requirement."""
    ok = _cell(obj_path, base, program)
    assert ok.status in ("ok", "info", "warn"), ok.first_problem
    bad = _cell(obj_path, variant, program)
    assert bad.status == "fail"
    fails = [r for r in bad.requirements if r.status == "fail"]
    assert any(r.kind == kind and subject_part in r.subject and evidence_part in r.evidence for r in fails), fails
    return fails


def test_field_removed(running_btf, base, fixture_obj):
    v = synth.variant(running_btf, synth.drop_member(running_btf, "task_struct", "tgid"), "no-tgid")
    fails = _expect(fixture_obj("core"), base, v, "on_exec", "core", "struct task_struct.tgid", "poisons")
    assert all("tgid" in r.subject for r in fails)


def test_field_renamed(running_btf, base, fixture_obj):
    v = synth.variant(running_btf, synth.rename_member(running_btf, "task_struct", "pid", "pid_nr"), "pid-renamed")
    _expect(fixture_obj("load_core"), base, v, "exec_fields", "core", "struct task_struct.pid")


def test_field_retyped(running_btf, base, fixture_obj):
    # comm becomes an int: an array and an int are not compatible fields.
    int_id = running_btf.find("int", Kind.INT)
    v = synth.variant(running_btf, synth.retype_member(running_btf, "task_struct", "comm", int_id), "comm-int")
    _expect(fixture_obj("core"), base, v, "on_exec", "core", "struct task_struct.comm")


def test_field_resized_signed_is_poisoned_unsigned_is_not(running_btf, base, fixture_obj):
    """trace_event_raw_sys_enter.id is read with a load: an 8-byte signed
    long narrowed to a 4-byte int cannot be resized (libbpf poisons)."""
    int_id = running_btf.find("int", Kind.INT)
    uint_id = running_btf.find("unsigned int", Kind.INT)
    signed = synth.variant(running_btf, synth.retype_member(running_btf, "trace_event_raw_sys_enter", "id",
                                                            int_id), "id-int")
    _expect(fixture_obj("core_arrays"), base, signed, "sys_enter", "core",
            "trace_event_raw_sys_enter.id", "not an unsigned int")
    unsigned = synth.variant(running_btf, synth.retype_member(running_btf, "trace_event_raw_sys_enter", "id",
                                                              uint_id), "id-uint")
    # long -> unsigned int: the local field is signed, so still refused...
    assert _cell(fixture_obj("core_arrays"), unsigned, "sys_enter").status == "fail"
    # ...while ethhdr.h_dest[5] (unsigned char) is untouched and fine.
    assert _cell(fixture_obj("core_arrays"), unsigned, "eth_dest").status in ("ok", "info")


def test_enum_value_dropped(running_btf, base, fixture_obj):
    v = synth.variant(running_btf, synth.drop_enum_value(running_btf, "pid_type", "PIDTYPE_MAX"), "no-pidtype-max")
    _expect(fixture_obj("load_core"), base, v, "core_enum_index", "core", "enum pid_type::PIDTYPE_MAX")
    # core.o reads the same value only under bpf_core_enum_value_exists():
    # the poisoned load is dead code on that kernel, so it still loads.
    guarded = _cell(fixture_obj("core"), v, "on_exec")
    assert guarded.status in ("ok", "info"), guarded.first_problem
    assert any("unreachable" in r.evidence for r in guarded.requirements if "PIDTYPE_MAX" in r.subject)


def test_helper_removed(running_btf, base, fixture_obj):
    v = synth.variant(running_btf, synth.drop_enum_value(running_btf, "bpf_func_id", "BPF_FUNC_ringbuf_reserve"),
                      "no-ringbuf-helper")
    _expect(fixture_obj("core"), base, v, "on_exec", "helper", "bpf_ringbuf_reserve", "bpf_func_id")


def test_map_type_removed(running_btf, base, fixture_obj):
    v = synth.variant(running_btf, synth.drop_enum_value(running_btf, "bpf_map_type", "BPF_MAP_TYPE_RINGBUF"),
                      "no-ringbuf")
    _expect(fixture_obj("core"), base, v, "on_exec", "map_type", "BPF_MAP_TYPE_RINGBUF")


def test_prog_type_removed(running_btf, base, fixture_obj):
    v = synth.variant(running_btf, synth.drop_enum_value(running_btf, "bpf_prog_type", "BPF_PROG_TYPE_XDP"),
                      "no-xdp")
    _expect(fixture_obj("multi_prog"), base, v, "xdp_count", "prog_type", "BPF_PROG_TYPE_XDP")
    assert _cell(fixture_obj("multi_prog"), v, "tc_mark").status != "fail"


def test_attach_type_removed(running_btf, base, fixture_obj):
    v = synth.variant(running_btf, synth.drop_enum_value(running_btf, "bpf_attach_type",
                                                         "BPF_CGROUP_INET_EGRESS"), "no-egress")
    _expect(fixture_obj("multi_prog"), base, v, "cg_egress", "attach_type", "BPF_CGROUP_INET_EGRESS")


def test_kfunc_removed(running_btf, base, fixture_obj):
    v = synth.variant(running_btf, synth.rename_type(running_btf, "bpf_rcu_read_lock", Kind.FUNC, "gone_rcu_lock"),
                      "no-kfunc")
    _expect(fixture_obj("load_kfunc"), base, v, "kfunc_rcu", "kfunc", "bpf_rcu_read_lock", "not in the target")


def test_tracepoint_removed(running_btf, base, fixture_obj):
    v = synth.variant(running_btf, synth.rename_type(running_btf, "btf_trace_sched_process_exec", Kind.TYPEDEF,
                                                     "btf_trace_gone"), "no-tp")
    _expect(fixture_obj("core"), base, v, "on_exec", "attach_target", "sched_process_exec")


def test_isa_and_features_by_release(running_btf, fixture_obj):
    old = Target("5.0", running_btf, "5.0.0", None, None)
    new = Target("6.6", running_btf, "6.6.0", None, None)
    isa = fixture_obj("isa_v4")
    bad = _cell(isa, old, "v4_ops")
    assert any(r.kind == "isa" and r.status == "fail" for r in bad.requirements)
    assert not any(r.kind == "isa" and r.status == "fail" for r in _cell(isa, new, "v4_ops").requirements)
    loops = _cell(fixture_obj("loops_atomics"), old, "sum_loop")
    assert any(r.subject == "bounded_loops" and r.status == "fail" for r in loops.requirements)


def test_release_unknown_uses_what_the_btf_proves(running_btf, fixture_obj):
    anon = Target("raw", running_btf, None, None, None)
    cell = _cell(fixture_obj("isa_v4"), anon, "v4_ops")
    isa = next(r for r in cell.requirements if r.kind == "isa")
    assert isa.status == "ok" and "at least" in isa.evidence


def test_config_missing_warns(running_btf, fixture_obj):
    t = Target("cfg", running_btf, "6.18.0", {"BPF_SYSCALL": "y"}, None)
    cell = _cell(fixture_obj("multi_prog"), t, "kp_unlink")
    assert cell.status == "warn"
    assert {r.subject for r in cell.requirements if r.kind == "config"} == {"CONFIG_KPROBES", "CONFIG_KPROBE_EVENTS"}
    t2 = Target("cfg2", running_btf, "6.18.0", {"KPROBES": "y", "KPROBE_EVENTS": "y"}, None)
    assert _cell(fixture_obj("multi_prog"), t2, "kp_unlink").status in ("ok", "info")


def test_kprobe_clone_named(running_btf, fixture_obj):
    syms = frozenset({"do_unlinkat.isra.0", "vfs_read"})
    renamed = synth.variant(running_btf, synth.rename_type(running_btf, "do_unlinkat", Kind.FUNC, "zz_unlinkat"),
                            "clone")
    renamed.symbols = syms
    cell = _cell(fixture_obj("multi_prog"), renamed, "kp_unlink")
    r = next(r for r in cell.requirements if r.kind == "attach_target")
    assert r.status == "fail" and "do_unlinkat.isra.0" in r.evidence


def test_width_change_poisons_loads_not_address_arithmetic(running_btf, base, fixture_obj):
    """ethhdr's byte arrays become arrays of (signed) short: the load of
    h_dest[5] cannot be resized (libbpf poisons it); the size answered to
    bpf_core_field_size() (an ALU immediate) is simply patched."""
    import dataclasses

    eth = running_btf.type(running_btf.find("ethhdr", Kind.STRUCT))
    arr = running_btf.type(eth.members[0].type)
    short = running_btf.find("short int", Kind.INT)
    v = synth.variant(running_btf, {arr.id: dataclasses.replace(arr, array=dataclasses.replace(arr.array, type=short))},
                      "eth-short")
    _expect(fixture_obj("core_arrays"), base, v, "eth_dest", "core", "ethhdr.h_dest[5]", "not an unsigned int")
    size = next(r for r in _cell(fixture_obj("core_arrays"), v, "eth_dest").requirements
                if r.subject == "byte_sz struct ethhdr.h_dest[1]")
    assert size.status == "ok" and size.evidence.startswith("2 (object has 1)")


def test_missing_kfunc_fails_every_program_of_the_object(running_btf, base, fixture_obj):
    """libbpf resolves every extern before loading any program: a missing
    non-weak kfunc stops ksym_typeless too, which does not call it."""
    v = synth.variant(running_btf, synth.rename_type(running_btf, "bpf_rcu_read_unlock", Kind.FUNC, "gone"), "x")
    other = _cell(fixture_obj("load_kfunc"), v, "ksym_typeless")
    assert not other.loads and other.first_problem.subject == "bpf_rcu_read_unlock"
    assert "another program" in other.first_problem.evidence


def test_kfunc_with_incompatible_prototype(running_btf, base, fixture_obj):
    import dataclasses

    fn = running_btf.type(running_btf.find("bpf_rcu_read_lock", Kind.FUNC))
    # Give the kernel's FUNC a prototype with one argument; the object declares none.
    proto_with_arg = next(t.id for t in running_btf.types() if t.kind == Kind.FUNC_PROTO and t.vlen == 1)
    v = synth.variant(running_btf, {fn.id: dataclasses.replace(fn, type=proto_with_arg)}, "proto")
    _expect(fixture_obj("load_kfunc"), base, v, "kfunc_rcu", "kfunc", "bpf_rcu_read_lock", "incompatible")


def test_byte_order(base, fixture_obj):
    cell = _cell(fixture_obj("core.bpfeb"), base, "on_exec")
    assert cell.status == "fail" and cell.first_problem.kind == "byte_order"
    assert "-target bpfel" in cell.first_problem.evidence
    assert all(r.kind != "byte_order" for r in _cell(fixture_obj("core"), base, "on_exec").requirements)


@pytest.mark.parametrize("size,fails", [(4096, False), (None, True), (5000, False), (3 * 4096, False)])
def test_map_sizes(base, fixture_obj, size, fails):
    """A map without max_entries (left to user space) fails the load; a ring
    buffer size that is not a power-of-2 number of pages does not, since
    libbpf rounds it up (libbpf.c adjust_ringbuf_sz) before MAP_CREATE."""
    from bpfdoctor.compat.check import Checker
    from bpfdoctor.compat.collect import collect

    obj = open_object(fixture_obj("core"))
    needs = collect(obj)
    needs.map_sizes["out"] = size
    cell = Checker(needs, obj.btf, base).cell(needs.programs[0])
    bad = [r for r in cell.requirements if r.kind in ("map_size", "map_create")]
    assert bool(bad) == fails and cell.loads != fails


@pytest.mark.parametrize("change,field,words", [
    ({}, None, None),
    ({"flags": 0x2}, "map_flags", "BPF_F_NO_COMMON_LRU"),            # not an LRU map
    ({"key_size": 0}, "key_size", "is 0"),
    ({"value_size": 0}, "value_size", "is 0"),
    ({"map_type": 11}, "map_flags", "BPF_F_NO_PREALLOC"),             # an LPM trie
])
def test_map_create_rules(base, fixture_obj, change, field, words):
    """Each map the kernel's map_alloc_check would refuse fails the load, with
    the field, the rule's kernel function and the value to use; the ring
    buffer of core.o stays fine after libbpf's rounding."""
    import dataclasses

    from bpfdoctor.compat.check import Checker
    from bpfdoctor.compat.collect import collect

    obj = open_object(fixture_obj("load_badmap"))
    needs = collect(obj)
    # Make "allow" a valid hash map first, then break one attribute.
    needs.maps = [("allow", change.get("map_type", 1))]
    shape = dataclasses.replace(needs.map_shapes["allow"], map_type=1)
    needs.map_shapes["allow"] = dataclasses.replace(shape, **change)
    cell = Checker(needs, obj.btf, base).cell(needs.programs[0])
    bad = [r for r in cell.requirements if r.kind == "map_create"]
    if field is None:
        assert not bad and cell.loads, cell.first_problem
        return
    assert [r.subject for r in bad] == [f"allow {field}"] and not cell.loads
    assert words in bad[0].evidence and "kernel/bpf/" in bad[0].evidence and "; use " in bad[0].evidence
    assert cell.first_problem.kind == "map_create"
