"""``prog list`` against ``bpftool -f prog show``: text layout and JSON
fields of the programs this test loaded (other programs may come and go
while it runs), pins, and the processes holding each program."""

from __future__ import annotations

import json
import os
import pathlib
import uuid

import pytest
from .proghelpers import bpftool, bpftool_json, ours

from bpfdoctor.kernel import objects
from bpfdoctor.kernel.prog_list import boot_to_wall, list_programs
from bpfdoctor.kernel.prog_select import parse_selector
from bpfdoctor.render import prog as R

pytestmark = [pytest.mark.kernel, pytest.mark.tools]
OURS_ONLY = ("xlated_insns", "verified_insns", "pids")


def _blocks(text: str) -> dict[int, str]:
    """Text of `prog show` split per program (a block starts with 'ID: ')."""
    out, cur = {}, None
    for line in text.splitlines(keepends=True):
        if not line.startswith("\t"):
            cur = int(line.split(":", 1)[0])
            out[cur] = ""
        out[cur] += line
    return out


def _without_pids(block: str) -> str:
    # Debian's bpftool 7.1 has no skeleton support: it never prints pids.
    return "".join(ln for ln in block.splitlines(keepends=True) if not ln.startswith("\tpids "))


def test_text_identical_to_bpftool_for_our_programs(loaded, no_btf_prog):
    mine = _blocks(ours("prog", "list").stdout)
    ref = _blocks(bpftool("-f", "prog", "show"))
    for p in [*loaded.values(), no_btf_prog]:
        assert _without_pids(mine[p.id]) == ref[p.id], p.name


def test_json_fields_identical_to_bpftool(loaded, no_btf_prog):
    mine = {e["id"]: e for e in json.loads(ours("prog", "list", "--json").stdout)}
    ref = {e["id"]: e for e in bpftool_json("-f", "prog", "show")}
    for p in [*loaded.values(), no_btf_prog]:
        m = dict(mine[p.id])
        extra = {k: m.pop(k) for k in OURS_ONLY if k in m}
        assert list(m) == list(ref[p.id]), f"{p.name}: field order"
        assert m == ref[p.id], p.name
        assert extra["xlated_insns"] == ref[p.id]["bytes_xlated"] // 8
        assert extra["verified_insns"] > 0


def test_this_process_is_listed_as_holder(loaded):
    p = loaded["xdp_count"]
    (entry,) = list_programs(parse_selector(("id", str(p.id)))).programs
    assert (os.getpid(), pathlib.Path("/proc/self/comm").read_text().strip()) in \
        [(r.pid, r.comm) for r in entry.pids]
    text = R.entry_text(entry)
    assert f"({os.getpid()})" in text.splitlines()[-1] and text.splitlines()[-1].startswith("\tpids ")


def test_several_pins_of_one_program(loaded):
    p = loaded["sock_filter"]
    top = pathlib.Path("/sys/fs/bpf") / f"bpfdoctor_test_pins_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    os.mkdir(top)
    paths = [top / "a", top / "sub", top / "z"]
    try:
        objects.pin(p.fd, paths[0])
        os.mkdir(paths[1])
        objects.pin(p.fd, paths[1] / "deep")
        objects.pin(p.fd, paths[2])
        want = _blocks(bpftool("-f", "prog", "show", "id", str(p.id)))[p.id]
        got = _blocks(ours("prog", "list", "id", str(p.id)).stdout)[p.id]
        # Same lines; the order of several pins of one program is bpftool's
        # hash-table order (documented difference), ours is the walk order.
        assert sorted(_without_pids(got).splitlines()) == sorted(want.splitlines())
        assert got.count("\tpinned ") == 3
        js = json.loads(ours("prog", "list", "id", str(p.id), "--json").stdout)[0]
        assert sorted(js["pinned"]) == sorted(bpftool_json("-f", "prog", "show", "id", str(p.id))["pinned"])
        walk = [str(paths[0]), str(paths[1] / "deep"), str(paths[2])]
        assert sorted(js["pinned"]) == walk
    finally:
        for path in (paths[0], paths[1] / "deep", paths[2]):
            if path.exists():
                path.unlink()
        paths[1].rmdir() if paths[1].exists() else None
        top.rmdir()


def test_selectors_and_full_name(loaded):
    lng = loaded["a_program_with_a_long_name"]
    for words in (("name", "a_program_with_a_long_name"), ("id", str(lng.id))):
        (e,) = list_programs(parse_selector(words)).programs
        assert e.full_name == "a_program_with_a_long_name" and e.info.name == "a_program_with_"
    # the kernel's 15-character name selects it too, as bpftool 7.1 does
    (e,) = list_programs(parse_selector(("name", "a_program_with_"))).programs
    assert e.info.id == lng.id


def test_loaded_at_is_wall_clock(loaded):
    p = loaded["tc_mark"]
    (e,) = list_programs(parse_selector(("id", str(p.id)))).programs
    assert e.loaded_at == bpftool_json("prog", "show", "id", str(p.id))["loaded_at"]
    import time

    since_boot = time.clock_gettime(time.CLOCK_BOOTTIME)
    assert abs(e.loaded_at - (time.time() - since_boot + e.info.load_time_ns / 1e9)) <= 1
    assert boot_to_wall(e.info.load_time_ns) == e.loaded_at
