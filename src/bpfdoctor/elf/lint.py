"""What a modern loader (libbpf 1.0+) or the kernel will refuse in an object,
found without loading it; each a ``Finding`` with the fix."""

from __future__ import annotations

from bpfdoctor.elf.progtypes import suggest_section
from bpfdoctor.findings import Finding, Severity

# kernel/module/main.c license_is_gpl_compatible (used by bpf_prog_load).
GPL_COMPATIBLE = ("GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL",
                  "Dual MPL/GPL")
_LIBBPF_LEGACY = "https://github.com/libbpf/libbpf/wiki/Libbpf:-the-road-to-v1.0"


def object_findings(obj) -> list[Finding]:
    out: list[Finding] = []
    out += _legacy_maps(obj)
    out += _unknown_sections(obj)
    out += _license(obj)
    out += _btf(obj)
    out += _map_problems(obj)
    return out


def _legacy_maps(obj) -> list[Finding]:
    legacy = [m for m in obj.maps if m.source == "legacy"]
    if not legacy:
        return []
    m = legacy[0]
    example = (f"struct {{\n    __uint(type, BPF_MAP_TYPE_{m.type_name.upper()});\n"
               f"    __uint(max_entries, {m.max_entries});\n    __uint(key_size, {m.key_size});\n"
               f"    __uint(value_size, {m.value_size});\n}} {m.name} SEC(\".maps\");")
    return [Finding(
        id="legacy-maps-section", severity=Severity.WARN, area="maps",
        summary=f"{len(legacy)} map(s) defined in the legacy 'maps' section "
                f"({', '.join(x.name for x in legacy)}); libbpf 1.0+ refuses to load this object",
        evidence={"maps": [x.name for x in legacy]},
        fix="define the maps with BTF in SEC(\".maps\") (bpf_helpers.h __uint/__type), e.g.\n" + example,
        reference=_LIBBPF_LEGACY,
        detail="libbpf removed support for 'struct bpf_map_def' in SEC(\"maps\") in v1.0; "
               "bpftool, iproute2 (>= 6.x with libbpf) and cilium/ebpf need BTF-defined maps.")]


def _unknown_sections(obj) -> list[Finding]:
    out = []
    for p in obj.programs:
        if p.sectype is not None:
            continue
        better = suggest_section(p.section)
        out.append(Finding(
            id="unknown-section-name", severity=Severity.WARN, area="programs",
            summary=f"program {p.name} is in section '{p.section}', which no libbpf 1.0+ rule "
                    f"recognises: its program type cannot be derived",
            evidence={"program": p.name, "section": p.section},
            fix=(f'rename it: SEC("{better}")' if better else
                 'use a section name libbpf knows (SEC("xdp"), SEC("tc"), SEC("kprobe/FUNC"), ...)')
                + " or set the type explicitly (bpftool prog load ... type TYPE)",
            reference="https://docs.kernel.org/bpf/libbpf/program_types.html"))
    return out


def _gpl_helper_calls(obj) -> dict[str, list[str]]:
    """program -> GPL-only helpers it calls (helper calls are src_reg 0)."""
    from bpfdoctor.elf.gpl_helpers import GPL_ONLY_HELPERS
    from bpfdoctor.isa.helpers import HELPER_NAMES

    out: dict[str, list[str]] = {}
    for p in obj.functions:
        names = sorted({HELPER_NAMES.get(i.imm, f"helper#{i.imm}") for i in obj.instructions(p)
                        if i.code == 0x85 and i.src == 0 and i.imm in GPL_ONLY_HELPERS})
        if names:
            out[p.name] = names
    return out


def _license(obj) -> list[Finding]:
    lic = obj.license
    gpl_ok = lic in GPL_COMPATIBLE
    if gpl_ok:
        return []
    calls = _gpl_helper_calls(obj)
    if calls:
        first = next(iter(calls.items()))
        what = "no license section" if lic is None else f"license '{lic}' is not GPL-compatible"
        return [Finding(
            id="gpl-helpers-without-gpl-license", severity=Severity.FAIL, area="license",
            summary=f"{what}, but {len(calls)} function(s) call GPL-only helpers "
                    f"(e.g. {first[0]}: {', '.join(first[1])}); the verifier will refuse them",
            evidence={"license": lic, "gpl_only_calls": calls},
            fix='char LICENSE[] SEC("license") = "GPL";  /* or "Dual BSD/GPL" */',
            reference="kernel/bpf/verifier.c: check_helper_call (cannot call GPL-restricted function)")]
    if lic is None:
        return [Finding(
            id="missing-license", severity=Severity.WARN, area="license",
            summary="no license section: the program is treated as proprietary and cannot call "
                    "GPL-only helpers (none are called now)",
            fix='char LICENSE[] SEC("license") = "GPL";', reference="Documentation/bpf/bpf_licensing.rst")]
    return []


def _btf(obj) -> list[Finding]:
    if obj.has_btf:
        return []
    return [Finding(
        id="no-btf", severity=Severity.INFO, area="btf",
        summary="the object has no .BTF: no BTF-defined maps, CO-RE, BTF line info or bpftool "
                "source annotation",
        fix="build with clang -g -O2 -target bpf (the -g emits .BTF and .BTF.ext)",
        reference="Documentation/bpf/btf.rst")]


def _map_problems(obj) -> list[Finding]:
    out = []
    for m in obj.maps:
        for problem in m.problems:
            out.append(Finding(id="map-definition-problem", severity=Severity.WARN, area="maps",
                               summary=f"map {m.name}: {problem}", evidence={"map": m.name}))
    return out
