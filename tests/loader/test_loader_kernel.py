"""What the loader does, checked in the kernel: CO-RE, map initial values,
.kconfig values, legacy maps, BTF sanitising, and that nothing leaks."""

from __future__ import annotations

import gc
import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from testlib import BUILD  # noqa: E402

from .conftest import kernel_ids, open_fds  # noqa: E402

from bpfdoctor.errors import InputError, SyscallError  # noqa: E402

pytestmark = pytest.mark.kernel


def _load(name: str, **kw):
    from bpfdoctor.kernel.loader import load_object

    return load_object(BUILD / name, **kw)


def test_core_programs_need_their_relocations(kernel, monkeypatch):
    """load_core.o's local layouts are wrong on purpose: with CO-RE applied
    every program loads; with the relocations skipped the verifier refuses each."""
    with _load("load_core.o") as lo:
        assert all(r.ok for r in lo.results), [(r.name, r.message) for r in lo.results]
        exec_fields = lo.result("exec_fields")
        assert any(c.kind == "byte_off" and c.value != c.local_value for c in exec_fields.core)
        exists = [c for c in lo.result("core_field_exists").core if c.kind == "field_exists"]
        assert exists and exists[0].local_value == 1 and exists[0].value == 0
    from bpfdoctor.kernel.loader import coreapply

    # relocate imports apply_one from coreapply when a function has CO-RE relocations
    monkeypatch.setattr(coreapply, "apply_one", lambda buf, i, relo, local, target: coreapply.CoreOutcome(
        relo.insn, "skipped", "", None, None, False))
    with _load("load_core.o") as lo:
        assert [r.status for r in lo.results] == ["rejected"] * 3


def test_map_in_map_and_prog_array_initial_values(kernel):
    from bpfdoctor.kernel.info import map_info

    with _load("load_mapinmap.o") as lo:
        assert lo.all_loaded
        ids = {n: map_info(m).id for n, m in lo.maps.items()}
        outer = lo.maps["outer_arr"]
        # ARRAY_OF_MAPS lookups from user space return the inner map's id
        assert struct.unpack("<I", outer.lookup(struct.pack("<I", 0)))[0] == ids["inner_a"]
        assert struct.unpack("<I", outer.lookup(struct.pack("<I", 2)))[0] == ids["inner_b"]
        assert outer.lookup(struct.pack("<I", 1)) is None
        assert struct.unpack("<I", lo.maps["outer_hash"].lookup(struct.pack("<I", 1)))[0] == ids["inner_b"]
        jumps = lo.maps["jumps"]
        assert struct.unpack("<I", jumps.lookup(struct.pack("<I", 1)))[0] == lo.result("tail_target").id
        assert jumps.lookup(struct.pack("<I", 0)) is None


def test_kconfig_values_from_the_running_kernel(kernel):
    from bpfdoctor.kernel.loader.env import KernelEnv

    env = KernelEnv()
    with _load("load_kconfig.o", env=env) as lo:
        assert lo.all_loaded, lo.results[0].message
        m = lo.maps[".kconfig"]
        assert m.name.endswith(".kconfig")
        data = m.lookup(b"\0\0\0\0")
        ext = lo.externs
        def val(name, fmt):
            v = ext.kconfig_var(name)
            return struct.unpack_from(fmt, data, v.offset)[0]
        assert val("LINUX_KERNEL_VERSION", "<I") == env.version_code
        assert val("CONFIG_HZ", "<i") == int(env.config["CONFIG_HZ"])
        assert val("CONFIG_BPF_SYSCALL", "<B") == 1
        assert val("CONFIG_BPFDOCTOR_NOT_A_REAL_OPTION", "<i") == 0
        host = ext.kconfig_var("CONFIG_DEFAULT_HOSTNAME")
        want = env.config["CONFIG_DEFAULT_HOSTNAME"].encode()[:7]
        assert data[host.offset:host.offset + len(want)] == want


def test_kconfig_wrong_value_is_refused_by_the_verifier(kernel):
    """The program's dead branches really depend on the values we fill in."""
    from bpfdoctor.kernel.loader.env import KernelEnv

    env = KernelEnv(config={"CONFIG_BPF_SYSCALL": "n", "CONFIG_HZ": "250", "CONFIG_BPF_JIT": "y",
                            "CONFIG_DEFAULT_HOSTNAME": "x"})
    with _load("load_kconfig.o", env=env) as lo:
        assert lo.results[0].status == "rejected"


def test_missing_strong_kconfig_is_an_input_error(kernel):
    from bpfdoctor.kernel.loader.env import KernelEnv

    with pytest.raises(InputError, match="CONFIG_.*value not found in the kernel config"):
        _load("load_kconfig.o", env=KernelEnv(config={"CONFIG_BPF_SYSCALL": "y"}))


def test_legacy_maps_load_with_type_override(kernel):
    with pytest.raises(InputError, match="--type|section 'xdp_prog'"):
        _load("xdp_ddos01_blacklist.o")
    with _load("xdp_ddos01_blacklist.o", prog_type="xdp") as lo:
        assert lo.all_loaded
        assert {m.name: m.kind for m in lo.map_results} == {"blacklist": "legacy", "verdict_cnt": "legacy"}


@pytest.mark.parametrize("missing", ["datasec", "func", "func_global", "float", "decl_tag", "type_tag",
                                     "enum64"])
