"""File descriptors owned by objects.

Every descriptor bpfdoctor gets from the kernel is wrapped at once in an
:class:`OwnedFd` (or a subclass), which closes it exactly once: on
``close()``, on leaving a ``with`` block, or, as a last resort, when garbage
collected.  Nothing is left in the kernel by accident.
"""

from __future__ import annotations

from bpfdoctor.kernel import syscall
from bpfdoctor.lazylog import get_logger

log = get_logger(__name__)


class OwnedFd:
    """A descriptor and the duty to close it."""

    __slots__ = ("_fd", "__weakref__")
    kind = "fd"

    def __init__(self, fd: int) -> None:
        self._fd = fd

    @property
    def fd(self) -> int:
        if self._fd < 0:
            raise ValueError(f"{self.kind} is closed")
        return self._fd

    @property
    def closed(self) -> bool:
        return self._fd < 0

    def close(self) -> None:
        fd, self._fd = self._fd, -1
        if fd >= 0:
            syscall.close_fd(fd)

    def detach(self) -> int:
        """Give the descriptor away: the caller now owns it."""
        fd, self._fd = self.fd, -1
        return fd

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_fd", -1) >= 0:
            log.debug("%s fd %d closed by the garbage collector", self.kind, self._fd)
            self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} fd={self._fd}>"
