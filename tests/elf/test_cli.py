"""The elf/disasm commands end to end: JSON schema, exit codes, kernel syntax
and BTF source lines."""

from __future__ import annotations

import json

from testlib import run_cli

INFO_KEYS = {"file", "byte_order", "license", "kern_version", "btf", "btf_ext", "programs", "subprograms",
             "maps", "data_sections", "externs", "core_relocations", "findings"}
PROG_KEYS = {"name", "section", "type", "attach_type", "attach_target", "sleepable", "global", "insns",
             "bytes", "first_insn"}
MAP_KEYS = {"name", "type", "type_id", "key_size", "value_size", "max_entries", "flags", "pinning", "source",
            "section", "key_type", "value_type", "numa_node", "map_extra", "inner", "problems"}


def test_info_json_schema_and_exit_codes(obj):
    res = run_cli("elf", "info", "--json", str(obj("maps_btf")))
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert set(data) == INFO_KEYS
    assert all(set(p) == PROG_KEYS for p in data["programs"])
    assert all(set(m) == MAP_KEYS for m in data["maps"])
    assert {p["name"]: p["type"] for p in data["programs"]} == {"count_flows": "xdp", "on_exec": "tracepoint"}
    legacy = run_cli("elf", "info", str(obj("xdp_ddos01_blacklist")))
    assert legacy.exit_code == 1  # warnings
    assert "legacy-maps-section" not in legacy.stdout  # text shows summaries, JSON carries ids
    assert "libbpf 1.0+ refuses" in legacy.stdout and 'SEC("xdp")' in legacy.stdout
    findings = json.loads(run_cli("elf", "info", "--json", str(obj("xdp_ddos01_blacklist"))).stdout)["findings"]
    assert [f["id"] for f in findings] == ["legacy-maps-section", "unknown-section-name"]
    assert set(findings[0]) == {"id", "severity", "summary", "area", "evidence", "fix", "reference", "detail"}


def test_kernel_syntax_listing(obj):
    out = run_cli("disasm", "--syntax", "kernel", str(obj("multi_prog"))).stdout
    assert "xdp_count:\n   0: (61) r2 = *(u32 *)(r1 +0)\n   1: (61) r1 = *(u32 *)(r1 +4)\n" in out
    assert "(85) call pc+6" in out  # relocated bpf-to-bpf call before loading
    assert "(85) call bpf_trace_printk#6" in out
    assert "(18) r1 = 0x0" in out and "(c3) lock *(u32 *)(r1 +0) += r2" in out


def test_source_lines_from_btf(obj):
    out = run_cli("disasm", "-S", "-j", "tc", str(obj("multi_prog"))).stdout
    lines = out.splitlines()
    i = lines.index("0000000000000000 <tc_mark>:")
    assert lines[i + 1] == "; int tc_mark(struct __sk_buff *skb)"
    assert lines[i + 2].endswith("r6 = r1")
    assert lines[i + 3].startswith("; \tskb->mark = global_sum(")
    ksrc = run_cli("disasm", "--syntax", "kernel", "--source", str(obj("multi_prog"))).stdout
    assert "; \treturn a * 3 + b - c + (d ^ e); @ multi_prog.c:24\n   1: (ac) w5 ^= w4" in ksrc


def test_symbols_and_relocs_json(obj):
    syms = json.loads(run_cli("elf", "symbols", "--json", str(obj("multi_prog"))).stdout)
    assert {"name": "classify", "section": ".text"}.items() <= next(s for s in syms if s["name"] == "classify").items()
    rel = json.loads(run_cli("elf", "relocs", "--json", str(obj("multi_prog"))).stdout)
    call = next(r for r in rel if r["section"] == ".relxdp" and r["type"] == "R_BPF_64_32")
    assert (call["target_section"], call["insn"], call["symbol"], call["kind"]) == ("xdp", 3, ".text", "call")


def test_source_listing_never_prints_a_bare_semicolon(monkeypatch):
    """Issue 11 item 18: a line_info record without text (line 0) printed
    '; ' in -S where --syntax kernel named file:line."""
    from bpfdoctor.elf import listing
    from bpfdoctor.elf.reader import ElfFile
    from testlib import BUILD

    real = listing.line_table

    def with_empty(elf):
        table = real(elf)
        for sec, recs in table.items():
            first = min(recs)
            recs[first] = ("/src/dir/prog.c", 0, "")
        return table

    monkeypatch.setattr(listing, "line_table", with_empty)
    elf = ElfFile.open(BUILD / "multi_prog.o")
    for text in (listing.source_listing(elf, "x.o"), listing.kernel_listing(elf, "x.o", with_source=True)):
        assert not any(ln.strip() == ";" for ln in text.splitlines())
        assert "; prog.c:0\n" in text
