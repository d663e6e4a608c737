"""What the object says about a program, for fixes written in its own names (pure).

The loader (or ``explain --object``) fills a ``ProgramContext``: the
program type, its maps with their type and sizes.  The verifier log itself
adds map names and sizes (``map_ptr(map=events,ks=4,vs=8)``) and helper
names; BTF line_info adds the source text.
"""

from __future__ import annotations

import re

from bpfdoctor.record import field, record
from bpfdoctor.verifier.numbers import num


@record
class MapFacts:
    """What is known of one map, from the object or the verifier log: its type
    name ("" when only the log named the map) and sizes (None when unknown)."""

    name: str
    type: str = ""
    key_size: int | None = None
    value_size: int | None = None
    max_entries: int | None = None


@record
class ProgramContext:
    """What the object says about the program a verifier log is for; fields
    stay empty when there is only the log."""

    prog_type: str | None = None      # bpfdoctor's label: xdp, sched_cls, kprobe, ...
    name: str | None = None
    maps: dict[str, MapFacts] = field(default_factory=dict)
    # CO-RE relocations the loader could not resolve: (instruction, spec text)
    core_failures: tuple[tuple[int, str], ...] = ()
    # sources.SourceCache (or anything with ``lines(path)``): the program's C
    # files, when readable, to find lines that have no instructions
    sources: object = field(default=None, compare=False)

    def map(self, name: str | None) -> MapFacts | None:
        if not name:
            return None
        if name in self.maps:
            return self.maps[name]
        # the kernel keeps 15 characters of a map's name (BPF_OBJ_NAME_LEN - 1)
        for k, v in self.maps.items():
            if k[:15] == name[:15]:
                return v
        return None


# Return codes per program type: what a program may return and what it means
# (include/uapi/linux/bpf.h; the ranges the verifier enforces come from
# kernel/bpf/verifier.c: check_return_code).
RETURN_CODES: dict[str, tuple[str, tuple[tuple[str, int], ...]]] = {
    "xdp": ("an XDP action", (("XDP_ABORTED", 0), ("XDP_DROP", 1), ("XDP_PASS", 2),
                             ("XDP_TX", 3), ("XDP_REDIRECT", 4))),
    "sched_cls": ("a TC action", (("TC_ACT_OK", 0), ("TC_ACT_SHOT", 2), ("TC_ACT_UNSPEC", -1))),
    "sched_act": ("a TC action", (("TC_ACT_OK", 0), ("TC_ACT_SHOT", 2), ("TC_ACT_UNSPEC", -1))),
    "cgroup_skb": ("a verdict", (("drop", 0), ("allow", 1))),
    "cgroup_sock": ("a verdict", (("reject", 0), ("allow", 1))),
    "cgroup_sock_addr": ("a verdict", (("reject", 0), ("allow", 1))),
    "cgroup_sockopt": ("a verdict", (("reject", 0), ("allow", 1))),
    "cgroup_sysctl": ("a verdict", (("reject", 0), ("allow", 1))),
    "cgroup_device": ("a verdict", (("deny", 0), ("allow", 1))),
    "sk_lookup": ("a verdict", (("SK_DROP", 0), ("SK_PASS", 1))),
    "sk_skb": ("a verdict", (("SK_DROP", 0), ("SK_PASS", 1))),
    "sk_msg": ("a verdict", (("SK_DROP", 0), ("SK_PASS", 1))),
    "socket_filter": ("the number of bytes to keep", (("drop", 0),)),
    "kprobe": ("0 (the value is ignored)", (("0", 0),)),
    "tracepoint": ("0 (the value is ignored)", (("0", 0),)),
    "raw_tracepoint": ("0 (the value is ignored)", (("0", 0),)),
    "perf_event": ("0 (the value is ignored)", (("0", 0),)),
    "lsm": ("0 or a negative errno", (("0", 0), ("-EPERM", -1))),
    "tracing": ("0", (("0", 0),)),
}

_PASS = {"xdp": "XDP_PASS", "sched_cls": "TC_ACT_OK", "sched_act": "TC_ACT_OK",
         "cgroup_skb": "1", "cgroup_sock": "1", "cgroup_sock_addr": "1", "cgroup_sockopt": "1",
         "cgroup_sysctl": "1", "cgroup_device": "1", "sk_lookup": "SK_PASS", "sk_skb": "SK_PASS",
         "sk_msg": "SK_PASS", "socket_filter": "0"}


def bail_out(prog_type: str | None) -> str:
    """What an early ``return`` should give for this program type."""
    return _PASS.get(prog_type or "", "0")


def return_codes(prog_type: str | None) -> str | None:
    """``XDP_ABORTED (0), XDP_DROP (1), ...`` for the type, or None when unknown."""
    entry = RETURN_CODES.get(prog_type or "")
    if entry is None:
        return None
    what, codes = entry
    return f"{what}: " + ", ".join(f"{n} ({v})" if n != str(v) else n for n, v in codes)


_MAP_IN_STATE = re.compile(r"map=([^,)\s]+)(?:,ks=(\d{1,6}))?(?:,vs=(\d{1,9}))?")


def map_from_state(value: str) -> MapFacts | None:
    """``map_value(map=table,ks=4,vs=256)`` -> MapFacts(table, key 4, value 256)."""
    m = _MAP_IN_STATE.search(value or "")
    if not m:
        return None
    return MapFacts(m.group(1), key_size=num(m.group(2)) if m.group(2) else None,
                    value_size=num(m.group(3)) if m.group(3) else None)