def test_sanitized_btf_is_accepted(kernel, missing):
    """With a kind declared missing, the rewritten BTF still loads and the
    programs still verify against it (libbpf bpf_object__sanitize_btf).

    One exception, faithful to libbpf: FUNC_PROTO -> ENUM turns unnamed
    parameters into unnamed enumerators, which kernels since 5.x refuse
    ("Invalid name"; pre-5.0 kernels, the ones without FUNC, accepted them).
    The loader then goes on without BTF, as libbpf does."""
    from bpfdoctor.kernel.loader.btfprep import BtfFeatures
    from bpfdoctor.kernel.loader.env import KernelEnv

    env = KernelEnv(btf_features=BtfFeatures(**{missing: False}))
    for name in ("btf_kinds.o", "multi_prog.o"):
        if not (BUILD / name).exists():
            pytest.skip(f"{name} not built")
        with _load(name, env=env) as lo:
            assert lo.all_loaded, [(r.name, r.message) for r in lo.results]
            if missing == "func" and name == "btf_kinds.o":
                assert lo.btf is None and "Invalid name" in lo.notes[0]
                continue
            assert lo.btf is not None, lo.btf_log
            assert not lo.notes


def test_datasec_rewrite_removes_the_kinds(kernel):
    from bpfdoctor.btf import parse_btf
    from bpfdoctor.btf.kinds import Kind
    from bpfdoctor.elf import open_object
    from bpfdoctor.kernel.loader.btfprep import BtfFeatures, prepare

    obj = open_object(BUILD / "multi_prog.o")
    raw, done = prepare(obj.btf, obj.elf, BtfFeatures(datasec=False), {}, 0)
    kinds = {t.kind for t in parse_btf(raw.tobytes()).types()}
    assert Kind.DATASEC not in kinds and Kind.VAR not in kinds
    assert any(d.startswith("DATASEC") for d in done)
    raw, _ = prepare(obj.btf, obj.elf, BtfFeatures(), {}, 0)
    rodata = parse_btf(raw.tobytes()).type(raw.find(".rodata", Kind.DATASEC))
    assert rodata.size == obj.elf.section(".rodata").size
    offsets = [v.offset for v in rodata.vars]
    assert offsets == sorted(offsets) and offsets[-1] > 0


def test_one_program_only(kernel):
    with _load("multi_prog.o", programs=["tc_mark"]) as lo:
        assert [r.name for r in lo.results] == ["tc_mark"] and lo.all_loaded
        assert lo.result("tc_mark").subprograms  # its .text callees were appended
    from bpfdoctor.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no program named 'nope'"):
        _load("multi_prog.o", programs=["nope"])


def test_stats_and_info(kernel):
    with _load("load_callbacks.o") as lo:
        r = lo.result("with_loop")
        assert r.ok and r.id and len(r.tag) == 16 and r.xlated_len >= 8 and r.jited_len > 0
        assert r.stats.processed_insns >= r.insn_count // 2 and r.stats.time_usec is not None
        assert set(r.subprograms) >= {"loop_body", "clamp", "scale"}


def test_failure_half_way_closes_everything(kernel, monkeypatch):
    """A map the kernel refuses after others were created: nothing stays open
    once the object is closed."""
    from bpfdoctor.kernel.loader import mapcreate

    real = mapcreate.create_one
    calls = []

    def flaky(plan, btf_fd, inner_fd=0):
        calls.append(plan.name)
        if len(calls) == 3:
            raise SyscallError("bpf(MAP_CREATE)", 12)
        return real(plan, btf_fd, inner_fd)

    monkeypatch.setattr(mapcreate, "create_one", flaky)
    gc.collect()
    fds = open_fds()
    # reported, not raised (issue 11 item 2); closing releases what was made
    with _load("load_mapinmap.o") as lo:
        assert lo.map_failure is not None and lo.map_failure[1].errno == 12
        assert lo.results and all(r.status == "error" for r in lo.results)
    assert len(calls) == 3
    # Nothing was pinned, so the BTF and the two maps created before the
    # failure lived only through our descriptors: all of them must be closed.
    gc.collect()
    assert open_fds() <= fds


def _settled(ours: set[int], timeout: float = 20.0):
    """Kernel ids once the kernel's deferred frees ran: a closed program drops
    its maps from an RCU callback and a workqueue (kernel/bpf/syscall.c
    __bpf_prog_put_noref -> bpf_prog_free_deferred), so map ids outlive the
    last close() by a grace period."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        p, m = kernel_ids()
        if not ((p | m) & ours) or time.monotonic() > deadline:
            return p, m
        time.sleep(0.05)


def test_load_unload_cycles_leak_nothing(kernel):
    """1000 load/close cycles: no descriptor, program or map left behind."""
    from bpfdoctor.elf import open_object
    from bpfdoctor.kernel.loader import load_object
    from bpfdoctor.kernel.loader.env import KernelEnv

    from bpfdoctor.kernel.info import map_info
    from bpfdoctor.kernel.objects import ObjKind, fd_by_id

    obj = open_object(BUILD / "load_callbacks.o")  # parsed once; the kernel work repeats
    env = KernelEnv()
    gc.collect()
    fds, (progs, maps) = open_fds(), kernel_ids()
    ours_p, ours_m, names = set(), set(), set()
    for _ in range(1000):
        with load_object(obj, env=env) as lo:
            assert lo.all_loaded
            ours_p.update(r.id for r in lo.results)
            ours_m.update(m.id for m in lo.map_results)
            names.update(m.kernel_name for m in lo.map_results)
    gc.collect()
    assert open_fds() == fds
    assert len(ours_p) == 2000 and len(ours_m) == 5000
    after_p, after_m = _settled(ours_p | ours_m)
    assert not (after_p & ours_p), "programs left loaded"
    assert not (after_m & ours_m), "maps left loaded"
    # Other processes on a shared machine may create objects meanwhile; none
    # of the new ones may carry our map names.
    for mid in after_m - maps:
        try:
            with fd_by_id(ObjKind.MAP, mid) as f:
                assert map_info(f).name not in names
        except SyscallError:
            pass  # gone already
