"""Program type and expected attach type from a section name, the way libbpf
1.x decides (libbpf.c ``sec_def_matches``, first match in table order)."""

from __future__ import annotations

from bpfdoctor.record import record

from bpfdoctor.elf.section_defs import SECTION_DEFS


@record
class SectionType:
    """The libbpf ``section_defs[]`` entry a section name matches: its prefix,
    program and expected attach type (enum names without the ``BPF_PROG_TYPE_``
    or ``BPF_`` prefix) and libbpf's flags (``SLEEPABLE``, ``ATTACHABLE``...)."""

    prefix: str
    prog_type: str
    attach_type: str | None
    flags: tuple[str, ...]
    attach_target: str | None  # the part after "prefix/", e.g. the kprobe'd function

    @property
    def sleepable(self) -> bool:
        return "SLEEPABLE" in self.flags


def _matches(prefix: str, name: str) -> bool:
    if prefix.endswith("/"):
        return name.startswith(prefix)
    if prefix.endswith("+"):
        base = prefix[:-1]
        return name == base or name.startswith(base + "/")
    return name == prefix


def section_type(name: str) -> SectionType | None:
    """The matching libbpf section definition, or None if libbpf 1.0+ would
    refuse the section ("missing BPF prog type").  A leading ``?`` (libbpf's
    "not loaded by default", libbpf.c bpf_object__init_prog) is not part of
    the match."""
    name = name[1:] if name.startswith("?") else name
    for prefix, ptype, atype, flags, _added in SECTION_DEFS:
        if _matches(prefix, name):
            base = prefix.rstrip("+")
            target = name[len(base) + 1:] if len(name) > len(base) + 1 and prefix.endswith("+") else None
            return SectionType(prefix, ptype, atype, flags, target)
    return None


def suggest_section(name: str) -> str | None:
    """A recognised section name close to ``name`` (``xdp_prog`` -> ``xdp``,
    ``kprobe_sys_open`` -> ``kprobe/sys_open``), for the fix of a finding."""
    best = None
    for prefix, *_ in SECTION_DEFS:
        base = prefix.rstrip("+/")
        if not name.startswith(base) or len(name) == len(base):
            continue
        sep = name[len(base)]
        if sep not in "_-.:":
            continue
        rest = name[len(base) + 1:]
        cand = f"{base}/{rest}" if prefix.endswith(("+", "/")) and rest and rest not in ("prog", "main") else base
        if best is None or len(base) > len(best[0]):
            best = (base, cand)
    return best[1] if best else None
