"""Verifier/BTF log buffers shared by program and BTF loads."""

from __future__ import annotations

import ctypes


class LogBuffer:
    """A zeroed byte buffer the kernel writes its log into."""

    __slots__ = ("buf", "size")

    def __init__(self, size: int) -> None:
        # The kernel refuses log buffers under 128 bytes or over UINT_MAX >> 2
        # (kernel/bpf/log.c: bpf_vlog_init).
        self.size = max(128, min(size, (1 << 30) - 1))
        self.buf = ctypes.create_string_buffer(self.size)

    @property
    def address(self) -> int:
        return ctypes.addressof(self.buf)

    def text(self) -> str:
        return self.buf.value.decode("utf-8", "replace")


def summarize(log: str) -> str:
    """The verifier's own last words: the last line that is not a statistic."""
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    for line in reversed(lines):
        if not line.startswith(("processed ", "verification time", "stack depth", "mark_precise",
                                "-- END PROG LOAD LOG --")):
            return line
    return lines[-1] if lines else "no verifier log"
