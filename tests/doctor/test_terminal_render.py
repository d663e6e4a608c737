"""check on a terminal (issue 11 item 15): lines broken between words with a
hanging indent, colour on the severity only, the verdict again at the end."""

from __future__ import annotations

import io
import re

from bpfdoctor.findings import Finding, Severity
from bpfdoctor.render.findings import hanging_indent, print_rich, render_text, wrap_line

LONG = ("tracefs is not mounted: tracepoint ids and bpf_trace_printk output are not reachable "
        "from this host at all")


def _findings() -> list[Finding]:
    return [Finding("fs-tracefs", Severity.INFO, LONG, "filesystems"),
            Finding("fs-bpffs", Severity.WARN, "bpffs is not mounted", "filesystems",
                    fix="mount -t bpf bpffs /sys/fs/bpf && echo 'bpffs /sys/fs/bpf bpf defaults 0 0' >> /etc/fstab"),
            Finding("fs-cgroup2", Severity.OK, "cgroup v2 mounted", "filesystems")]


def _terminal(width: int) -> tuple[object, io.StringIO]:
    from rich.console import Console

    buf = io.StringIO()
    return Console(file=buf, force_terminal=True, width=width, color_system="standard", soft_wrap=True), buf


def test_wrap_between_words_with_hanging_indent():
    lines = wrap_line("  info  " + LONG, 80)
    assert len(lines) == 2 and all(len(ln) <= 80 for ln in lines)
    assert lines[1].startswith(" " * 8) and not lines[1].startswith(" " * 9)
    assert all(not ln.endswith(("-", " ")) for ln in lines)
    assert hanging_indent("        fix: mount it") == 13


def test_terminal_output_at_80_columns():
    con, buf = _terminal(80)
    print_rich(con, render_text(_findings(), subject="eBPF on test"))
    plain = re.sub(r"\x1b\[[0-9;]*m", "", buf.getvalue())
    rows = plain.splitlines()
    assert all(len(r) <= 80 for r in rows), [r for r in rows if len(r) > 80]
    # the verdict is the first and the last line: visible after scrolling
    assert rows[0] == rows[-1] and rows[0].startswith("eBPF on test: works, with warnings")
    # colour on the severity word, not the summary
    raw = buf.getvalue()
    line = next(ln for ln in raw.splitlines() if "bpffs is not mounted" in ln)
    assert re.search(r"\x1b\[[0-9;]*mwarn\x1b\[0m", line)
    assert "\x1b" not in line[line.index("bpffs"):]


def test_piped_output_is_one_line_per_finding():
    from rich.console import Console

    buf = io.StringIO()
    print_rich(Console(file=buf, force_terminal=False, width=80, soft_wrap=True), render_text(_findings()))
    assert any(len(r) > 80 for r in buf.getvalue().splitlines())  # not wrapped
    assert buf.getvalue().count("eBPF:") == 1


def test_wide_tables_keep_whole_rows_at_80_columns():
    """elf info's maps table broke into half rows at 80 columns."""
    from testlib import BUILD

    from bpfdoctor.elf import open_object
    from bpfdoctor.render.elfinfo import info_dict, info_lines

    obj = BUILD / "maps_btf.o"
    lines = info_lines(info_dict(open_object(obj), str(obj)))
    con, buf = _terminal(80)
    print_rich(con, lines)
    rows = re.sub(r"\x1b\[[0-9;]*m", "", buf.getvalue()).splitlines()
    assert all(len(r) <= 80 for r in rows)
    maps = [r for r in rows if r.startswith("  flows ")]
    assert len(maps) == 1 and "hash" in maps[0]  # one row per map, not two halves
    assert any("cropped at 80 columns" in r for r in rows)
