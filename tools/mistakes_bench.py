#!/usr/bin/env python3
"""Score bpfdoctor's verifier diagnostics on the mistake corpus (tests/bpf/mistakes).

For every NAME.c the mistake (build/NAME.o) is loaded on the running kernel
through bpfdoctor's loader, which re-verifies a rejection at log level 2;
the fix (build/NAME.fixed.o, -DFIXED) must load.  A case is a *hit* when the
diagnostic's primary span is a line the fix changes; the lines a fix changes
come from difflib over the two preprocessed views of the file (``#ifdef
FIXED`` kept or dropped): replaced and deleted lines of the mistake, and for
a pure insertion the mistake's lines on either side of it.  The raw log's
last ``; ... @ file:line`` annotation is scored the same way, as the
baseline.  Cases marked ``heldout`` in their header were not used to tune
the analysis and are reported apart.

    sudo PYTHONPATH=src python3 tools/mistakes_bench.py [--json] [--no-source] [--fast]

``--no-source``: BTF line_info only, as when the C files are not at hand;
``--fast``: leave out cases marked ``slow`` (1M-instruction walks).

Needs root (bpf()), clang-19 to build the corpus (make -C tests/bpf/mistakes).
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "bpf" / "mistakes"
_HEADER = re.compile(r"family:\s*(\S+)\s+class:\s*(\S+)(.*)")
_URL = re.compile(r"Modelled on:\s*(\S+)")
_ANNOT = re.compile(r"; .* @ (\S+):(\d+)$")


@dataclass
class Case:
    name: str
    family: str
    klass: str
    heldout: bool
    url: str
    changed: set[int] = field(default_factory=set)
    slow: bool = False


@dataclass
class Outcome:
    name: str
    family: str
    klass: str
    heldout: bool
    rejected: bool = False
    fixed_loads: bool = False
    fixed_message: str = ""
    got_family: str | None = None
    got_class: str | None = None
    primary_line: int | None = None
    raw_line: int | None = None
    changed: list[int] = field(default_factory=list)

    @property
    def hit(self) -> bool:
        return self.primary_line in self.changed

    @property
    def raw_hit(self) -> bool:
        return self.raw_line in self.changed

    @property
    def class_ok(self) -> bool:
        return self.got_class == self.klass

    @property
    def family_ok(self) -> bool:
        return self.got_family == self.family


def read_case(path: Path) -> Case:
    text = path.read_text()
    m = _HEADER.search(text)
    if not m:
        raise ValueError(f"{path}: no 'family: ... class: ...' header")
    url = _URL.search(text)
    return Case(path.stem, m.group(1), m.group(2), "heldout" in m.group(3),
                url.group(1) if url else "", changed_lines(text), "slow" in m.group(3))


def views(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(mistake, fix) views: (original line number, text) without the FIXED directives."""
    bug: list[tuple[int, str]] = []
    fix: list[tuple[int, str]] = []
    stack: list[str] = []    # "fix" / "bug" / "other" for each open #if
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s in ("#ifdef FIXED", "#if defined(FIXED)"):
            stack.append("fix")
            continue
        if s == "#ifndef FIXED":
            stack.append("bug")
            continue
        if s.startswith("#if"):
            stack.append("other")
        elif s == "#else" and stack and stack[-1] in ("fix", "bug"):
            stack[-1] = "bug" if stack[-1] == "fix" else "fix"
            continue
        elif s == "#endif" and stack:
            if stack.pop() in ("fix", "bug"):
                continue
        where = next((x for x in reversed(stack) if x in ("fix", "bug")), None)
        if where != "fix":
            bug.append((n, line))
        if where != "bug":
            fix.append((n, line))
    return bug, fix


def changed_lines(text: str, code: set[int] | None = None) -> set[int]:
    """Lines of the mistake the fix changes.  ``code``: the lines that have
    instructions (BTF line_info of the mistake's object); an insertion point's
    neighbours are then the nearest lines with code, since no diagnostic can
    point at a blank line or a bare declaration."""
    bug, fix = views(text)

    def skip(i: int) -> bool:
        line, body = bug[i]
        return not body.strip() or (code is not None and line not in code)

    sm = difflib.SequenceMatcher(a=[t for _, t in bug], b=[t for _, t in fix], autojunk=False)
    out: set[int] = set()
    for tag, i1, i2, _j1, _j2 in sm.get_opcodes():
        if tag in ("replace", "delete"):
            out.update(bug[i][0] for i in range(i1, i2))
        elif tag == "insert":
            # the nearest non-blank line on either side of the insertion point
            before, after = i1 - 1, i1
            while before >= 0 and skip(before):
                before -= 1
            while after < len(bug) and skip(after):
                after += 1
            out.update(bug[i][0] for i in (before, after) if 0 <= i < len(bug))
    return out


