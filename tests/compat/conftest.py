"""Targets for the compat tests.

Real kernels: Debian's cloud kernel images, fetched with ``apt-get download``
at test time, their BTF extracted by ``bpfdoctor.compat.image`` and cached
(``$BPFDOCTOR_TEST_CACHE``, else ``$XDG_CACHE_HOME/bpfdoctor-tests``, else
``~/.cache/bpfdoctor-tests``).  Three released kernels: the oldest and the
newest 6.1 and the newest 6.12 the archive has.  Skips with the reason when
apt cannot provide them.

Synthetic kernels: the running kernel's BTF with one thing changed, written
with the BTF writer (``synthetic``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from testlib import BUILD  # noqa: E402

VMLINUX = Path("/sys/kernel/btf/vmlinux")


def cache_dir() -> Path:
    base = os.environ.get("BPFDOCTOR_TEST_CACHE")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(xdg) / "bpfdoctor-tests"


def _apt_packages() -> list[str]:
    """Three cloud kernel packages of different releases, or [] with no apt."""
    if not shutil.which("apt-cache") or not shutil.which("apt-get"):
        return []
    r = subprocess.run(["apt-cache", "search", "--names-only", r"^linux-image-[0-9].*-cloud-amd64-unsigned$"],
                       capture_output=True, text=True, timeout=120)
    names = sorted({line.split()[0] for line in r.stdout.splitlines() if line.strip()},
                   key=lambda n: [int(x) for x in re.findall(r"\d+", n)])
    s61 = [n for n in names if n.startswith("linux-image-6.1.")]
    s612 = [n for n in names if n.startswith("linux-image-6.12.")]
    picked = []
    if s61:
        picked += [s61[0]] + ([s61[-1]] if len(s61) > 1 else [])
    if s612:
        picked.append(s612[-1])
    return picked


def _fetch(pkg: str, into: Path) -> Path | None:
    with tempfile.TemporaryDirectory(prefix="h14-apt-") as tmp:
        r = subprocess.run(["apt-get", "download", pkg], cwd=tmp, capture_output=True, text=True, timeout=900)
        debs = list(Path(tmp).glob("*.deb"))
        if r.returncode != 0 or not debs:
            return None
        dest = into / debs[0].name
        shutil.move(str(debs[0]), dest)
        return dest


@pytest.fixture(scope="session")
def debian_targets():
    """[(release, btf path, config path)] for three Debian kernels, cached."""
    from bpfdoctor.compat.image import extract
    from bpfdoctor.errors import InputError

    root = cache_dir() / "debian-kernels"
    index = root / "index.json"
    if index.exists():
        entries = json.loads(index.read_text())
        if len(entries) >= 3 and all(Path(e[1]).exists() for e in entries):
            return [tuple(e) for e in entries]
    pkgs = _apt_packages()
    if len(pkgs) < 3:
        pytest.skip(f"apt cannot provide three Debian cloud kernel images (found {pkgs})")
    root.mkdir(parents=True, exist_ok=True)
    entries = []
    for pkg in pkgs:
        deb = _fetch(pkg, root)
        if deb is None:
            pytest.skip(f"apt-get download {pkg} failed (no network or no apt lists?)")
        try:
            blob = extract(deb.read_bytes(), str(deb))
        except InputError as e:
            if "has no zstd" not in str(e):  # zstd without the zstandard package
                raise
            pytest.skip(f"cannot extract the BTF of {pkg}: {e}")
        btf = root / f"{blob.release}.btf"
        btf.write_bytes(blob.btf)
        cfg = root / f"{blob.release}.config"
        cfg.write_text(blob.config or "")
        deb.unlink()  # keep the 5 MB of BTF, not the 30 MB package
        entries.append((blob.release, str(btf), str(cfg)))
    index.write_text(json.dumps(entries))
    return entries


@pytest.fixture(scope="session")
def running_btf():
    if not VMLINUX.exists():
        pytest.skip("this kernel has no /sys/kernel/btf/vmlinux")
    from bpfdoctor.btf import parse_btf

    return parse_btf(VMLINUX.read_bytes(), path=str(VMLINUX))


@pytest.fixture(scope="session")
def fixture_obj():
    def get(name: str):
        p = BUILD / f"{name}.o"
        if not p.exists():
            pytest.skip(f"fixture {p.name} is not built (make -C tests/bpf)")
        return p
    return get
