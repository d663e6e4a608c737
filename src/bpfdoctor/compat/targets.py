"""Target kernels for ``compat``: a kernel's BTF with what else is known about
it (release, config, symbol names).

``target_from_bytes`` is pure (bytes in, ``Target`` out).  ``load_target``
reads files the user named; the running kernel's facts (its
``/sys/kernel/btf/vmlinux``, release, config and ``/proc/kallsyms``) are read
by ``bpfdoctor.host.compat_target`` and handed in.
"""

from __future__ import annotations

import os
import re
import zlib
from dataclasses import dataclass, field

from bpfdoctor.btf.reader import Btf, parse_btf
from bpfdoctor.compat.image import extract, gunzip
from bpfdoctor.errors import InputError

# a compiler clone's suffix: GCC's .isra/.constprop/.part/.cold, LLVM's .llvm
_CLONE = re.compile(r"^(.+?)\.(isra|constprop|part|cold|llvm)(\.\d+)*")
_RELEASE = re.compile(r"^(\d{1,9})\.(\d{1,9})(?:\.(\d{1,9}))?")


@dataclass(slots=True)
class Target:
    """One kernel to check against.  ``symbols`` (kallsyms names) is known
    only for the running kernel or when a System.map is given."""

    name: str
    btf: Btf
    release: str | None = None
    config: dict[str, str] | None = None
    symbols: frozenset[str] | None = None
    source: str | None = None
    _enums: dict = field(default_factory=dict, repr=False)
    _by_essential: dict | None = field(default=None, repr=False)
    _clones: dict | None = field(default=None, repr=False)

    def ids(self, name: str, kind: int | None = None) -> list[int]:
        """Type ids called ``name`` (of ``kind``), from one name index per target:
        checking many objects against a kernel makes thousands of lookups."""
        ids = self.btf.name_index().get(name, ())
        return [i for i in ids if kind is None or self.btf.kind(i) == kind]

    def essential_ids(self, ess: str) -> list[int]:
        """Ids of types whose name without a ``___flavor`` suffix is ``ess``."""
        index = self.btf.name_index()
        if self._by_essential is None:
            # Only names with "___" can have a shorter essential name; kernels
            # have a handful, so the rest is a plain name lookup.
            from bpfdoctor.btf.core_spec import essential_name

            flavored: dict[str, list[int]] = {}
            for name, tids in index.items():
                if "___" in name:
                    e = essential_name(name)
                    if e != name:
                        flavored.setdefault(e, []).extend(tids)
            self._by_essential = flavored
        extra = self._by_essential.get(ess)
        ids = list(index.get(ess, ()))
        return sorted(ids + extra) if extra else ids

    def symbol_clones(self, name: str) -> list[str]:
        """Sorted compiler clones of ``name`` in the symbols (``name.isra.0``,
        ``name.constprop.0``...), from one index per target: a scan of
        200,000 kallsyms per missing kprobe took 45 ms each."""
        if self.symbols is None:
            return []
        if self._clones is None:
            index: dict[str, list[str]] = {}
            for sym in self.symbols:
                if "." in sym and _CLONE.match(sym):
                    dot = sym.find(".")
                    while dot >= 0:  # every name the symbol starts with, then a dot
                        index.setdefault(sym[:dot], []).append(sym)
                        dot = sym.find(".", dot + 1)
            self._clones = {k: sorted(v) for k, v in index.items()}
        return self._clones.get(name, [])

    @property
    def version(self) -> tuple[int, int, int] | None:
        """(major, minor, patch) from the release, None when unknown."""
        if not self.release:
            return None
        m = _RELEASE.match(self.release)
        if not m:
            return None
        return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)

    def enum(self, name: str) -> dict[str, int]:
        """Enumerators of the target's ``enum name`` (empty if it has none)."""
        got = self._enums.get(name)
        if got is None:
            got = {}
            for tid in self.btf.find_ids(name):
                t = self.btf.type(tid)
                if t.is_enum:
                    got = {v.name: v.value for v in t.values}
                    break
            self._enums[name] = got
        return got


