"""``bpfdoctor load``: load an object's programs, report the verifier's answer.

Thin: check the options, call ``bpfdoctor.kernel.loader.load_object``,
render.  Exit code 0 when every program loaded, 1 when some were rejected,
2 on bad input (via the CLI's error handling).  Everything is unloaded before
exit unless ``--pin DIR`` asks to keep it.
"""

from __future__ import annotations

from bpfdoctor.cli import args as cli



def _type_help() -> str:
    from bpfdoctor.kernel.loader.consts import prog_type_names

    return ("Program type for every selected program (for sections libbpf does not know): "
            + ", ".join(prog_type_names()) + ".")


@cli.command("load")
@cli.argument("obj", type=cli.Path(dir_okay=False))
@cli.option("--program", "programs", multiple=True, metavar="NAME",
            help="Load only this program (repeatable); default: all.")
@cli.option("--type", "prog_type", default=None, metavar="TYPE", help=_type_help)
@cli.option("--log-level", type=cli.IntRange(0, 7), default=0, show_default=True,
            help="Verifier log level (1: decisions, 2: every state); 0 logs only on rejection.")
@cli.option("--pin", "pin_dir", default=None, metavar="DIR",
            help="Keep programs and maps loaded: pin them under DIR (must be on bpffs).")
@cli.option("--btf", "core_btf", default=None, metavar="FILE", type=cli.Path(dir_okay=False),
            help="Target BTF for CO-RE relocations instead of the kernel's (libbpf btf_custom_path), "
                   "e.g. from compat --emit-min-btf.")
@cli.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@cli.option("--log", "show_log", is_flag=True, help="Show the whole verifier log.")
@cli.pass_state
def load(state, obj: str, programs: tuple[str, ...], prog_type: str | None, log_level: int,
         pin_dir: str | None, core_btf: str | None, as_json: bool, show_log: bool) -> int:
    """Load OBJ's programs into the kernel, the way libbpf would, and report
    per program: id, tag, sizes and verifier statistics, or why the verifier
    rejected it (error, instruction, source line, explanation, fix)."""
    from bpfdoctor.kernel.loader import load_object

    if pin_dir is not None:
        from bpfdoctor.kernel.loader.pin import check_pin_dir

        pin_dir = check_pin_dir(pin_dir)
    env = None
    if core_btf is not None:
        from bpfdoctor.kernel.loader.env import KernelEnv

        env = KernelEnv(core_btf_path=core_btf)
        env.core_btf  # a bad file is bad input, before anything is loaded
    with load_object(obj, programs=programs or None, prog_type=prog_type, log_level=log_level,
                     env=env) as lo:
        if pin_dir is not None and lo.map_failure is None and (lo.programs or lo.maps):
            lo.pin(pin_dir)
        report = build_report(lo, show_log or log_level > 0)
    if as_json:
        from bpfdoctor.render.output import write_json

        write_json(report)
    else:
        render_text(report, state.color, show_log or log_level > 0)
    ok = report["map_error"] is None and all(p["status"] == "loaded" for p in report["programs"])
    return 0 if ok else 1


def map_error_entry(lo) -> dict | None:
    """The map the kernel refused, with the causes: host facts for EPERM and
    ENOMEM (privilege, unprivileged BPF, memlock, memory cgroup), the map
    type's rules for EINVAL/E2BIG/ENOTSUPP."""
    if lo.map_failure is None:
        return None
    import errno as E

    plan, err = lo.map_failure
    diagnosis = []
    if err.errno in (E.EPERM, E.ENOMEM):
        from bpfdoctor.doctor import diagnose_eperm

        diagnosis = diagnose_eperm(err.errno)
    elif err.errno in (E.EINVAL, E.E2BIG, 524):
        from bpfdoctor.elf.map_rules import MapShape, map_create_problems

        diagnosis = map_create_problems(MapShape(plan.name, plan.map_type, plan.key_size, plan.value_size,
                                                 plan.max_entries, plan.flags, plan.map_extra,
                                                 plan.btf_key_type_id, plan.btf_value_type_id))
    return {"name": plan.name, "kernel_name": plan.kernel_name, "errno": err.errno,
            "errno_name": err.errno_name, "message": str(err),
            "diagnosis": [f.to_dict() for f in diagnosis]}


