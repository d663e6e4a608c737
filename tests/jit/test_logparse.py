"""The JIT dump parser: every log form, real images, exact bytes back."""

import random

import pytest
from .jit_logforms import FORMS, WITH_CALLER, DumpSpec, dump_lines, make_log

from bpfdoctor.errors import NotFoundError, ParseError
from bpfdoctor.jit.logformat import format_kernel_log, format_rows
from bpfdoctor.jit.logparse import parse_log, require_complete, select_dump


def _specs(images, **kw):
    specs = []
    for i, (name, (data, meta)) in enumerate(images.items()):
        specs.append(DumpSpec(data, meta["flen"], passes=2 + i, comm=meta["name"][:15], pid=1000 + i,
                              caller=f"T{1000 + i}", **kw))
    return specs


def test_seed_dump(seed_text):
    jl = parse_log(seed_text, "seed")
    (d,) = jl.dumps
    assert (d.flen, d.proglen, d.passes, d.image, d.comm, d.pid) == (55, 335, 4, "ffffffffa0006820",
                                                                      "xdp_ddos01_blac", 13333)
    assert d.complete and d.bytes_found == 335 and d.prefix_type == "offset"
    assert d.data[:4] == bytes.fromhex("554889e5") and d.data[-2:] == b"\xc9\xc3"
    assert (d.first_line, d.last_line, jl.lines) == (1, 22, 22)
    assert not d.all_int3 and d.problems == ()


def test_format_kernel_log_round_trips_seed_byte_for_byte(seed_text):
    d = parse_log(seed_text).dumps[0]
    text = format_kernel_log(d.data, flen=d.flen, passes=d.passes, image_ptr=d.image, comm=d.comm, pid=d.pid)
    assert text == seed_text


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 31, 32, 33, 335])
def test_rows_follow_print_hex_dump(size):
    # lib/hexdump.c: "%.8x: " then "%02x" joined by one space, no trailing
    # space; the last row holds the remainder.
    data = bytes(range(256)) * 2
    rows = format_rows(data[:size])
    assert len(rows) == (size + 15) // 16
    for i, row in enumerate(rows):
        chunk = data[16 * i: min(16 * i + 16, size)]
        assert row == f"JIT code: {16 * i:08x}: " + " ".join(f"{b:02x}" for b in chunk)


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_every_log_form_recovers_exact_bytes(images, form, newline):
    rng = random.Random(form)
    specs = _specs(images)
    text = make_log(specs, FORMS[form], rng=rng, noise=0.3, newline=newline)
    jl = parse_log(text, form)
    assert [d.data for d in jl.dumps] == [s.image for s in specs]
    for d, s in zip(jl.dumps, specs):
        assert d.complete and (d.flen, d.passes, d.comm, d.pid) == (s.flen, s.passes, s.comm, s.pid)
        if form in WITH_CALLER:
            assert d.caller == s.caller
    assert jl.orphan_rows == 0


@pytest.mark.parametrize("form", sorted(FORMS))
def test_timestamps_taken_from_prefix(images, form):
    text = make_log(_specs(images)[:1], FORMS[form], rng=random.Random(1))
    d = parse_log(text).dumps[0]
    assert (d.timestamp is None) == (form in ("bare", "dmesg_ctime"))


def test_old_kernel_header_and_address_rows(images):
    # Pre-3.13 kernels: no from=/pid=, "%p" image, DUMP_PREFIX_ADDRESS rows.
    data = next(iter(images.values()))[0]
    base = 0xFFFFFFFFA0006000
    spec = DumpSpec(data, 20, image_ptr=f"{base:016x}", comm=None, pid=None, address=base)
    text = make_log([spec], FORMS["dmesg"], rng=random.Random(2), noise=0.2)
    (d,) = parse_log(text).dumps
    assert d.data == data and d.complete and d.prefix_type == "address"
    assert d.comm is None and d.pid is None and d.image_address == base


def test_32bit_address_rows(images):
    data = next(iter(images.values()))[0]
    spec = DumpSpec(data, 20, image_ptr="f8a3c000", comm=None, pid=None)
    lines = dump_lines(spec)
    rows = [r.replace(f"JIT code: {16 * i:08x}", f"JIT code: {0xf8a3c000 + 16 * i:08x}")
            for i, r in enumerate(lines[1:])]
    (d,) = parse_log("\n".join([lines[0]] + rows)).dumps
    assert d.data == data and d.prefix_type == "address"


@pytest.mark.parametrize("ptr", ["00000000c0ffee12", "0000000000000000", "(____ptrval____)"])
def test_hashed_and_hidden_image_pointers(images, ptr):
    data = next(iter(images.values()))[0]
    text = make_log([DumpSpec(data, 9, image_ptr=ptr)], FORMS["journal_short"], rng=random.Random(3))
    (d,) = parse_log(text).dumps
    assert d.image == ptr and d.data == data and d.complete


def test_comm_with_spaces_and_utf8(images):
    data = next(iter(images.values()))[0]
    text = make_log([DumpSpec(data, 9, comm="my tool ü", pid=7)], FORMS["dmesg"], rng=random.Random(4))
    (d,) = parse_log(text.encode()).dumps
    assert d.comm == "my tool ü" and d.pid == 7


