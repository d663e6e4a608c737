"""Where bpfdoctor keeps what does not change until the next boot.

``$XDG_CACHE_HOME/bpfdoctor`` (``~/.cache/bpfdoctor`` when unset), keyed by
the kernel's boot id (``/proc/sys/kernel/random/boot_id``, a fresh UUID at
every boot: drivers/char/random.c).  Users: doctor/probe_cache.py (feature
probe answers) and kernel/loader/btfindex.py (the vmlinux BTF index).
"""

from __future__ import annotations

import os

BOOT_ID = "/proc/sys/kernel/random/boot_id"


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "bpfdoctor")


def boot_id(path: str = BOOT_ID) -> str | None:
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    # a UUID; anything else is not used in a file name
    return text if text and all(c in "0123456789abcdef-" for c in text) else None


def open_own(path: str):
    """The file opened for binary reading if it is a regular file owned by
    us (not a symlink), else None: a cache another user could write is not
    trusted."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    st = os.fstat(fd)
    if st.st_uid != os.geteuid() or not (st.st_mode & 0o170000) == 0o100000:
        os.close(fd)
        return None
    return os.fdopen(fd, "rb")


def write_atomic(name: str, data: bytes, *, stale_prefix: str | None = None) -> None:
    """Write ``cache_dir()/name`` through a temp file and a rename; remove
    other files starting with ``stale_prefix`` (earlier boots).  Errors are
    swallowed: a cache that cannot be written only costs the next run time."""
    import tempfile

    directory = cache_dir()
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(directory, name))
        if stale_prefix:
            for other in os.listdir(directory):
                if other.startswith(stale_prefix) and other != name:
                    os.unlink(os.path.join(directory, other))
    except OSError:
        pass
