"""Feature probe results, cached for the rest of the boot.

``check`` probes every program type, map type and helper/program-type pair
(about four thousand loads), which is most of its time.  None of it changes
until the kernel does, so the answer is kept in
``$XDG_CACHE_HOME/bpfdoctor/probes-<boot id>.json`` (``~/.cache`` when unset)
and reused while everything it depends on is the same: the boot
(``/proc/sys/kernel/random/boot_id``), the kernel version the probes were
told, who asks (effective uid and capabilities), the lockdown mode, and the
tables of this bpfdoctor (its version and how many types and helpers it
knows).  Probes refused with EPERM are kept like the others: who asks is in
the key.  An answer without a single helper (bpf() refused nearly everything)
is not kept: probing again is cheap then.  ``check --no-cache`` probes anew
(and refreshes the file).  A file that is unreadable, malformed, not ours or
for another key is ignored, never an error.
"""

from __future__ import annotations

import os

from bpfdoctor.host import cache as host_cache
from bpfdoctor.lazylog import get_logger

log = get_logger(__name__)

BOOT_ID = host_cache.BOOT_ID
FORMAT = 1
_enabled = True


def set_enabled(enabled: bool) -> None:
    """``check --no-cache``: probe, and rewrite the cache with the new answer."""
    global _enabled
    _enabled = enabled


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _cap_eff() -> str | None:
    for line in (_read("/proc/self/status") or "").splitlines():
        if line.startswith("CapEff:"):
            return line.split()[1]
    return None


def cache_key(kern_version: int) -> dict | None:
    """What the answer depends on; None when there is no boot id to key by."""
    from bpfdoctor import __version__
    from bpfdoctor.kernel.enums import member_count

    boot = host_cache.boot_id(BOOT_ID)
    if not boot:
        return None
    return {"format": FORMAT, "boot_id": boot, "bpfdoctor": __version__, "kern_version": kern_version,
            "euid": os.geteuid(), "cap_eff": _cap_eff(), "lockdown": _read("/sys/kernel/security/lockdown"),
            "tables": [member_count(n) for n in ("ProgType", "MapType", "BpfFunc")]}


def _path(key: dict) -> str:
    return os.path.join(host_cache.cache_dir(), f"probes-{key['boot_id']}.json")


def _to_json(features) -> dict:
    probes = lambda ps: [[p.name, p.available, p.errno, p.detail] for p in ps]  # noqa: E731
    return {"prog_types": probes(features.prog_types), "map_types": probes(features.map_types),
            "helpers": features.helpers, "helpers_unavailable": features.helpers_unavailable,
            "misc": probes(features.misc), "load_count": features.load_count}


def _from_json(data: dict):
    from bpfdoctor.kernel.probe_types import Features, Probe

    probes = lambda rows: tuple(Probe(str(n), a, int(e), str(d)) for n, a, e, d in rows)  # noqa: E731
    helpers = lambda d: {str(k): tuple(map(str, v)) for k, v in d.items()}  # noqa: E731
    return Features(probes(data["prog_types"]), probes(data["map_types"]), helpers(data["helpers"]),
                    helpers(data["helpers_unavailable"]), probes(data["misc"]), int(data["load_count"]))


def load(key: dict):
    """The cached Features for ``key``, or None."""
    path = _path(key)
    f = host_cache.open_own(path)
    if f is None:
        return None
    import json  # here: check --no-probe never needs it

    try:
        with f:
            data = json.load(f)
        if data.get("key") != key:
            return None
        return _from_json(data["features"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.debug("probe cache %s ignored: %s", path, e)
        return None


def store(key: dict, features) -> None:
    """Write atomically; probe answers of earlier boots are removed."""
    if not features.helpers:  # bpf() refused us nearly everything: probing again is cheap
        return
    import json

    host_cache.write_atomic(os.path.basename(_path(key)),
                            json.dumps({"key": key, "features": _to_json(features)}).encode(),
                            stale_prefix="probes-")


def cached_features(probe, kern_version: int):
    """``probe()`` (which returns kernel.probes.Features), or its answer from
    earlier in this boot."""
    key = cache_key(kern_version)
    if key is not None and _enabled:
        found = load(key)
        if found is not None:
            log.debug("feature probes from %s", _path(key))
            return found
    features = probe()
    if key is not None:
        store(key, features)
    return features
