"""Structure-aware mutations.

Random bytes rarely get past a parser's first check; these mutate one field
of a real structure at a time, with values that sit on the boundaries
parsers get wrong (0, 1, -1, the table's size, another entry's value, a
self reference), so the campaign reaches the code behind the checks.

* ELF: file header (shoff, shnum, shstrndx, class, data), section headers
  (every field), symbols, relocations, instructions in code sections, and
  the .BTF/.BTF.ext sections through the BTF mutators;
* BTF: header fields, type records (kind, vlen, kflag, size/type), member and
  parameter entries (type ids, bit offsets, bitfield sizes), name offsets,
  string bytes;
* BTF.ext: header offsets/lengths, record sizes, per-section counts,
  instruction offsets, type ids, access strings, relocation kinds;
* text logs: whole lines (duplicate, drop, swap, insert one of the real
  shapes), numbers (huge digit strings, 0, negative), repeated tokens and
  runs of spaces inside a line, invalid UTF-8.
"""

from __future__ import annotations

import random
import re
import struct

U64 = (1 << 64) - 1


def interesting(rng: random.Random, bits: int, related: list[int] = ()) -> int:
    top = (1 << bits) - 1
    choices = [0, 1, 2, 7, 8, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, top, top - 1, top >> 1, (top >> 1) + 1]
    roll = rng.random()
    if related and roll < 0.5:
        v = rng.choice(related)
        return (v + rng.choice((-8, -1, 0, 0, 1, 8))) & top
    if roll < 0.85:
        return rng.choice(choices) & top
    return rng.getrandbits(bits)


# -- generic -------------------------------------------------------------------------

