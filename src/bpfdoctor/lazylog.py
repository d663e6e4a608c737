"""Loggers that import ``logging`` only when a record could be shown.

``logging`` (with traceback, threading, string, weakref) is a noticeable
part of a short command's start-up, and bpfdoctor only logs at debug level
in normal runs.  ``get_logger(name)`` returns a stand-in for
``logging.getLogger(name)``: while nothing has imported ``logging`` (no
``--debug``, no application configuring it), no handler exists that could
show a debug or info record, so those calls return at once; warnings and
errors, which ``logging``'s last-resort handler prints, and every call once
``logging`` is imported, go to the real logger.
"""

from __future__ import annotations

import sys


class LazyLogger:
    __slots__ = ("name", "_logger")

    def __init__(self, name: str) -> None:
        self.name = name
        self._logger = None

    def _real(self):
        if self._logger is None:
            import logging

            self._logger = logging.getLogger(self.name)
        return self._logger

    def debug(self, msg, *args, **kwargs) -> None:
        if self._logger is not None or "logging" in sys.modules:
            self._real().debug(msg, *args, **kwargs)

    def info(self, msg, *args, **kwargs) -> None:
        if self._logger is not None or "logging" in sys.modules:
            self._real().info(msg, *args, **kwargs)

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 - logging's name
        if self._logger is None and "logging" not in sys.modules and level < 30:
            return False
        return self._real().isEnabledFor(level)

    def __getattr__(self, attr: str):
        # warning, error, exception, critical, log, setLevel, handlers...
        return getattr(self._real(), attr)


def get_logger(name: str) -> LazyLogger:
    return LazyLogger(name)