def parse_config(text: str) -> dict[str, str]:
    """``CONFIG_X=y`` lines -> {"X": "y"}; '# CONFIG_X is not set' -> absent."""
    out = {}
    for line in text.splitlines():
        if line.startswith("CONFIG_") and "=" in line:
            k, v = line[7:].split("=", 1)
            out[k] = v.strip().strip('"')
    return out


# A kernel config is about 300 KB; a gzip one that unpacks past this is not one.
MAX_CONFIG = 64 << 20


def read_config(path: str) -> dict[str, str]:
    """A kernel config file, gzip-compressed (``/proc/config.gz``) or not."""
    data = _read(path, "a kernel config")
    if data[:2] == b"\x1f\x8b":
        try:
            data = gunzip(data, MAX_CONFIG, whole=True)
        except (zlib.error, EOFError) as e:
            raise InputError(path, f"bad gzip data ({e})") from None
        except InputError as e:
            raise InputError(path, e.problem) from None
    text = data.decode("utf-8", "replace")
    cfg = parse_config(text)
    if not cfg:
        raise InputError(path, "not a kernel config (no CONFIG_ lines)")
    return cfg


def read_system_map(path: str) -> frozenset[str]:
    """Symbol names of a ``System.map`` or ``/proc/kallsyms`` copy."""
    names = set()
    for line in _read(path, "a System.map").decode("utf-8", "replace").splitlines():
        parts = line.split()
        if len(parts) >= 3:
            names.add(parts[2])
    if len(names) < 10:
        raise InputError(path, "no symbols (Debian ships the real System.map in the -dbg package)")
    return frozenset(names)


def target_from_bytes(data: bytes, path: str, *, name: str | None = None, release: str | None = None,
                      config: dict[str, str] | None = None) -> Target:
    blob = extract(data, path)
    if config is None and blob.config:
        config = parse_config(blob.config)
    rel = release or blob.release
    btf = parse_btf(blob.btf, path=path)
    return Target(name or rel or os.path.basename(path), btf, rel, config, blob.symbols, source=path)


def load_target(path: str, *, config_path: str | None = None, release: str | None = None) -> Target:
    """A target from a BTF file, vmlinux, bzImage or .deb (with an optional config)."""
    cfg = read_config(config_path) if config_path else None
    if cfg is None:
        cfg = _sibling_config(path)
    return target_from_bytes(_read(path, "kernel BTF or image"), path, release=release, config=cfg)


def _sibling_config(path: str) -> dict[str, str] | None:
    """``/boot/config-R`` next to ``/boot/vmlinuz-R``, as distributions install them."""
    d, base = os.path.split(path)
    for prefix in ("vmlinuz-", "vmlinux-"):
        if base.startswith(prefix):
            cand = os.path.join(d, "config-" + base[len(prefix):])
            if os.path.isfile(cand):
                return read_config(cand)
    return None


def _read(path: str, what: str) -> bytes:
    if os.path.isdir(path):
        raise InputError(path, f"is a directory, not {what}")
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None


def option_at(vals, i: int) -> str | None:
    """The i-th of a per-target option (``--config``, ``--release``...); "-" or
    none given keeps what the file says."""
    return vals[i] if i < len(vals) and vals[i] not in ("-", "") else None


def file_targets(btf_files, configs=(), maps=(), releases=()) -> list[Target]:
    """One target per file, paired with the i-th config, System.map and
    release; two files of one release are told apart by their position."""
    out = []
    for i, path in enumerate(btf_files):
        t = load_target(path, config_path=option_at(configs, i), release=option_at(releases, i))
        if option_at(maps, i):
            t.symbols = read_system_map(maps[i])
        out.append(t)
    names = [t.name for t in out]
    for i, t in enumerate(out):
        if names.count(t.name) > 1:
            t.name = f"{t.name}#{i + 1}"
    return out
