"""``prog dump xlated`` against ``bpftool prog dump xlated`` on the same
programs: plain, ``opcodes``, ``linum`` and the JSON of each, byte for byte
(the text) and value for value (the JSON)."""

from __future__ import annotations

import pytest
from .proghelpers import bpftool, bpftool_json, ours

from bpfdoctor.isa import xlated as X
from bpfdoctor.kernel import prog_dump

pytestmark = [pytest.mark.kernel, pytest.mark.tools]
MODES = ("", "opcodes", "linum")


def _ours(fd, mode: str):
    d = prog_dump.dump_xlated(fd)
    opts = {"opcodes": mode == "opcodes", "linum": mode == "linum"}
    return d, X.format_plain(list(d.lines), **opts), X.to_json(list(d.lines), **opts)


@pytest.mark.parametrize("mode", MODES)
def test_text_and_json_identical_to_bpftool(loaded, mode):
    assert len(loaded) >= 10
    for p in loaded.values():
        args = ("prog", "dump", "xlated", "id", str(p.id)) + ((mode,) if mode else ())
        _, text, js = _ours(p.fd, mode)
        assert text == bpftool(*args), f"{p.name} ({mode or 'plain'}) differs from bpftool"
        assert js == bpftool_json(*args), f"{p.name} ({mode or 'plain'}) JSON differs from bpftool"


def test_the_fixtures_cover_every_call_and_immediate_form(loaded):
    """The comparison above is only as good as what the programs contain."""
    seen = set()
    for p in loaded.values():
        d, text, _ = _ours(p.fd, "")
        for ln in d.lines:
            for form in ("map[id:", "][0]+", "subprog[", "call pc+", "#bpf_prog_", "call bpf_tail_call#12",
                         "call bpf_dynptr_from_skb#", "lock ", "call bpf_ringbuf"):
                if form in ln.text:
                    seen.add(form)
        if any(ln.proto for ln in d.lines):
            seen.add("proto")
        if any(ln.source for ln in d.lines):
            seen.add("source")
    assert seen == {"map[id:", "][0]+", "subprog[", "call pc+", "#bpf_prog_", "call bpf_tail_call#12",
                    "call bpf_dynptr_from_skb#", "lock ", "call bpf_ringbuf", "proto", "source"}


def test_program_without_btf(no_btf_prog):
    for mode in MODES:
        args = ("prog", "dump", "xlated", "id", str(no_btf_prog.id)) + ((mode,) if mode else ())
        d, text, js = _ours(no_btf_prog.fd, mode)
        assert text == bpftool(*args)
        assert js == bpftool_json(*args)
    assert not any(ln.proto or ln.source for ln in d.lines)
    assert any("loaded without BTF" in n for n in d.notes)
    assert "_F\n" in text and "map[id:" in text  # no BTF: the kernel names subprograms "F"
    assert "call bpf_user_rnd_u32#" in text  # helpers are named by kallsyms, as bpftool does


def test_cli_matches_library_and_selectors_agree(loaded):
    p = loaded["tc_mark"]
    by_id = ours("prog", "dump", "xlated", "id", str(p.id)).stdout
    assert by_id == bpftool("prog", "dump", "xlated", "id", str(p.id))
    tag = bpftool_json("prog", "show", "id", str(p.id))["tag"]
    by_tag = ours("prog", "dump", "xlated", "tag", tag)
    want_tag = bpftool("prog", "dump", "xlated", "tag", tag)
    assert by_tag.stdout == want_tag
    lng = loaded["a_program_with_a_long_name"]
    assert ours("prog", "dump", "xlated", "name", "a_program_with_a_long_name").stdout == \
        bpftool("prog", "dump", "xlated", "id", str(lng.id))


def test_no_source_drops_only_source_lines(loaded):
    p = loaded["xdp_count"]
    full = ours("prog", "dump", "xlated", "id", str(p.id)).stdout
    bare = ours("prog", "dump", "xlated", "id", str(p.id), "--no-source").stdout
    assert bare == "".join(ln + "\n" for ln in full.splitlines() if not ln.startswith("; "))
    assert bare != full


def test_func_signature_and_lfind_units():
    lines = (X.LineRecord(0, 1, 2, 10 << 10 | 3), X.LineRecord(4, 1, 5, 0), X.LineRecord(4, 1, 6, 0))
    assert X.lfind(lines, 0, 0) is lines[0]
    assert X.lfind(lines, 1, 1) is None
    assert X.lfind(lines, 4, 1) is lines[2]  # the last record at that offset, as libbpf
    assert X.lfind(lines, 9, 3) is None
    assert lines[0].line_num == 10 and lines[0].column == 3
    assert X.func_signature(None, 1) == ""
