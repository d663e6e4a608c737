"""Seed inputs per kind, from the fixtures and real inputs.

* elf: the fixture objects (tests/bpf/build/*.o, both byte orders, every ISA
  version), up to ``MAX_SEED`` bytes each;
* btf: their .BTF sections as raw BTF, plus small self-contained slices of
  the running kernel's /sys/kernel/btf/vmlinux when it is readable;
* vlog: the verifier logs in tests/verifier/logs;
* image: a fixture's BTF raw, compressed, in a vmlinux, a bzImage, a .deb
  and a BTFHub tar (as compat.image reads kernels);
* jitlog: tests/fuzz/seeds/jitlog (a real bpf_jit_enable=2 dump) and the
  log forms the JIT tests generate;

and, for every kind, the saved regression inputs of its targets.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
BUILD = TESTS / "bpf" / "build"
REGRESSIONS = HERE / "regressions"
MAX_SEED = 64 * 1024


def _files(folder: Path, pattern: str) -> list[bytes]:
    if not folder.is_dir():
        return []
    return [p.read_bytes() for p in sorted(folder.glob(pattern)) if p.is_file() and p.stat().st_size <= MAX_SEED]


def _btf_sections(objs: list[bytes]) -> list[bytes]:
    from bpfdoctor.elf.reader import ElfFile

    out = []
    for data in objs:
        try:
            elf = ElfFile(data)
        except Exception:  # noqa: BLE001 - a seed that is not an object just gives no BTF
            continue
        btf = elf.section_data(".BTF")
        if btf:
            out.append(btf)
    return out


def _jit_forms() -> list[bytes]:
    import random
    import sys

    sys.path.insert(0, str(TESTS))
    try:
        from jit.jit_logforms import FORMS, DumpSpec, make_log  # type: ignore
    except Exception:  # noqa: BLE001 - the generator is optional
        return []
    finally:
        sys.path.remove(str(TESTS))
    data = bytes(range(7, 250, 3))
    specs = [DumpSpec(data, 10, pid=1), DumpSpec(data[::-1], 11, pid=2, address=0xFFFFFFFFA0000000,
                                                 image_ptr="ffffffffa0000000")]
    return [make_log(specs, form, rng=random.Random(0), noise=0.2).encode() for form in FORMS.values()]


def _vlog_forms() -> list[bytes]:
    """Saved logs as people paste them: each line wrapped by a logger (logfmt,
    logrus, syslog), cut behind a loader's one-line summary, framed by
    iproute2 or by a bare BEGIN/END pair."""
    logs = TESTS / "verifier" / "logs"
    try:
        cuts = [(logs / n).read_text().splitlines()[-40:] for n in ("map_value_oob.log", "ok_loop_scan.log")]
    except OSError:
        return []
    wrap = {
        "logfmt": lambda ln: 'time="2025-01-02T03:04:05Z" level=warning msg="%s" subsys=loader'
                             % ln.replace("\\", "\\\\").replace('"', '\\"'),
        "logrus": lambda ln: "ERRO[0045] " + ln,
        "syslog": lambda ln: "Dec  2 10:00:01 host agent[3080]: " + ln,
    }
    out = ["\n".join(map(f, lines)).encode() for f in wrap.values() for lines in cuts]
    tail = "\n".join(cuts[0][-12:])
    out.append(("prog: load program: permission denied: 10: (71) r1 = *(u8 *)(r9 +23): regs=10 stack=0: "
                "R0=inv0 R1=map_value(id=0,off=0,ks=4,vs=8): R1 unbounded memory access "
                "(truncated, 40 line(s) omitted)\nVerifier error tail: load program: invalid argument:\n"
                + tail).encode())
    out.append(("Verifier analysis:\n\nSkipped 19625 bytes, use 'verb' option for the full verbose log.\n"
                "[...]\n" + tail).encode())
    out.append(("-- BEGIN PROG LOAD LOG --\n" + tail + "\n-- END PROG LOAD LOG --\nengine: failed\n").encode())
    return out


def regression_inputs(targets: list[str]) -> list[bytes]:
    out = []
    for t in targets:
        out += _files(REGRESSIONS / t, "*")
    return out


def seeds(kind: str) -> list[bytes]:
    from .targets import TARGETS

    if kind in ("elf", "btf"):
        objs = _files(BUILD, "*.o")
        got = objs if kind == "elf" else _btf_sections(objs) + vmlinux_slices() + split_seeds()
    elif kind == "vlog":
        got = _files(TESTS / "verifier" / "logs", "*") + _vlog_forms()
    elif kind == "jitlog":
        got = _files(HERE / "seeds" / "jitlog", "*") + _jit_forms()
    elif kind == "image":
        got = image_seeds(_btf_sections(_files(BUILD, "core.o")), _files(BUILD, "core.o"))
    else:
        raise KeyError(kind)
    got += regression_inputs([t.name for t in TARGETS.values() if t.kind == kind])
    unique = {hashlib.sha1(s).digest(): s for s in got}
    return list(unique.values())


def vmlinux_slices(count: int = 6, path: str = "/sys/kernel/btf/vmlinux",
                   budgets: tuple[int, ...] = (30, 300)) -> list[bytes]:
    """Small raw BTF blobs cut from vmlinux: a few named types and everything
    they reference, one slice per type budget."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return []
    from bpfdoctor.btf.reader import parse_btf

    from .btfslice import slice_btf

    btf = parse_btf(data, path=path)
    out = []
    for name in ("task_struct", "sk_buff", "xdp_md", "bpf_map", "file", "iphdr", "bpf_prog", "cgroup")[:count]:
        for budget in budgets:
            try:
                out.append(slice_btf(btf, name, max_types=budget))
            except Exception:  # noqa: BLE001 - a missing type gives no slice
                break
    return out