def byte_mutate(data: bytes, rng: random.Random, max_size: int, others: list[bytes] = ()) -> bytes:
    d = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        if not d:
            d += bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 16)))
            continue
        i = rng.randrange(len(d))
        if op == 0:
            d[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            d[i] = rng.choice((0, 0xFF, 0x7F, 0x80, rng.getrandbits(8)))
        elif op == 2:
            del d[i:i + rng.randint(1, 32)]
        elif op == 3:
            j = rng.randrange(len(d))
            d[i:i] = d[j:j + rng.randint(1, 64)]
        elif op == 4 and others:
            o = rng.choice(others)
            if o:
                j = rng.randrange(len(o))
                d[i:] = o[j:j + rng.randint(1, 4096)]
        else:
            w = rng.choice((2, 4, 8))
            if i + w <= len(d):
                d[i:i + w] = interesting(rng, 8 * w).to_bytes(w, rng.choice(("little", "big")))
    return bytes(d[:max_size])


# -- ELF -------------------------------------------------------------------------------

_SHDR = "IIQQQQIIQQ"
_SHDR_BITS = (32, 32, 64, 64, 64, 64, 32, 32, 64, 64)


def _elf_layout(d: bytes):
    if len(d) < 64 or d[:4] != b"\x7fELF" or d[4] != 2 or d[5] not in (1, 2):
        return None
    e = "<" if d[5] == 1 else ">"
    shoff, = struct.unpack_from(e + "Q", d, 0x28)
    shnum, = struct.unpack_from(e + "H", d, 0x3C)
    secs = []
    for i in range(min(shnum, 512)):
        at = shoff + i * 64
        if at + 64 > len(d):
            break
        secs.append((at, list(struct.unpack_from(e + _SHDR, d, at))))
    return e, secs


def elf_mutate(data: bytes, rng: random.Random, max_size: int, others: list[bytes] = ()) -> bytes:
    lay = _elf_layout(data)
    if lay is None:
        return byte_mutate(data, rng, max_size, others)
    e, secs = lay
    d = bytearray(data)
    op = rng.randrange(10)
    if op == 0 or not secs:  # file header
        field = rng.choice([(0x28, "Q"), (0x3C, "H"), (0x3E, "H"), (0x3A, "H"), (0x12, "H"), (4, "B"), (5, "B")])
        off, fmt = field
        struct.pack_into(e + fmt, d, off, interesting(rng, struct.calcsize(fmt) * 8,
                                                      [len(d), len(secs), len(d) - 64]))
        return bytes(d)
    at, hdr = rng.choice(secs)
    if op <= 3:  # one section header field
        k = rng.randrange(10)
        related = [s[1][k] for s in secs] + [len(d), len(secs), hdr[5], hdr[4]]
        hdr[k] = interesting(rng, _SHDR_BITS[k], related)
        struct.pack_into(e + _SHDR, d, at, *hdr)
        return bytes(d)
    typ, off, size = hdr[1], hdr[4], hdr[5]
    if typ == 8 or off + size > len(d) or not size:
        return byte_mutate(data, rng, max_size, others)
    if op <= 5 and typ == 2 and size >= 24:  # a symbol
        i = off + 24 * rng.randrange(size // 24)
        fld = rng.choice([(0, "I"), (4, "B"), (5, "B"), (6, "H"), (8, "Q"), (16, "Q")])
        struct.pack_into(e + fld[1], d, i + fld[0],
                         interesting(rng, struct.calcsize(fld[1]) * 8, [len(secs), size // 24, hdr[3]]))
        return bytes(d)
    if op <= 5 and typ in (4, 9):  # a relocation
        ent = 24 if typ == 4 else 16
        if size >= ent:
            i = off + ent * rng.randrange(size // ent)
            if rng.random() < 0.5:
                struct.pack_into(e + "Q", d, i, interesting(rng, 64, [size, 8, 16]))
            else:
                sym, rtype = rng.getrandbits(8), rng.choice((1, 2, 3, 4, 10, 0xFF))
                struct.pack_into(e + "Q", d, i + 8, (interesting(rng, 32, [sym]) << 32) | rtype)
            return bytes(d)
    name = _sec_name(d, e, secs, hdr)
    body = bytes(d[off:off + size])
    if name == b".BTF":
        new = btf_mutate(body, rng, size)
    elif name == b".BTF.ext":
        new = btf_ext_mutate(body, rng, size)
    elif hdr[2] & 4 and size >= 8:  # code: one field of one instruction
        new = bytearray(body)
        i = 8 * rng.randrange(size // 8)
        j = rng.choice((0, 1, 2, 4))
        w = {0: 1, 1: 1, 2: 2, 4: 4}[j]
        new[i + j:i + j + w] = interesting(rng, 8 * w, [0x18, 0x85, 0x95, 0x05]).to_bytes(w, "little")
        new = bytes(new)
    else:
        new = byte_mutate(body, rng, size, ())
    new = new[:size].ljust(size, b"\0")
    d[off:off + size] = new
    return bytes(d)


def _sec_name(d, e, secs, hdr) -> bytes:
    try:
        shstrndx, = struct.unpack_from(e + "H", d, 0x3E)
        strhdr = secs[shstrndx][1]
        start = strhdr[4] + hdr[0]
        end = d.index(b"\0", start, strhdr[4] + strhdr[5])
        return bytes(d[start:end])
    except (IndexError, ValueError, struct.error):
        return b""


# -- BTF -----------------------------------------------------------------------------------

_BTF_FIXED = {1: 4, 3: 12, 14: 4, 17: 4}  # extra words after the 3-word header
_BTF_ITEM = {4: 12, 5: 12, 6: 8, 13: 8, 15: 12, 19: 12}
# three-word kinds whose third word is a type id: PTR, then TYPEDEF, VOLATILE,
# CONST, RESTRICT, TYPE_TAG (what a modifier/typedef chain is made of)
_BTF_REF_KINDS = (2, 8, 9, 10, 11, 18)


def _btf_layout(d: bytes):
    if len(d) < 24 or d[:2] not in (b"\x9f\xeb", b"\xeb\x9f"):
        return None
    e = "<" if d[:2] == b"\x9f\xeb" else ">"
    hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from(e + "5I", d, 4)
    start = hdr_len + type_off
    end = min(len(d), start + type_len)
    recs = []
    pos = start
    while pos + 12 <= end and len(recs) < 4096:
        info, = struct.unpack_from(e + "I", d, pos + 4)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        n = 12 + _BTF_FIXED.get(kind, 0) + _BTF_ITEM.get(kind, 0) * vlen
        recs.append((pos, n, kind))
        pos += n
    return e, (hdr_len, type_off, type_len, str_off, str_len), recs


def btf_mutate(data: bytes, rng: random.Random, max_size: int, others: list[bytes] = ()) -> bytes:
    lay = _btf_layout(data)
    if lay is None:
        return byte_mutate(data, rng, max_size, others)
    e, (hdr_len, type_off, type_len, str_off, str_len), recs = lay
    d = bytearray(data)
    ntypes = len(recs)
    ids = [0, 1, ntypes, ntypes + 1, rng.randint(0, max(ntypes, 1))]
    strs = [0, str_len - 1, str_len, str_len + 1, rng.randrange(max(str_len, 1))]
    op = rng.randrange(12)
    if op == 0 or not recs:  # header field
        i = rng.randrange(6)
        if i == 0:
            d[2] = rng.choice((0, 1, 2, 0xFF))
        else:
            struct.pack_into(e + "I", d, 4 * i, interesting(rng, 32, [hdr_len, type_off, type_len,
                                                                      str_off, str_len, len(d)]))
        return bytes(d)
    tid = rng.randrange(ntypes)
    pos, n, kind = recs[tid]
    tid += 1
    if op <= 3:  # info word: kind / vlen / kflag
        info, = struct.unpack_from(e + "I", d, pos + 4)
        what = rng.randrange(3)
        if what == 0:
            info = (info & ~(0x1F << 24)) | (rng.randrange(32) << 24)
        elif what == 1:
            info = (info & ~0xFFFF) | interesting(rng, 16, [info & 0xFFFF])
        else:
            info ^= 1 << 31
        struct.pack_into(e + "I", d, pos + 4, info)
        return bytes(d)
    if op <= 6:  # size/type: references, cycles
        if kind in _BTF_REF_KINDS and rng.random() < 0.3:
            # a modifier or typedef chain that loops: to itself, or to another
            # reference type that may point back (the walks must stop)
            others = [i + 1 for i, r in enumerate(recs) if r[2] in _BTF_REF_KINDS]
            new_kind = rng.choice(_BTF_REF_KINDS[1:])
            struct.pack_into(e + "II", d, pos + 4, new_kind << 24, rng.choice([tid, rng.choice(others)]))
            return bytes(d)
        struct.pack_into(e + "I", d, pos + 8, rng.choice([tid, tid - 1, tid + 1] + ids
                                                         + [interesting(rng, 32)]))
        return bytes(d)
    if op <= 7:  # name offset
        struct.pack_into(e + "I", d, pos, rng.choice(strs + [interesting(rng, 32)]))
        return bytes(d)
    if op <= 9 and n > 12:  # one word of the record's body (members, params, array...)
        w = pos + 12 + 4 * rng.randrange((min(n, len(d) - pos) - 12) // 4 or 1)
        if w + 4 > len(d):
            return byte_mutate(data, rng, max_size, others)
        struct.pack_into(e + "I", d, w, rng.choice(ids + strs + [tid, interesting(rng, 32)]))
        return bytes(d)
    if op == 10:  # strings: drop a NUL, add non-UTF-8 bytes
        s0 = hdr_len + str_off
        if s0 < len(d):
            i = rng.randrange(s0, len(d))
            d[i] = rng.choice((0, 0xFF, 0xC3, 0x80, ord("a")))
        return bytes(d)
    item = _BTF_ITEM.get(kind, 0)
    info, = struct.unpack_from(e + "I", d, pos + 4)
    if rng.random() < 0.5 and item and info & 0xFFFF and pos + n <= len(d):
        # many more members / values / parameters like the last one: wide
        # types, repeated uses of one (anonymous) type
        k = rng.choice((8, 64, 300))
        k = min(k, 0xFFFF - (info & 0xFFFF))
        last = d[pos + n - item:pos + n]
        d[pos + n:pos + n] = last * k
        struct.pack_into(e + "I", d, pos + 4, info + k)
        grow = item * k
    else:
        # duplicate a record (the type section grows, the string offset moves)
        d[pos:pos] = d[pos:pos + n]
        grow = n
    struct.pack_into(e + "I", d, 12, (type_len + grow) & 0xFFFFFFFF)
    if str_off >= type_off + type_len:
        struct.pack_into(e + "I", d, 16, (str_off + grow) & 0xFFFFFFFF)
    return bytes(d[:max_size])


def btf_ext_mutate(data: bytes, rng: random.Random, max_size: int, others: list[bytes] = ()) -> bytes:
    if len(data) < 32 or data[:2] not in (b"\x9f\xeb", b"\xeb\x9f"):
        return byte_mutate(data, rng, max_size, others)
    e = "<" if data[:2] == b"\x9f\xeb" else ">"
    d = bytearray(data)
    hdr_len, = struct.unpack_from(e + "I", d, 4)
    op = rng.randrange(4)
    if op == 0:  # header: hdr_len, the (off, len) pairs
        i = rng.randrange(1, min(8, len(d) // 4))
        struct.pack_into(e + "I", d, 4 * i, interesting(rng, 32, [len(d), hdr_len, 8, 16, 24]))
        return bytes(d)
    # a word in one of the three info blocks: record size, sec name, count, insn_off, type_id...
    blocks = []
    for k in range(3):
        if 8 + 8 * k + 8 > min(hdr_len, len(d)):
            break
        off, ln = struct.unpack_from(e + "II", d, 8 + 8 * k)
        if ln and hdr_len + off + ln <= len(d):
            blocks.append((hdr_len + off, ln))
    if not blocks:
        return byte_mutate(data, rng, max_size, others)
    start, ln = rng.choice(blocks)
    w = start + 4 * rng.randrange(ln // 4)
    old, = struct.unpack_from(e + "I", d, w)
    struct.pack_into(e + "I", d, w, interesting(rng, 32, [old, 8, 16, 0xFFFF]))
    return bytes(d)


# -- text logs ---------------------------------------------------------------------------

# Real shapes of the lines the parsers look for (kernel/bpf/verifier.c, log.c;
# include/linux/filter.h bpf_jit_dump; lib/hexdump.c).
SHAPES = [
    b"0: (b7) r0 = 0",
    b"1: (85) call bpf_map_lookup_elem#1",
    b"2: (61) r1 = *(u32 *)(r1 +0)          ; R1_w=scalar(smin=0,smax=255) R10=fp0",
    b"3: R0=map_value_or_null(id=1,off=0,ks=4,vs=8,imm=0) R10=fp0 fp-8=mmmm????",
    b"from 4 to 6: R0=map_value(off=0,ks=4,vs=8,imm=0) R10=fp0",
    b"; return *val; @ prog.c:12",
    b"5: (05) goto pc+1",
    b"func#0 @0",
    b"R1 invalid mem access 'map_value_or_null'",
    b"processed 12 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 1",
    b"verification time 31 usec",
    b"stack depth 8+0",
    b"libbpf: prog 'xdp_prog': BPF program load failed: Permission denied",
    b"libbpf: prog 'xdp_prog': failed to load: -13",
    b"load program: permission denied: invalid mem access (12 line(s) omitted)",
    b"caller:\n R6=ctx() R10=fp0\ncallee:\n frame1: R1=ctx() R10=fp0",
    b"6: frame1: R1=ctx() R10=fp0 refs=2",
    b"flen=55 proglen=64 pass=4 image=ffffffffa0006820 from=xdp pid=1333",
    b"JIT code: 00000000: 55 48 89 e5 48 81 ec 28 02 00 00 48 89 9d d8 fd",
    b"JIT code: 00000010: cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc",
    b"[   12.345678] [  T123] flen=2 proglen=16 pass=3 image=000000004f5b3d7a from=a b pid=7",
    b"6,1234,5678901,-,caller=T77;JIT code: 00000000: 0f 1f 44 00 00 66 90 55",
    b"Dec  1 15:00:00 host kernel: flen=1 proglen=1 pass=1 image=(null) from=x pid=1",
    # what surrounds pasted logs (explain reads through it)
    b"libbpf: load bpf program failed: Invalid argument",
    b"libbpf: -- BEGIN DUMP LOG ---",
    b"libbpf: -- END LOG --",
    b"libbpf: prog 'xdp_prog': -- BEGIN PROG LOAD LOG --",
    b"-- END PROG LOAD LOG --",
    b"[root@host dir]# ./loader",
    b"[..]",
    b"R2 invalid mem access 'inv'   <--------- here",
    b"It fails with `invalid bpf_context access off=12 size=4` on SEC(\"xdp\")",
    b"Error log:",
]
# Prefixes loggers and pastes put before each line of a log
_WRAPS = [b"[2026-03-01T09:12:44Z ERROR agent::probes] ",
          b"2026-03-01T09:12:44.120611Z  WARN ThreadId(03) sched::log: src/log.rs:21: ",
          b'level=warning msg="', b"ERRO[0045] ", b"Dec  2 10:00:01 host agent[3080]: ", b"> ", b"18: ",
          b"    ", b"\t"]
_TOKENS = [b" @ ", b"  ", b" proglen=", b"flen=1 proglen=1 pass=1 image=x from=", b" pid=", b"JIT code: ",
           b"R1=", b"fp-8=", b"frame1: ", b"(", b"; ", b"scalar(", b"00 ", b"\xff", b"\t", b"\r", b"=",
           b"from 1 to 2: ", b"func#1 @2 ", b"+", b"insn "]
_NUM = re.compile(rb"-?\d+")


def text_mutate(data: bytes, rng: random.Random, max_size: int, others: list[bytes] = ()) -> bytes:
    lines = data.split(b"\n")
    op = rng.randrange(11)
    i = rng.randrange(len(lines))
    line = lines[i]
    if op == 0:
        lines[i:i] = [line] * rng.randint(1, 64)
    elif op == 1 and len(lines) > 1:
        del lines[i:i + rng.randint(1, 8)]
    elif op == 2:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 3:
        lines.insert(i, rng.choice(SHAPES))
    elif op == 4:  # a number: huge, zero, negative
        nums = list(_NUM.finditer(line))
        if nums:
            m = rng.choice(nums)
            repl = rng.choice([b"9" * rng.choice((20, 4400, 10000)), b"0", b"-1", b"4294967296",
                               b"18446744073709551616", b"1" + b"0" * 30])
            lines[i] = line[:m.start()] + repl + line[m.end():]
    elif op == 5:  # one token repeated many times inside the line
        tok = rng.choice(_TOKENS) if rng.random() < 0.7 or not line else \
            line[rng.randrange(len(line)):][:rng.randint(1, 40)]
        at = rng.randrange(len(line) + 1)
        lines[i] = line[:at] + tok * rng.choice((2, 10, 100, 1000, 3000)) + line[at:]
    elif op == 6:  # invalid UTF-8 / control bytes
        at = rng.randrange(len(line) + 1)
        lines[i] = line[:at] + rng.choice((b"\xff", b"\xc3", b"\x00", b"\xed\xa0\x80", b"\x1b[1m")) + line[at:]
    elif op == 7:
        lines[i] = line[:rng.randrange(len(line) + 1)]
    elif op == 8 and others:
        o = rng.choice(others).split(b"\n")
        k = rng.randrange(len(o))
        lines[i:i] = o[k:k + rng.randint(1, 20)]
    elif op == 9:  # a logger's (or a paste's) prefix on a run of lines
        wrap = rng.choice(_WRAPS)
        for k in range(i, min(len(lines), i + rng.choice((1, 5, 50, 5000)))):
            lines[k] = wrap + lines[k]
    else:
        return byte_mutate(data, rng, max_size, others)
    return b"\n".join(lines)[:max_size]


# -- kernel images ---------------------------------------------------------------------

def _unwrap(data: bytes):
    """(inner, rewrap) for a compressed stream or a bzImage, else None: the
    mutation goes inside, so the decoders pass and the reader behind them runs."""
    import bz2
    import gzip
    import lzma

    try:
        if data[:2] == b"\x1f\x8b":
            return gzip.decompress(data)[:1 << 20], gzip.compress
        if data[:6] == b"\xfd7zXZ\x00":
            return lzma.decompress(data)[:1 << 20], lambda b: lzma.compress(b, format=lzma.FORMAT_XZ)
        if data[:3] == b"BZh":
            return bz2.decompress(data)[:1 << 20], bz2.compress
        if len(data) > 0x250 and data[0x202:0x206] == b"HdrS":
            off, size = struct.unpack_from("<II", data, 0x248)
            start = (data[0x1F1] + 1) * 512 + off
            head = bytearray(data[:start])

            def rewrap(inner: bytes) -> bytes:
                struct.pack_into("<I", head, 0x24C, len(inner))
                return bytes(head) + inner + b"\0" * 16
            return data[start:start + size], rewrap
    except (OSError, EOFError, lzma.LZMAError, ValueError, struct.error):
        return None
    return None


def image_mutate(data: bytes, rng: random.Random, max_size: int, others: list[bytes] = ()) -> bytes:
    got = _unwrap(data) if rng.random() < 0.7 else None
    if got is not None:
        inner, rewrap = got
        return rewrap(image_mutate(inner, rng, 1 << 20, others))[:max(max_size, 1 << 16)]
    if data[:3] in (b"\x9f\xeb\x01", b"\xeb\x9f\x01"):
        return btf_mutate(data, rng, max_size, others)
    if data[:4] == b"\x7fELF":
        return elf_mutate(data, rng, max_size, others)
    i = data.find(b"\x9f\xeb\x01")
    if i > 0 and rng.random() < 0.6:  # the BTF inside a kernel payload
        end = i + 24 + int.from_bytes(data[i + 16:i + 20], "little") + int.from_bytes(data[i + 20:i + 24], "little")
        return data[:i] + btf_mutate(data[i:end], rng, max_size, others) + data[end:]
    return byte_mutate(data, rng, max_size, others)


MUTATORS = {"elf": elf_mutate, "btf": btf_mutate, "vlog": text_mutate, "jitlog": text_mutate,
            "image": image_mutate}
