"""Maps, programs, BTF, info, ids and pins against the real kernel."""

from __future__ import annotations

import errno
import os
import struct

import pytest

from bpfdoctor.errors import SyscallError, VerifierError
from bpfdoctor.kernel import info, insns, maps, objects, progs, syscall
from bpfdoctor.kernel.btf import load_btf
from bpfdoctor.kernel.enums import BpfCmd, MapType, ProgType
from bpfdoctor.kernel.probe_specs import storage_btf

pytestmark = pytest.mark.kernel


def test_hash_map_roundtrip(no_fd_leak):
    with maps.create_map(MapType.HASH, 4, 8, 4, name="bpfdoctor-t!") as m:
        key = struct.pack("<I", 7)
        assert m.lookup(key) is None
        m.update(key, b"abcdefgh")
        assert m.lookup(key) == b"abcdefgh"
        assert list(m.keys()) == [key]
        with pytest.raises(SyscallError) as e:
            m.update(key, b"12345678", maps.BPF_NOEXIST)
        assert e.value.errno == errno.EEXIST
        assert m.delete(key) and not m.delete(key)
        rec = info.map_info(m)
        # the kernel takes [A-Za-z0-9_.] only: the rest is dropped before the call
        assert (rec.type, rec.key_size, rec.value_size, rec.max_entries, rec.name) == \
            (MapType.HASH, 4, 8, 4, "bpfdoctort")


def test_percpu_array_values_span_possible_cpus(no_fd_leak):
    from bpfdoctor.host.cpus import possible_cpus

    with maps.create_map(MapType.PERCPU_ARRAY, 4, 4, 1) as m:
        assert m.value_buffer_size == 8 * possible_cpus()
        m.update(b"\0" * 4, b"\1" * m.value_buffer_size)
        assert m.lookup(b"\0" * 4) == b"\1" * m.value_buffer_size


def test_freeze_makes_map_read_only(no_fd_leak):
    with maps.create_map(MapType.ARRAY, 4, 4, 1) as m:
        m.freeze()
        with pytest.raises(SyscallError) as e:
            m.update(b"\0" * 4, b"\0" * 4)
        assert e.value.errno == errno.EPERM


def test_program_load_info_and_test_run(no_fd_leak):
    with progs.load_program(ProgType.SOCKET_FILTER, insns.return_imm(42), name="bpfdoctor_t",
                            log_level=1) as p:
        assert "processed 2 insns" in p.log
        rec = info.prog_info(p)
        assert rec.type == ProgType.SOCKET_FILTER and rec.name == "bpfdoctor_t"
        assert rec.xlated_prog_len == 16 and len(rec.xlated_insns) == 16
        assert rec.jited_prog_len == len(rec.jited_insns) > 0
        assert p.test_run(b"\0" * 64).retval == 42
        assert rec.id in set(objects.ids(objects.ObjKind.PROG))
        with objects.fd_by_id(objects.ObjKind.PROG, rec.id) as again:
            assert info.prog_info(again, arrays=None).tag == rec.tag


def test_verifier_error_carries_log_and_summary(no_fd_leak):
    with pytest.raises(VerifierError) as e:
        progs.load_program(ProgType.SOCKET_FILTER, insns.exit_())  # r0 never written
    assert e.value.errno == errno.EACCES
    assert "R0 !read_ok" in e.value.log and e.value.summary == "R0 !read_ok"


def test_btf_load_and_info(no_fd_leak):
    with load_btf(storage_btf()) as b:
        rec = info.btf_info(b, with_data=True)
        assert rec.data == storage_btf() and not rec.kernel_btf
    with pytest.raises(VerifierError) as e:
        load_btf(storage_btf()[:-3])  # string section cut short
    assert e.value.log


def test_pin_and_get(no_fd_leak, tmp_path):
    bpffs = [line.split()[4] for line in open("/proc/self/mountinfo") if " - bpf " in line]
    if not bpffs:
        pytest.skip("bpffs not mounted")
    path = os.path.join(bpffs[0], f"bpfdoctor-test-{os.getpid()}")
    with maps.create_map(MapType.ARRAY, 4, 4, 1) as m:
        objects.pin(m, path)
        try:
            with objects.obj_get(path) as again:
                assert info.map_info(again).id == info.map_info(m).id
        finally:
            os.unlink(path)


def test_every_call_goes_through_invoke(monkeypatch, bpf_kernel):
    seen = []
    real = syscall.invoke
    monkeypatch.setattr(syscall, "invoke", lambda cmd, addr, size: seen.append(cmd) or real(cmd, addr, size))
    with maps.create_map(MapType.ARRAY, 4, 4, 1) as m:
        m.lookup(b"\0" * 4)
    assert seen == [BpfCmd.MAP_CREATE, BpfCmd.MAP_LOOKUP_ELEM]


def test_fd_closed_when_failure_halfway(no_fd_leak):
    with pytest.raises(VerifierError):
        with maps.create_map(MapType.ARRAY, 4, 4, 1):
            progs.load_program(ProgType.SOCKET_FILTER, insns.exit_())