def build_report(lo, with_log: bool) -> dict:
    from functools import cache

    @cache
    def host():  # the host's facts, read once for every program's EPERM diagnosis
        from bpfdoctor.host.facts import read_host

        return read_host("/")

    progs = [_program_entry(r, with_log, lo.map_results, host) for r in lo.results]
    return {
        "map_error": map_error_entry(lo),
        "object": lo.path,
        "summary": {"programs": len(progs), "loaded": sum(p["status"] == "loaded" for p in progs),
                    "rejected": sum(p["status"] != "loaded" for p in progs)},
        "programs": progs,
        "maps": [m.to_dict() for m in lo.map_results],
        "btf": {"loaded": lo.btf is not None, "sanitized": lo.btf_sanitized,
                "log": lo.btf_log or None},
        "notes": lo.notes,
    }


def _program_entry(r, with_log: bool, maps=(), host=None) -> dict:
    d = r.to_dict()
    d["errno_meaning"] = None
    d["explanation"] = None
    d["diagnostic"] = None
    d["diagnosis"] = []
    d["log_tail"] = []
    d["log"] = r.log if with_log and r.log else None
    if r.errno is None and r.status != "rejected":
        return d  # loaded, or not prepared: nothing to explain (and no verifier import)
    from bpfdoctor.kernel.loader.explain import errno_meaning, explain_result, log_tail, needs_host_diagnosis

    if r.errno is not None:
        d["errno_meaning"] = errno_meaning(r.errno)
    if r.status == "rejected":
        d["log_tail"] = log_tail(r.log)
        exp = explain_result(r, maps)
        if exp is not None:
            d["explanation"] = exp.finding.to_dict()
            d["diagnostic"] = exp.diagnostic.to_dict() if exp.diagnostic is not None else None
            if exp.diagnostic is not None and exp.diagnostic.errno:
                # the errno as this rejection's message explains it, not a fixed text
                d["errno_meaning"] = exp.diagnostic.errno.split(": ", 1)[-1]
        if needs_host_diagnosis(r):
            from bpfdoctor.doctor import diagnose_eperm
            from bpfdoctor.kernel.loader.consts import prog_type_by_name

            pt = prog_type_by_name(r.prog_type)
            d["diagnosis"] = [f.to_dict() for f in diagnose_eperm(r.errno, prog_type=pt,
                                                                  facts=host() if host else None)]
    return d


# -- text -------------------------------------------------------------------------

def render_text(report: dict, color: bool | None, show_log: bool) -> None:
    from bpfdoctor.render.output import console, text_type

    con = console(color)
    Text = text_type(con)
    s = report["summary"]
    merr = report["map_error"]
    if merr is not None:
        con.print(Text(f"{report['object']}: not loaded: map {merr['name']!r} could not be created: "
                       f"{merr['errno_name']}", style="bold red"))
        for f in merr["diagnosis"]:
            con.print(Text(f"  cause: {f['summary']}", style="yellow"))
            if f.get("fix"):
                con.print(Text(f"    fix: {f['fix'].splitlines()[0]}"))
        if not merr["diagnosis"]:
            con.print(Text(f"  {merr['message']}"))
    else:
        if s["programs"] == 0:
            head = f"{report['object']}: no programs to load, {_count(len(report['maps']), 'map')} created"
        else:
            verdict = "all loaded" if s["rejected"] == 0 else f"{s['rejected']} not loaded"
            head = f"{report['object']}: {s['loaded']}/{s['programs']} programs loaded ({verdict})"
        con.print(Text(head, style="bold green" if s["rejected"] == 0 else "bold red"))
    for p in report["programs"]:
        con.print()
        for text, style in program_lines(p, show_log):
            con.print(Text(text, style=style or ""))
    if report["maps"]:
        con.print()
        con.print(Text("maps", style="bold"))
        for line in map_lines(report["maps"]):
            con.print(Text(line))
    for note in report["notes"] + ([f"BTF sanitized for this kernel: {', '.join(report['btf']['sanitized'])}"]
                                   if report["btf"]["sanitized"] else []):
        con.print(Text(f"note: {note}", style="yellow"))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def map_lines(maps: list[dict]) -> list[str]:
    """One line per map; the name column is as wide as the longest name, so a
    15-character kernel name is never glued to its type."""
    wn = max((len(m["kernel_name"]) for m in maps), default=0)
    wt = max((len(m["type"]) for m in maps), default=0)
    out = []
    for m in maps:
        pin = f"  pinned {m['pinned']}" if m["pinned"] else ""
        out.append(f"  {m['kernel_name']:<{wn}}  {m['type']:<{wt}}  id {m['id']:<6} key {m['key_size']}B "
                   f"value {m['value_size']}B max_entries {m['max_entries']}{pin}")
    return out


