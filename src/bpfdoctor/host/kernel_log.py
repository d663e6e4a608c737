"""Read the live kernel log (system code).

Two ways in, tried in order:

1. ``klogctl(SYSLOG_ACTION_READ_ALL)`` (syslog(2)), what
   tools/bpf/bpf_jit_disasm.c ``get_klog_buff`` uses: the whole ring buffer
   as ``<lvl>[  sec.usec] msg`` lines in one call.
2. ``/dev/kmsg`` opened non-blocking: one ``lvl,seq,usec,flags;msg``
   record per read(2) until EAGAIN (Documentation/ABI/testing/dev-kmsg).
   EPIPE means records were overwritten while reading; reading goes on.

Both are refused when ``kernel.dmesg_restrict=1`` and the process lacks
CAP_SYSLOG (kernel/printk/printk.c ``check_syslog_permissions``); the error
says so.  Every call into the kernel goes through ``_klogctl`` or
``_read_device`` so tests can replace them, and ``path``/``root`` point the
readers at files.
"""

from __future__ import annotations

import errno
import os

from bpfdoctor.errors import HostError
from bpfdoctor.lazylog import get_logger
from bpfdoctor.record import record

log = get_logger(__name__)

SYSLOG_ACTION_READ_ALL = 3
SYSLOG_ACTION_SIZE_BUFFER = 10
CAP_SYSLOG = 34
_RECORD_MAX = 8192  # a /dev/kmsg read must fit one record (PRINTK_MESSAGE_MAX + header)


@record
class KernelLog:
    """The log text and how it was read (``klogctl`` or a device path)."""

    text: bytes
    source: str


def _klogctl(action: int, size: int) -> bytes:
    """One syslog(2) call; raises OSError with the kernel's errno."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(max(size, 1))
    rc = libc.klogctl(action, buf if size else None, size)
    if rc < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return buf.raw[:rc] if size else rc.to_bytes(8, "little")


def read_klogctl() -> KernelLog:
    size = int.from_bytes(_klogctl(SYSLOG_ACTION_SIZE_BUFFER, 0), "little")
    return KernelLog(_klogctl(SYSLOG_ACTION_READ_ALL, size), "klogctl")


def _read_device(path: str) -> bytes:
    """All records of a /dev/kmsg-like file, without blocking."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    chunks = []
    try:
        while True:
            try:
                rec = os.read(fd, _RECORD_MAX)
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno == errno.EPIPE:
                    log.debug("%s: records overwritten while reading", path)
                    continue
                if e.errno == errno.EINVAL and not chunks:
                    raise
                break
            if not rec:
                break
            chunks.append(rec if rec.endswith(b"\n") else rec + b"\n")
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_kmsg(path: str = "/dev/kmsg") -> KernelLog:
    return KernelLog(_read_device(path), path)


def read_kernel_log(path: str | None = None, root: str = "/") -> KernelLog:
    """The kernel log: ``path`` if given (a /dev/kmsg-like file), else
    klogctl, else /dev/kmsg.  Raises ``HostError`` naming why not."""
    if path is not None:
        try:
            return read_kmsg(path)
        except OSError as e:
            raise HostError(f"{path}: cannot read the kernel log: {os.strerror(e.errno)}") from e
    failures = []
    try:
        return read_klogctl()
    except OSError as e:
        failures.append(("klogctl(SYSLOG_ACTION_READ_ALL)", e.errno))
    kmsg = os.path.join(root, "dev/kmsg")
    try:
        return read_kmsg(kmsg)
    except OSError as e:
        failures.append((kmsg, e.errno))
    raise _denied(failures, root)


def _denied(failures: list[tuple[str, int]], root: str) -> HostError:
    tried = "; ".join(f"{what}: {errno.errorcode.get(err, err)}" for what, err in failures)
    restrict = _dmesg_restrict(root)
    has_cap = _has_cap_syslog(root)
    if restrict == 1 and has_cap is False:
        why = "kernel.dmesg_restrict=1 and this process lacks CAP_SYSLOG"
        hint = "run as root (or with CAP_SYSLOG), or save the log with 'sudo dmesg > log.txt' and pass the file"
    elif any(err in (errno.EPERM, errno.EACCES) for _, err in failures):
        why = "permission denied (a security module or container may restrict the kernel log)"
        hint = "save the log elsewhere ('journalctl -k > log.txt') and pass the file"
    else:
        why = "the kernel log is not available here"
        hint = "pass a saved log file instead"
    return HostError(f"cannot read the kernel log: {why} ({tried})", hint=hint)


def _dmesg_restrict(root: str) -> int | None:
    try:
        with open(os.path.join(root, "proc/sys/kernel/dmesg_restrict")) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def _has_cap_syslog(root: str) -> bool | None:
    try:
        with open(os.path.join(root, "proc/self/status")) as f:
            for line in f:
                if line.startswith("CapEff:"):
                    return bool(int(line.split()[1], 16) >> CAP_SYSLOG & 1)
    except (OSError, ValueError):
        return None
    return None