def test_truncated_dump_reports_bytes_found(images):
    specs = _specs(images)
    lines = make_log(specs, FORMS["dmesg"], rng=random.Random(5), between=0).splitlines()
    cut = len(dump_lines(specs[0])) + 4  # keep dump 0 and 3 rows of dump 1
    jl = parse_log("\n".join(lines[:cut]))
    assert jl.dumps[0].complete
    d = jl.dumps[1]
    assert not d.complete and d.bytes_found == 48 and d.data == specs[1].image[:48]
    assert f"truncated: 48 of {d.proglen} bytes found" in d.problems
    with pytest.raises(ParseError, match="incomplete"):
        require_complete(d, "x.log")


def test_missing_middle_row_stops_at_the_gap(images):
    data = next(iter(images.values()))[0]
    lines = dump_lines(DumpSpec(data, 9))
    del lines[3]  # row at offset 0x20
    (d,) = parse_log("\n".join(lines)).dumps
    assert d.data == data[:32] and not d.complete
    assert parse_log("\n".join(lines)).orphan_rows == len(lines) - 3


def test_new_header_ends_previous_dump_of_same_task(images):
    specs = _specs(images)
    a = dump_lines(specs[0])
    b = dump_lines(specs[1])
    jl = parse_log("\n".join(a[:3] + b))
    assert [d.complete for d in jl.dumps] == [False, True]
    assert jl.dumps[1].data == specs[1].image


def test_concurrent_dumps_interleaved_with_caller_ids(images):
    # Two CPUs print at once: rows alternate, caller ids tell them apart.
    specs = _specs(images)[:2]
    la, lb = dump_lines(specs[0]), dump_lines(specs[1])
    merged = []
    for i in range(max(len(la), len(lb))):
        if i < len(la):
            merged.append(FORMS["kmsg_caller"](i, 0, specs[0].caller, la[i]))
        if i < len(lb):
            merged.append(FORMS["kmsg_caller"](i, 0, specs[1].caller, lb[i]))
    jl = parse_log("\n".join(merged))
    assert [d.data for d in jl.dumps] == [specs[0].image, specs[1].image]


def test_concurrent_dumps_without_caller_ids_by_offset(images):
    # Both headers first, then rows alternating: offsets keep them apart.
    specs = _specs(images)[:2]
    la, lb = dump_lines(specs[0]), dump_lines(specs[1])
    merged = [la[0], lb[0]]
    for i in range(1, max(len(la), len(lb))):
        merged += ([la[i]] if i < len(la) else []) + ([lb[i]] if i < len(lb) else [])
    jl = parse_log("\n".join(merged))
    assert [d.data for d in jl.dumps] == [specs[0].image, specs[1].image]


def test_rows_before_any_header_are_orphans(images):
    data = next(iter(images.values()))[0]
    lines = dump_lines(DumpSpec(data, 9))
    jl = parse_log("\n".join(lines[5:] + lines))
    assert len(jl.dumps) == 1 and jl.dumps[0].data == data and jl.orphan_rows == len(lines) - 5


def test_null_image_and_empty_program():
    jl = parse_log("flen=3 proglen=40 pass=1 image=(null) from=x pid=1\n"
                   "flen=0 proglen=0 pass=1 image=0000000000000000 from=x pid=1\n")
    a, b = jl.dumps
    assert not a.complete and any("NULL" in p for p in a.problems)
    assert b.complete and b.data == b""


def test_more_bytes_than_proglen_is_a_problem():
    text = "flen=1 proglen=3 pass=1 image=ffff\nJIT code: 00000000: 90 90 90 90\n"
    (d,) = parse_log(text).dumps
    assert d.data == b"\x90" * 3 and not d.complete and "more than proglen" in d.problems[0]


def test_all_int3_image_is_flagged():
    text = format_kernel_log(b"\xcc" * 64, flen=5, passes=3, image_ptr="ffffffffc0000000", comm="t", pid=1)
    (d,) = parse_log(text).dumps
    assert d.all_int3 and d.complete and d.to_dict()["all_int3"] is True


def test_select_dump(images):
    specs = _specs(images)
    jl = parse_log(make_log(specs, FORMS["dmesg"], rng=random.Random(6)), "t.log")
    assert select_dump(jl).data == specs[-1].image  # the last, as bpf_jit_disasm
    assert select_dump(jl, index=0).data == specs[0].image
    assert select_dump(jl, index=-2).data == specs[-2].image
    assert select_dump(jl, pid=1001).data == specs[1].image
    assert select_dump(jl, comm=specs[0].comm).data == specs[0].image
    with pytest.raises(NotFoundError, match="t.log: no JIT dump with index 9"):
        select_dump(jl, index=9)
    with pytest.raises(NotFoundError, match="pid 5"):
        select_dump(jl, pid=5)
    with pytest.raises(NotFoundError, match="no JIT dump found"):
        select_dump(parse_log("nothing here\n", "empty.log"))


def test_json_keys_are_stable(seed_text):
    d = parse_log(seed_text, "s").to_dict()
    assert list(d) == ["source", "lines", "orphan_rows", "dumps"]
    assert list(d["dumps"][0]) == ["index", "flen", "proglen", "pass", "image", "comm", "pid", "caller",
                                   "timestamp", "first_line", "last_line", "prefix_type", "bytes_found",
                                   "complete", "all_int3", "problems"]


def test_line_numbers_count_from_one(images):
    data = next(iter(images.values()))[0]
    text = "a\nb\n" + format_kernel_log(data, flen=1) + "c\n"
    jl = parse_log(text)
    d = jl.dumps[0]
    assert d.first_line == 3 and d.last_line == 3 + (len(data) + 15) // 16 and jl.lines == d.last_line + 1