def code_lines(obj_path: Path) -> set[int]:
    """Source lines that have instructions, from the object's BTF line_info."""
    from bpfdoctor.elf import open_object

    ext = open_object(str(obj_path)).btf_ext
    if ext is None:
        return set()
    return {r.line for recs in ext.line_info.values() for r in recs}


def last_annotation(log: str) -> int | None:
    line = None
    for ln in log.splitlines():
        m = _ANNOT.search(ln.strip())
        if m:
            line = int(m.group(2))
    return line


def build() -> Path:
    subprocess.run(["make", "-s", "-C", str(CORPUS)], check=True)
    return CORPUS / "build"


def run_case(case: Case, build_dir: Path, read_sources: bool = True) -> Outcome:
    from bpfdoctor.kernel.loader import load_object
    from bpfdoctor.kernel.loader.explain import explain_result

    changed = changed_lines((CORPUS / f"{case.name}.c").read_text(),
                            code_lines(build_dir / f"{case.name}.o"))
    out = Outcome(case.name, case.family, case.klass, case.heldout, changed=sorted(changed))
    with load_object(str(build_dir / f"{case.name}.o")) as lo:
        r = lo.results[0]
        out.rejected = r.status == "rejected"
        if out.rejected:
            exp = explain_result(r, lo.map_results, read_sources)
            d = exp.diagnostic if exp is not None else None
            if d is not None:
                out.got_family, out.got_class = d.family, d.klass.value
                out.primary_line = d.primary.line if d.primary is not None else None
            out.raw_line = last_annotation(r.log)
    with load_object(str(build_dir / f"{case.name}.fixed.o")) as lo:
        r = lo.results[0]
        out.fixed_loads = r.status == "loaded"
        out.fixed_message = "" if out.fixed_loads else (r.message or r.status)
    return out


def cases() -> list[Case]:
    return [read_case(p) for p in sorted(CORPUS.glob("*.c"))]


def _rate(xs: list[bool]) -> str:
    return f"{sum(xs)}/{len(xs)} ({100 * sum(xs) / len(xs):.0f}%)" if xs else "-"


def report(outcomes: list[Outcome]) -> str:
    lines = []
    for title, subset in (("all cases", outcomes),
                          ("tuned", [o for o in outcomes if not o.heldout]),
                          ("held out", [o for o in outcomes if o.heldout])):
        lines.append(f"{title}: primary span {_rate([o.hit for o in subset])}, raw log's last "
                     f"annotation {_rate([o.raw_hit for o in subset])}, class "
                     f"{_rate([o.class_ok for o in subset])}, family "
                     f"{_rate([o.family_ok for o in subset])}")
    for key in ("klass", "family"):
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for o in outcomes:
            groups[getattr(o, key)].append(o)
        lines.append(f"\nper {'class' if key == 'klass' else 'family'}:")
        for g, os_ in sorted(groups.items()):
            lines.append(f"  {g:<40} span {_rate([o.hit for o in os_]):<12} raw "
                         f"{_rate([o.raw_hit for o in os_]):<12} class "
                         f"{_rate([o.class_ok for o in os_])}")
    wrong = [o for o in outcomes if not (o.hit and o.class_ok and o.family_ok and o.rejected
                                         and o.fixed_loads)]
    lines.append("\ncases not fully right:")
    for o in wrong:
        lines.append(f"  {o.name}: rejected={o.rejected} fixed_loads={o.fixed_loads} "
                     f"family={o.got_family} (want {o.family}) class={o.got_class} (want {o.klass}) "
                     f"primary={o.primary_line} changed={o.changed} {o.fixed_message}")
    return "\n".join(lines)


def bug_source(text: str) -> str:
    """The mistake alone, line numbers kept: the fix's lines and the FIXED
    directives blanked (what a user's file would hold; the Makefile compiles
    the mistake from it, so the source a diagnostic reads has no fix in it)."""
    keep = {n for n, _ in views(text)[0]}
    return "\n".join(line if n in keep else "" for n, line in enumerate(text.splitlines(), 1)) + "\n"


def main(argv: list[str]) -> int:
    if argv[:1] == ["--bug-source"]:
        sys.stdout.write(bug_source(Path(argv[1]).read_text()))
        return 0
    build_dir = build()
    selected = [c for c in cases() if "--fast" not in argv or not c.slow]
    outcomes = [run_case(c, build_dir, "--no-source" not in argv) for c in selected]
    if "--json" in argv:
        print(json.dumps([dict(asdict(o), hit=o.hit, raw_hit=o.raw_hit) for o in outcomes],
                         indent=2))
    else:
        print(report(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