def program_lines(p: dict, show_log: bool) -> list[tuple[str, str | None]]:
    head = f"{p['name']} ({p['type']}, section {p['section']})"
    if p["status"] == "loaded":
        out = [(f"ok    {head}: loaded, id {p['id']}, tag {p['tag']}", "green"),
               (f"      xlated {p['xlated_bytes']} B, jited {p['jited_bytes']} B, {p['insns']} insns"
                + (f" (with {', '.join(p['subprograms'])})" if p["subprograms"] else ""), None)]
        st = p["stats"] or {}
        parts = [f"{st.get('processed_insns') or p['verified_insns']} insns processed"]
        if st.get("total_states") is not None:
            parts.append(f"{_count(st['total_states'], 'state')} (peak {st['peak_states']})")
        if st.get("time_usec") is not None:
            parts.append(f"{st['time_usec']} us")
        if st.get("stack_depth"):
            parts.append("stack " + "+".join(map(str, st["stack_depth"])))
        out.append(("      verifier: " + ", ".join(parts), None))
        if p["pinned"]:
            out.append((f"      pinned at {p['pinned']}", None))
    elif p["status"] == "error":
        out = [(f"FAIL  {head}: not loaded: {p['message']}", "bold red")]
    else:
        out = [(f"FAIL  {head}: rejected: {p['errno_name']} ({p['errno_meaning']})", "bold red")]
        out += _explanation_lines(p)
        for f in p["diagnosis"]:
            out.append((f"      cause: {f['summary']}", "yellow"))
            if f.get("fix"):
                out.append((f"        fix: {f['fix'].splitlines()[0]}", None))
        if not show_log and p["log_tail"]:
            out.append(("      log (last lines):", "bold"))
            out += [(f"        {ln}", "dim") for ln in p["log_tail"]]
    poisoned = [c for c in p["core_relocations"] if c["poisoned"]]
    if poisoned:
        out.append((f"      CO-RE: {len(poisoned)} of {len(p['core_relocations'])} relocations failed "
                    f"and were poisoned ({', '.join(c['spec'] for c in poisoned[:3])})", "yellow"))
    if show_log and p["log"]:
        out.append(("      verifier log:", "bold"))
        out += [(f"        {ln}", "dim") for ln in p["log"].splitlines()]
    return out


def _explanation_lines(p: dict) -> list[tuple[str, str | None]]:
    f = p["explanation"]
    if not f:
        return [(f"      error: {p['message']}", None)]
    ev = f.get("evidence", {})
    if p.get("diagnostic"):
        from bpfdoctor.render.diagnostic import diagnostic_lines
        from bpfdoctor.verifier.diagnostic import diagnostic_from_dict

        out = diagnostic_lines(diagnostic_from_dict(p["diagnostic"]), "      ")
        regs = ev.get("registers") or {}
        if regs:
            out.append(("      registers " + " ".join(f"{k}={v}" for k, v in list(regs.items())[:6]), None))
        return out
    out = [(f"      error     {ev.get('message', p['message'])}", None)]
    for key, label in (("insn", "insn"), ("source", "source"), ("subprogram", "function")):
        if key in ev:
            out.append((f"      {label:<9} {ev[key]}", None))
    regs = ev.get("registers") or {}
    if regs:
        out.append(("      registers " + " ".join(f"{k}={v}" for k, v in list(regs.items())[:6]), None))
    out.append((f"      why       {f['summary']}", None))
    if f.get("detail"):
        out.append((f"                {f['detail'].splitlines()[0]}", "dim"))
    if f.get("fix"):
        first, *rest = f["fix"].splitlines()
        out.append((f"      fix       {first}", "cyan"))
        out += [(f"                {r}", "cyan") for r in rest[:4]]
    return out


__all__ = ["load"]
