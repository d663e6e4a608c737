"""Findings renderers: text grouping and Prometheus exposition."""

from __future__ import annotations

from bpfdoctor.findings import Finding, Severity
from bpfdoctor.render.findings import render_plain, render_text, verdict_line
from bpfdoctor.render.prometheus import render_prometheus

F = [Finding("a-ok", Severity.OK, "fine", "one"), Finding("b-warn", Severity.WARN, 'odd "x"', "two", fix="do it"),
     Finding("c-fail", Severity.FAIL, "bad", "one", fix="line1\nline2", detail="why")]


def test_verdict_and_grouping():
    assert verdict_line(F) == "eBPF: problems found (1 fail, 1 warn, 1 ok)"
    text = render_plain(render_text(F, areas=("two", "one")))
    assert text.index("two\n") < text.index("one\n")
    assert "  FAIL  bad\n        fix: line1\n             line2\n        why\n" in text
    assert text.index("FAIL") < text.index("ok    fine")  # worst first within an area


def test_prometheus_escaping_and_shape():
    out = render_prometheus(F, timestamp=12.5, extra_labels={"host": 'a"b'})
    assert 'bpfdoctor_check_severity{id="b-warn",area="two",host="a\\"b"} 2' in out
    assert 'bpfdoctor_check_findings{severity="fail",host="a\\"b"} 1' in out
    assert 'bpfdoctor_check_verdict{host="a\\"b"} 3' in out
    for line in out.splitlines():
        assert line.startswith("#") or line.rsplit(" ", 1)[1].replace(".", "").isdigit()
