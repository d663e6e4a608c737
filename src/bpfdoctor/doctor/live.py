"""Facts only the running kernel can give, by trying: is the JIT really used,
which memory accounting applies, which features exist.  Every object made
here is closed again before the function returns."""

from __future__ import annotations

import errno as E
import os
import resource

from bpfdoctor.errors import SyscallError
from bpfdoctor.lazylog import get_logger
from bpfdoctor.record import record

log = get_logger(__name__)


@record
class JitUse:
    """Whether the kernel JIT-compiles programs, found by loading one: the sizes
    in bytes of its JIT image and translated (xlated) code, or the load's errno."""

    jited: bool | None  # None: could not load a program to find out
    jited_len: int = 0
    xlated_len: int = 0
    errno: int = 0


@record
class Accounting:
    """``mode`` is ``memcg``, ``rlimit`` or None (unknown); ``how`` says how we know."""

    mode: str | None
    how: str
    errno: int = 0


@record
class LiveFacts:
    """What ``gather_live`` found out by trying things on the running kernel."""

    jit: JitUse
    accounting: Accounting
    features: object | None = None  # kernel.probes.Features
    bpf_errno: int = 0  # errno of a plain map create: 0 when bpf() works for us


def probe_jit() -> JitUse:
    """Load ``r0 = 0; exit`` and read back its JIT image length (get-info-by-fd)."""
    from bpfdoctor.kernel import info, insns, progs
    from bpfdoctor.kernel.enums import ProgType

    try:
        with progs.load_program(ProgType.SOCKET_FILTER, insns.return_imm(0), name="bpfdoctor_jit") as p:
            rec = info.prog_info(p, arrays=None)
    except SyscallError as e:
        return JitUse(None, errno=e.errno)
    return JitUse(rec.jited_prog_len > 0, rec.jited_prog_len, rec.xlated_prog_len)


_CONTROL_FAILED = 128  # + errno: a map could not be created even with the limit untouched


def _child_map_create_with_zero_memlock() -> int:
    """In a forked child: soft RLIMIT_MEMLOCK 0, create a 1-entry array. Exit code = errno."""
    from bpfdoctor.kernel.maps import create_map
    from bpfdoctor.kernel.enums import MapType

    code = 0
    try:
        # First with the limit as it is: if even that fails (no privilege),
        # the zero-limit result would say nothing about accounting.
        create_map(MapType.ARRAY, 4, 4, 1).close()
    except SyscallError as e:
        return _CONTROL_FAILED + min(e.errno, 127)
    except BaseException:  # noqa: BLE001
        return 255
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, hard))  # lowering is always allowed
        create_map(MapType.ARRAY, 4, 4, 1).close()
    except SyscallError as e:
        code = min(e.errno, 255)
    except BaseException:  # noqa: BLE001
        code = 255
    return code


def probe_accounting() -> Accounting:
    """Which memory BPF maps are charged to, found the reliable way: a child
    with a soft memlock limit of 0 creates a tiny map.  EPERM: the rlimit is
    charged (before 5.11, kernel/bpf/syscall.c: bpf_charge_memlock); success:
    the memory cgroup is (5.11+, commit "bpf: switch to memcg-based memory
    accounting").  A fork, so our own limit never changes."""
    from bpfdoctor.kernel.fork import fork_probe

    try:
        pid = fork_probe()
    except OSError as e:
        return Accounting(None, f"could not fork: {e}")
    if pid == 0:
        os._exit(_child_map_create_with_zero_memlock())
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if _CONTROL_FAILED <= code < 255:
        return infer_without_probe(code - _CONTROL_FAILED)
    if code == 0:
        return Accounting("memcg", "probed: a map was created with RLIMIT_MEMLOCK 0")
    if code == E.EPERM:
        return Accounting("rlimit", "probed: map create failed with EPERM under RLIMIT_MEMLOCK 0", code)
    return Accounting(None, f"probe failed: errno {code}", code)


def infer_without_probe(errno: int, release: tuple[int, int, int] | None = None) -> Accounting:
    """No map can be created at all (EPERM: no privilege), so the probe cannot
    tell: decide from evidence that needs no privilege, the kernel version,
    and say it is inferred."""
    if release is None:
        from bpfdoctor.host.kernel_info import version_tuple

        release = version_tuple(os.uname().release)
    acct = infer_accounting(release)
    name = E.errorcode.get(errno, str(errno))
    return Accounting(acct.mode, f"{acct.how}; not probed: creating any map fails here ({name})", errno)


def infer_accounting(release: tuple[int, int, int]) -> Accounting:
    """Without probing, the kernel version decides (memcg since 5.11)."""
    mode = "memcg" if release >= (5, 11, 0) else "rlimit"
    return Accounting(mode, "inferred from the kernel version (memcg accounting since 5.11)")


def gather_live(*, features: bool = True, kern_version: int = 0) -> LiveFacts:
    """Run the live probes.  Helper probes start first (forked) inside probe_all."""
    done: dict = {}

    def others() -> None:  # runs while the forked helper probes work
        done["jit"] = probe_jit()
        done["acct"] = probe_accounting()

    feats = None
    if features:
        from bpfdoctor.doctor.probe_cache import cached_features

        def probe():  # imported only when the per-boot cache has no answer
            from bpfdoctor.kernel.probes import probe_all

            return probe_all(kern_version=kern_version, meanwhile=others)

        feats = cached_features(probe, kern_version)
    if "jit" not in done:  # no probes, or their answer came from the per-boot cache
        others()
    return LiveFacts(done["jit"], done["acct"], feats, done["jit"].errno)
