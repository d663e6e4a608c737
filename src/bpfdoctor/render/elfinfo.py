"""``bpfdoctor elf info``: the summary of an object, as text lines and JSON."""

from __future__ import annotations

from bpfdoctor.elf.object import PIN_NAMES, BpfObject
from bpfdoctor.render.findings import finding_lines
from bpfdoctor.render.table import columns


def _version(v: int) -> str:
    return f"{v >> 16}.{(v >> 8) & 0xFF}.{v & 0xFF} ({v:#08x})"


# Style tag of table rows: a terminal too narrow crops them whole rather
# than breaking them into half rows (render.findings.print_rich).
TABLE = "table"


def _table(header: tuple[str, ...], rows: list[tuple]) -> list[str]:
    return columns([header, *rows], indent="  ")


def core_relocations(obj: BpfObject) -> list[dict]:
    """Each program's CO-RE relocations, rendered the way libbpf logs the local spec."""
    ext = obj.btf_ext
    if ext is None or not ext.core_relos:
        return []
    from bpfdoctor.btf.core_spec import parse_spec
    from bpfdoctor.errors import BpfDoctorError

    progs = obj.functions
    out = []
    for sec, relos in ext.core_relos.items():
        for r in relos:
            owner = next((p.name for p in progs if p.section == sec
                          and p.first_insn <= r.insn < p.first_insn + p.insn_count), None)
            try:
                spec = parse_spec(obj.btf, r.type_id, r.access, r.kind).format()
            except BpfDoctorError as e:
                spec = f"[{r.type_id}] {r.access} (unparsed: {e})"
            out.append({"program": owner, "section": sec, "insn": r.insn, "kind": r.kind.libbpf_name,
                        "spec": spec})
    return out


def info_dict(obj: BpfObject, display: str, findings=None) -> dict:
    """``elf info --json``; ``findings``: the object's, if already made (``obj.findings()``)."""
    if findings is None:
        findings = obj.findings()
    return {
        "file": display,
        "byte_order": "little" if obj.little_endian else "big",
        "license": obj.license,
        "kern_version": obj.kern_version,
        "btf": obj.has_btf,
        "btf_ext": obj.has_btf_ext,
        "programs": [_prog(obj, p) for p in obj.programs],
        "subprograms": [_prog(obj, p) for p in obj.subprograms],
        "maps": [m.to_dict() for m in obj.maps],
        "data_sections": [{"name": d.name, "kind": d.kind, "size": d.size, "writable": d.writable,
                           "variables": list(d.variables)} for d in obj.data_sections],
        "externs": [{"name": e.name, "kind": e.kind, "weak": e.weak} for e in obj.externs],
        "core_relocations": core_relocations(obj),
        "findings": [f.to_dict() for f in findings],
    }


def _lower(name: str | None) -> str | None:
    return name.lower() if name else name


def _prog(obj: BpfObject, p) -> dict:
    st = p.sectype
    # kernel-style lower-case names, as `load --json` and bpftool spell them
    return {"name": p.name, "section": p.section, "type": _lower(p.prog_type),
            "attach_type": _lower(p.attach_type),
            "attach_target": st.attach_target if st else None, "sleepable": bool(st and st.sleepable),
            "global": p.is_global, "insns": p.insn_count, "bytes": p.size, "first_insn": p.first_insn}


def info_lines(info: dict) -> list[tuple[str, str | None]]:
    """(line, style) pairs for people."""
    out: list[tuple[str, str | None]] = []
    add = lambda text, style=None: out.append((text, style))  # noqa: E731
    n_p, n_m = len(info["programs"]), len(info["maps"])
    add(f"{info['file']}: BPF object, {info['byte_order']} endian, {n_p} program{'s' * (n_p != 1)}, "
        f"{n_m} map{'s' * (n_m != 1)}", "bold")
    add(f"  license  {info['license'] if info['license'] is not None else '(none)'}")
    if info["kern_version"] is not None:
        add(f"  version  {_version(info['kern_version'])}  (ignored by libbpf 1.0+ and kernels >= 5.0)")
    add(f"  BTF      {'.BTF' if info['btf'] else 'no .BTF'}, {'.BTF.ext' if info['btf_ext'] else 'no .BTF.ext'}")
    if info["programs"]:
        add("")
        add("Programs", "bold")
        for line in _table(("NAME", "SECTION", "TYPE", "ATTACH TYPE", "INSNS", "BYTES"),
                           [(p["name"], p["section"], p["type"] or "? (unknown section)",
                             p["attach_type"], p["insns"], p["bytes"]) for p in info["programs"]]):
            add(line, TABLE)
    if info["subprograms"]:
        add("")
        add("Subprograms (.text, called from programs)", "bold")
        for line in _table(("NAME", "LINKAGE", "INSNS", "BYTES"),
                           [(p["name"], "global" if p["global"] else "static", p["insns"], p["bytes"])
                            for p in info["subprograms"]]):
            add(line, TABLE)
    if info["maps"]:
        add("")
        add("Maps", "bold")
        rows = []
        for m in info["maps"]:
            key = m["key_size"] if not m["key_type"] else f"{m['key_size']} ({m['key_type']})"
            val = m["value_size"] if not m["value_type"] else f"{m['value_size']} ({m['value_type']})"
            typ = m["type"] if not m["inner"] else f"{m['type']} of {m['inner']['type']}"
            rows.append((m["name"], typ, key, val, m["max_entries"], f"{m['flags']:#x}", m["pinning"],
                         m["source"]))
        for line in _table(("NAME", "TYPE", "KEY", "VALUE", "MAX_ENTRIES", "FLAGS", "PINNING", "DEFINED IN"),
                           rows):
            add(line, TABLE)
    if info["data_sections"]:
        add("")
        add("Global data", "bold")
        for line in _table(("SECTION", "SIZE", "ACCESS", "VARIABLES"),
                           [(d["name"], d["size"], "read-write" if d["writable"] else "read-only",
                             ", ".join(d["variables"]) or "-") for d in info["data_sections"]]):
            add(line, TABLE)
    if info["externs"]:
        add("")
        add("Externs (resolved by the loader: kfuncs, __ksym, __kconfig)", "bold")
        for line in _table(("NAME", "KIND", "WEAK"),
                           [(e["name"], e["kind"], "yes" if e["weak"] else "no") for e in info["externs"]]):
            add(line, TABLE)
    if info["core_relocations"]:
        add("")
        add("CO-RE relocations", "bold")
        for line in _table(("PROGRAM", "INSN", "KIND", "LOCAL SPEC"),
                           [(r["program"], r["insn"], r["kind"], r["spec"].split("> ", 1)[-1])
                            for r in info["core_relocations"]]):
            add(line, TABLE)
    return out


def findings_lines(findings) -> list[tuple[str, str | None]]:
    if not findings:
        return [("", None), ("No problems found for libbpf 1.0+ loaders.", "green")]
    out: list[tuple[str, str | None]] = [("", None), ("Findings", "bold")]
    for f in findings:
        out.extend(finding_lines(f))
    return out


__all__ = ["info_dict", "info_lines", "findings_lines", "core_relocations", "PIN_NAMES"]
