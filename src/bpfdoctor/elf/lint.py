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
    out += _corrupted_programs(obj)
    out += _legacy_maps(obj)
    out += _unknown_sections(obj)
    out += _license(obj)
    out += _btf(obj)
    out += _map_problems(obj)
    return out


# BPF_F_* map flags (include/uapi/linux/bpf.h), for a definition a person reads.
_MAP_FLAGS = ("BPF_F_NO_PREALLOC", "BPF_F_NO_COMMON_LRU", "BPF_F_NUMA_NODE", "BPF_F_RDONLY",
              "BPF_F_WRONLY", "BPF_F_STACK_BUILD_ID", "BPF_F_ZERO_SEED", "BPF_F_RDONLY_PROG",
              "BPF_F_WRONLY_PROG", "BPF_F_CLONE", "BPF_F_MMAPABLE", "BPF_F_PRESERVE_ELEMS",
              "BPF_F_INNER_MAP", "BPF_F_LINK", "BPF_F_PATH_FD", "BPF_F_VTYPE_BTF_OBJ_FD",
              "BPF_F_TOKEN_FD", "BPF_F_SEGV_ON_FAULT", "BPF_F_NO_USER_CONV")


def map_flags_expr(flags: int) -> str:
    """``BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE``; unknown bits stay a number."""
    names = [n for i, n in enumerate(_MAP_FLAGS) if flags & (1 << i)]
    rest = flags & ~((1 << len(_MAP_FLAGS)) - 1)
    return " | ".join(names + ([hex(rest)] if rest else [])) or "0"


def btf_map_definition(m) -> str:
    """The BTF-defined equivalent of a legacy ``struct bpf_map_def``, every
    field carried over (libbpf.c parse_btf_map_def reads each of them)."""
    lines = [f"    __uint(type, BPF_MAP_TYPE_{m.type_name.upper()});",
             f"    __uint(max_entries, {m.max_entries});",
             f"    __uint(key_size, {m.key_size});",
             f"    __uint(value_size, {m.value_size});"]
    if m.flags:
        lines.append(f"    __uint(map_flags, {map_flags_expr(m.flags)});")
    if m.flags & 0x4 and m.numa_node is not None:  # BPF_F_NUMA_NODE
        lines.append(f"    __uint(numa_node, {m.numa_node});")
    if m.type in (12, 13) and m.inner_map_idx is not None:  # ARRAY_OF_MAPS, HASH_OF_MAPS
        lines.append(f"    /* inner map: legacy definition #{m.inner_map_idx}; declare it with "
                     "__array(values, struct { ... }) */")
    return "struct {\n" + "\n".join(lines) + f"\n}} {m.name} SEC(\".maps\");"


def _legacy_maps(obj) -> list[Finding]:
    legacy = [m for m in obj.maps if m.source == "legacy"]
    if not legacy:
        return []
    example = "\n".join(btf_map_definition(m) for m in legacy)
    return [Finding(
        id="legacy-maps-section", severity=Severity.WARN, area="maps",
        summary=f"{len(legacy)} map(s) defined in the legacy 'maps' section "
                f"({', '.join(x.name for x in legacy)}); libbpf 1.0+ refuses to load this object",
        evidence={"maps": [x.name for x in legacy]},
        fix="define the maps with BTF in SEC(\".maps\") (bpf_helpers.h __uint/__type), e.g.\n" + example,
        reference=_LIBBPF_LEGACY,
        detail="libbpf removed support for 'struct bpf_map_def' in SEC(\"maps\") in v1.0; "
               "bpftool, iproute2 (>= 6.x with libbpf) and cilium/ebpf need BTF-defined maps.")]


def _corrupted_programs(obj) -> list[Finding]:
    from bpfdoctor.elf.funccheck import INSN_SIZE, corrupted_functions

    bad = corrupted_functions(obj.elf)
    if not bad:
        return []
    sec, sym = bad[0]
    more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    return [Finding(
        id="corrupted-program", severity=Severity.FAIL, area="programs",
        summary=f"function {sym.name!r} in section '{sec.name}' (offset {sym.value}, size {sym.size}) "
                f"is not whole {INSN_SIZE}-byte instructions{more}; libbpf refuses the whole object "
                "(\"corrupted program\")",
        evidence={"functions": [{"section": s.name, "name": f.name, "offset": f.value, "size": f.size}
                                for s, f in bad]},
        fix="rebuild the object with clang -target bpf; a truncated or hand-edited object, or a "
            "symbol table rewritten by another tool, gives functions of this shape",
        reference="libbpf.c bpf_object__add_programs")]


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
