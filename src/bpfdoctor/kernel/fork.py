"""``os.fork`` for probe children that Ctrl-C cannot split from their parent.

* SIGINT is blocked across the fork: a Ctrl-C that lands inside the at-fork
  handlers (logging's ``_releaseLock``) would be raised there and dropped
  ("Exception ignored in ..."), and the run would go on as if nothing was
  pressed.  Blocked, it stays pending and is raised in the parent right
  after the fork, in our code.
* The child restores SIGINT's default action (Ctrl-C ends it without a
  traceback) and asks the kernel to kill it when its parent dies
  (``PR_SET_PDEATHSIG``, prctl(2)), so no probe child outlives bpfdoctor.
"""

from __future__ import annotations

import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1  # include/uapi/linux/prctl.h


def fork_probe() -> int:
    """Fork; 0 in the child, the child's pid in the parent (OSError as os.fork)."""
    parent = os.getpid()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
        raise
    if pid == 0:
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except BaseException:  # noqa: BLE001 - the child must never return into the parent's code
            os._exit(1)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
        return 0
    signal.pthread_sigmask(signal.SIG_SETMASK, old)  # a pending Ctrl-C is raised here
    return pid