def split_base_bytes() -> bytes:
    """The base BTF of the split targets: an 80-type slice of vmlinux, or a
    small hand-made one.  (``btf.split`` C-dumps the base with every input: a
    300-type base made the btf family run at 7 inputs a second.)"""
    got = vmlinux_slices(count=1, budgets=(80,))
    if got:
        return got[0]
    import sys

    sys.path.insert(0, str(TESTS))
    try:
        from btf.btfgen import BtfBuilder  # type: ignore
    finally:
        sys.path.remove(str(TESTS))
    b = BtfBuilder()
    i = b.int_("int", 4, 32, 1)
    lng = b.int_("long", 8, 64, 1)
    p = b.ptr(i)
    b.struct("base_s", 16, [("a", i, 0), ("p", p, 64)])
    b.typedef("base_t", lng)
    return b.encode()


def split_seeds() -> list[bytes]:
    """Split BTF referring to the base's types and strings."""
    import sys

    from bpfdoctor.btf.reader import parse_btf

    sys.path.insert(0, str(TESTS))
    try:
        from btf.btfgen import BtfBuilder  # type: ignore
    finally:
        sys.path.remove(str(TESTS))
    base = parse_btf(split_base_bytes())
    out = []
    for width in (1, 4, 16):
        b = BtfBuilder(base_str_len=len(base.strings), first_id=base.type_count)
        own = b.int_("own_int", 4, 32, 1)
        members = [(f"m{k}", 1 + k % (base.type_count - 1), 64 * k) for k in range(width)]
        s = b.struct("mod_s", 64 * width, members + [("o", own, 64 * width)])
        p = b.ptr(s)
        b.typedef("mod_t", p)
        b.add(13, "", own, width, extra=sum([[0, 1 + k % (base.type_count - 1)] for k in range(width)], []))
        out.append(b.encode())
    return out


def kernel_payload(btf: bytes, release: str = "6.9.12-fuzz") -> bytes:
    """A decompressed 'kernel': banner, padding, the BTF, padding."""
    return (b"\0" * 256 + b"Linux version " + release.encode() + b" (builder@host) #1 SMP\n\0"
            + b"\x90" * 64 + btf + b"\xcc" * 64)


def bzimage(payload: bytes, release: str = "6.9.12-fuzz") -> bytes:
    """An x86 bzImage around ``payload`` (boot protocol 2.15: setup_sects,
    HdrS, kernel_version, payload_offset/length)."""
    import struct

    head = bytearray(4 * 512)
    head[0x1F1] = 3
    head[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", head, 0x206, 0x20F)
    ver = release.encode() + b" (x@y) #1\0"
    head[0x300:0x300 + len(ver)] = ver
    struct.pack_into("<H", head, 0x20E, 0x300 - 0x200)
    struct.pack_into("<II", head, 0x248, 0x80, len(payload))
    return bytes(head) + b"\0" * 0x80 + payload + b"\0" * 16


def _tar(files: dict[str, bytes], mode: str = "w") -> bytes:
    import io
    import tarfile

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def deb(files: dict[str, bytes]) -> bytes:
    """A Debian package: an ar archive with data.tar.xz holding ``files``."""
    members = [("debian-binary", b"2.0\n"), ("control.tar.xz", b""), ("data.tar.xz", _tar(files, "w:xz"))]
    out = b"!<arch>\n"
    for name, body in members:
        out += f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(body):<10}`\n".encode() + body
        out += b"\n" if len(body) & 1 else b""
    return out


def image_seeds(btfs: list[bytes], objs: list[bytes]) -> list[bytes]:
    """The forms compat.image reads, built around a fixture's BTF."""
    import bz2
    import gzip
    import lzma

    out = list(objs)  # a vmlinux-like ELF with .BTF
    for btf in btfs[:1]:
        payload = kernel_payload(btf)
        out += [btf, gzip.compress(btf), lzma.compress(btf, format=lzma.FORMAT_XZ),
                gzip.compress(payload), bz2.compress(payload),
                bzimage(gzip.compress(payload)), bzimage(lzma.compress(payload, format=lzma.FORMAT_XZ)),
                bzimage(lzma.compress(payload, format=lzma.FORMAT_ALONE)),
                _tar({"5.4.0-91-generic.btf": btf}), lzma.compress(_tar({"5.4.0-91-generic.btf": btf})),
                deb({"./boot/vmlinuz-6.9.12-fuzz": bzimage(gzip.compress(payload)),
                     "./boot/config-6.9.12-fuzz": b"CONFIG_BPF_SYSCALL=y\n# CONFIG_KPROBES is not set\n"})]
    return out
