"""Programs for the ``prog`` tests, loaded for real and always unloaded.

Objects are loaded with ``bpftool prog loadall`` into a fresh directory on
bpffs (libbpf does the relocations, BTF, func/line info and kfunc ids that
our own loader does not do yet); each pin is opened with BPF_OBJ_GET at
once and removed, so from then on the programs live only as long as the
descriptors this test session owns.  Teardown closes them and checks, with
BPF_PROG_GET_FD_BY_ID, that every program is gone.
"""

from __future__ import annotations

import errno
import os
import pathlib
import shutil
import subprocess
import uuid
from dataclasses import dataclass

import pytest

HERE = pathlib.Path(__file__).parent
FIXTURES = HERE.parent / "bpf" / "build"
BPFFS = "/sys/fs/bpf"


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed")
    return path


@pytest.fixture(scope="session")
def bpf_kernel():
    from bpfdoctor.errors import SyscallError
    from bpfdoctor.kernel.enums import MapType
    from bpfdoctor.kernel.maps import create_map

    try:
        create_map(MapType.ARRAY, 4, 4, 1).close()
    except SyscallError as e:
        pytest.skip(f"bpf() refused here: {e}")
    return True


@dataclass
class Loaded:
    name: str      # program (function) name in the object
    id: int
    fd: object     # bpfdoctor KernelObject, owned by the test session


def _compile(src: pathlib.Path, out: pathlib.Path) -> pathlib.Path:
    clang = need("clang-19")
    inc = f"/usr/include/{os.uname().machine}-linux-gnu"
    subprocess.run([clang, "-O2", "-g", "-target", "bpf", "-mcpu=v3", f"-I{inc}", "-c", str(src),
                    "-o", str(out)], check=True, capture_output=True)
    return out


def _unpinned_copy(src: pathlib.Path, tmp: pathlib.Path) -> pathlib.Path:
    """maps_btf.c without ``pinning``: libbpf would pin that map at
    /sys/fs/bpf/<name> (bpftool sets no pin root) and leave it there."""
    out = tmp / src.name
    text = "".join(ln for ln in src.read_text().splitlines(keepends=True) if "__uint(pinning" not in ln)
    out.write_text(text)
    return out


def _bpffs_top() -> set[str]:
    return set(os.listdir(BPFFS))


def load_object(obj: pathlib.Path, owned: list) -> list[Loaded]:
    """loadall into a private bpffs directory; open each pin, then remove it."""
    from bpfdoctor.kernel import info, objects

    bpftool = need("bpftool")
    pin_dir = pathlib.Path(BPFFS) / f"bpfdoctor_test_prog_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    before = _bpffs_top()
    os.mkdir(pin_dir)
    progs: list[Loaded] = []
    try:
        run = subprocess.run([bpftool, "prog", "loadall", str(obj), str(pin_dir)], capture_output=True,
                             text=True)
        if run.returncode != 0:
            pytest.skip(f"the kernel refused {obj.name}: {run.stderr.strip()[-300:]}")
        for pin in sorted(pin_dir.iterdir()):
            fd = objects.obj_get(pin)
            owned.append(fd)
            progs.append(Loaded(pin.name, info.prog_info(fd, arrays=None).id, fd))
    finally:
        for pin in pin_dir.iterdir():
            pin.unlink()
        pin_dir.rmdir()
    stray = _bpffs_top() - before
    assert not stray, f"loading {obj.name} left pins in {BPFFS}: {sorted(stray)}"
    return progs


def assert_unloaded(ids: list[int], map_ids: set[int] = frozenset()) -> None:
    """Programs must be gone at once; their maps are freed from a workqueue
    (kernel/bpf/syscall.c ``bpf_map_put`` -> ``bpf_map_free_deferred``), so
    wait a little for those."""
    import time

    from bpfdoctor.errors import SyscallError
    from bpfdoctor.kernel import objects
    from bpfdoctor.kernel.objects import ObjKind

    deadline = time.monotonic() + 5
    while map_ids & set(objects.ids(ObjKind.MAP)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not map_ids & set(objects.ids(ObjKind.MAP)), "maps of the test programs are still there"
    for prog_id in ids:
        try:
            objects.fd_by_id(ObjKind.PROG, prog_id).close()
        except SyscallError as e:
            assert e.errno == errno.ENOENT
        else:
            raise AssertionError(f"program {prog_id} is still loaded")


@pytest.fixture(scope="session")
def loaded(bpf_kernel, tmp_path_factory):
    """name -> Loaded for the fixture objects (multi_prog, maps_btf,
    loops_atomics) and tests/prog/src/calls.c."""
    if os.geteuid() != 0:
        pytest.skip("needs root to load programs")
    owned: list = []
    progs: dict[str, Loaded] = {}
    tmp = tmp_path_factory.mktemp("prog")
    objs = [FIXTURES / f"{n}.o" for n in ("multi_prog", "loops_atomics")]
    objs.append(_compile(_unpinned_copy(FIXTURES.parent / "maps_btf.c", tmp), tmp / "maps_btf.o"))
    objs.append(_compile(HERE / "src" / "calls.c", tmp / "calls.o"))
    try:
        for obj in objs:
            if not obj.exists():
                pytest.skip(f"{obj} not built (make -C tests/bpf)")
            for p in load_object(obj, owned):
                progs[p.name] = p
        yield progs
    finally:
        from bpfdoctor.kernel import info

        map_ids = {m for fd in owned for m in info.prog_info(fd, arrays=frozenset({"map_ids"})).map_ids}
        for fd in owned:
            fd.close()
        assert_unloaded([p.id for p in progs.values()], map_ids)


@pytest.fixture(scope="session")
def no_btf_prog(bpf_kernel):
    """A program loaded without BTF through bpfdoctor.kernel: a map lookup,
    a helper and a bpf-to-bpf call, no func/line info."""
    from bpfdoctor.isa.insn import Instruction, encode_all
    from bpfdoctor.kernel import info, maps, progs
    from bpfdoctor.kernel.enums import MapType, ProgType

    with maps.create_map(MapType.ARRAY, 4, 8, 1) as m:
        code = encode_all([
            Instruction(0x62, 10, 0, -4, 0),                         # *(u32 *)(r10 -4) = 0
            Instruction(0xBF, 2, 10, 0, 0),                          # r2 = r10
            Instruction(0x07, 2, 0, 0, -4),                          # r2 += -4
            Instruction(0x18, 1, 1, 0, m.fd, imm_hi=0),              # r1 = map[fd]
            Instruction(0x85, 0, 0, 0, 1),                           # call bpf_map_lookup_elem
            Instruction(0x85, 0, 1, 0, 1),                           # call pc+1
            Instruction(0x95, 0, 0, 0, 0),                           # exit
            Instruction(0x85, 0, 0, 0, 7),                           # call bpf_get_prandom_u32
            Instruction(0xB7, 0, 0, 0, 0),                           # r0 = 0
            Instruction(0x95, 0, 0, 0, 0),                           # exit
        ])
        prog = progs.load_program(ProgType.SOCKET_FILTER, code, name="bd_nobtf")
    try:
        yield Loaded("bd_nobtf", info.prog_info(prog, arrays=None).id, prog)
    finally:
        rec = info.prog_info(prog, arrays=frozenset({"map_ids"}))
        prog.close()
        assert_unloaded([rec.id], set(rec.map_ids))
