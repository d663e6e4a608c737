"""Kernel release and build configuration."""

from __future__ import annotations

import os

from bpfdoctor.host._files import read_text
from bpfdoctor.record import field, record


def kernel_release(root: str | os.PathLike = "/") -> str:
    """``uname -r`` as the kernel reports it under ``root``."""
    text = read_text(root, "/proc/sys/kernel/osrelease")
    if text is not None:
        return text.strip()
    return os.uname().release if os.fspath(root) == "/" else "unknown"


def version_tuple(release: str) -> tuple[int, int, int]:
    r"""``6.18.44-fc`` -> (6, 18, 44); missing parts are 0.  Reads what
    ``re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", release)`` would, without
    compiling it on every ``load``."""
    out = [0, 0, 0]
    i = 0
    for k in range(3):
        if k and not release.startswith(".", i):
            break
        start = i + (1 if k else 0)
        end = start
        while end < len(release) and release[end].isdecimal():  # \d: Unicode decimal digits
            end += 1
        if end == start:
            break
        out[k] = int(release[start:end])
        i = end
    return out[0], out[1], out[2]


def version_code(release: str) -> int:
    """LINUX_VERSION_CODE, as kprobe programs had to pass it before 5.0."""
    a, b, c = version_tuple(release)
    return (a << 16) + (b << 8) + min(c, 255)


@record
class KernelConfig:
    """``CONFIG_*`` values (``y``/``m``/string); ``source`` is where they came from,
    None when no config could be found (then nothing can be said)."""

    source: str | None
    values: dict[str, str] = field(default_factory=dict)

    def get(self, option: str) -> str | None:
        return self.values.get(option if option.startswith("CONFIG_") else "CONFIG_" + option)


def parse_config(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("CONFIG_") and "=" in line:
            key, _, value = line.partition("=")
            values[key] = value.strip().strip('"')
    return values


def kernel_config(root: str | os.PathLike = "/", release: str | None = None) -> KernelConfig:
    """The config of the running kernel: ``/boot/config-$(uname -r)``, then
    ``/proc/config.gz`` (CONFIG_IKCONFIG_PROC), the order bpftool uses."""
    release = release or kernel_release(root)
    boot = f"/boot/config-{release}"
    text = read_text(root, boot)
    if text is not None:
        return KernelConfig(boot, parse_config(text))
    import zlib  # only when /boot has no config; zlib alone (gzip brings pathlib's cost)

    try:
        with open(os.path.join(root, "proc/config.gz"), "rb") as f:
            data = f.read()
        text = zlib.decompress(data, wbits=31).decode(errors="replace")  # 31: gzip framing
    except (OSError, zlib.error):
        return KernelConfig(None)
    return KernelConfig("/proc/config.gz", parse_config(text))
