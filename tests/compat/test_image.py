"""Kernel BTF out of vmlinux ELFs, bzImages (every compression the kernel
offers) and .deb packages, built here around a real BTF blob."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import shutil
import struct
import subprocess
import tarfile

import pytest

from bpfdoctor.compat import image
from bpfdoctor.compat.targets import load_target, parse_config, target_from_bytes
from bpfdoctor.errors import InputError


@pytest.fixture(scope="module")
def btf_blob(fixture_obj):
    from bpfdoctor.elf.reader import ElfFile

    elf = ElfFile(fixture_obj("core").read_bytes())
    return elf.section_data(elf.section(".BTF"))


def _kernel_payload(btf: bytes) -> bytes:
    """A decompressed 'kernel': banner, padding, the BTF, more padding."""
    return (b"\0" * 4096 + b"Linux version 6.9.12-test (builder@host) #1 SMP\n\0" + b"\x90" * 1000
            + btf + b"\xcc" * 3000)


def _bzimage(payload: bytes, release: str = "6.9.12-test") -> bytes:
    setup_sects = 3
    head = bytearray((setup_sects + 1) * 512)
    head[0x1F1] = setup_sects
    head[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", head, 0x206, 0x20F)          # boot protocol 2.15
    ver = release.encode() + b" (x@y) #1\0"
    head[0x300:0x300 + len(ver)] = ver
    struct.pack_into("<H", head, 0x20E, 0x300 - 0x200)  # kernel_version, relative to 0x200
    struct.pack_into("<II", head, 0x248, 0x80, len(payload))
    return bytes(head) + b"\0" * 0x80 + payload + b"\0" * 16


def _lz4_legacy(data: bytes) -> bytes | None:
    try:
        from lz4.block import compress
    except ImportError:
        compress = None
    if compress is not None:
        out = b"\x02\x21\x4c\x18"
        for i in range(0, len(data), 8 << 20):
            blk = compress(data[i:i + (8 << 20)], store_size=False)
            out += struct.pack("<I", len(blk)) + blk
        return out
    if shutil.which("lz4"):
        return subprocess.run(["lz4", "-l", "-c"], input=data, capture_output=True, check=True).stdout
    return None


def _zstd(data: bytes) -> bytes | None:
    try:
        import zstandard
    except ImportError:
        zstandard = None
    if zstandard is not None:
        return zstandard.ZstdCompressor().compress(data)
    if shutil.which("zstd"):
        return subprocess.run(["zstd", "-c"], input=data, capture_output=True, check=True).stdout
    return None


@pytest.mark.parametrize("method", ["gzip", "xz", "lzma", "bzip2", "zstd", "lz4"])
def test_bzimage_every_compression(btf_blob, method):
    raw = _kernel_payload(btf_blob)
    comp = {"gzip": lambda d: gzip.compress(d), "xz": lambda d: lzma.compress(d, format=lzma.FORMAT_XZ),
            "lzma": lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE), "bzip2": bz2.compress,
            "zstd": _zstd, "lz4": _lz4_legacy}[method](raw)
    if comp is None:
        pytest.skip(f"no {method} compressor here")
    if method == "zstd":
        try:
            image._zstd(comp)
        except InputError as e:
            if "has no zstd" not in str(e):
                raise
            pytest.skip(str(e))
    # the kernel's build appends the decompressed size, 4 bytes, to every
    # payload (arch/x86/boot/compressed/Makefile, *_with_size)
    blob = image.extract(_bzimage(comp + struct.pack("<I", len(raw))), "vmlinuz-test")
    assert blob.btf == btf_blob and blob.release == "6.9.12-test" and blob.kind == "bzImage"


def test_lz4_pure_python_decoder():
    data = (b"abcabcabcabc" * 500 + bytes(range(256)) * 40 + b"z" * 5000)
    comp = _lz4_legacy(data)
    if comp is None:
        pytest.skip("no lz4 compressor here")
    (size,) = struct.unpack_from("<I", comp, 4)
    assert bytes(image._lz4_block(comp[8:8 + size])) == data


def test_vmlinux_elf(fixture_obj, btf_blob):
    blob = image.extract(fixture_obj("core").read_bytes(), "vmlinux")
    assert blob.kind == "vmlinux" and blob.btf == btf_blob


def _deb(files: dict[str, bytes]) -> bytes:
    tar_io = io.BytesIO()
    with tarfile.open(fileobj=tar_io, mode="w:xz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    members = [("debian-binary", b"2.0\n"), ("control.tar.xz", b""), ("data.tar.xz", tar_io.getvalue())]
    out = b"!<arch>\n"
    for name, body in members:
        out += f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(body):<10}`\n".encode() + body
        out += b"\n" if len(body) & 1 else b""
    return out


def test_deb_package(btf_blob):
    cfg = b"CONFIG_BPF_SYSCALL=y\n# CONFIG_KPROBES is not set\nCONFIG_LSM=\"landlock,bpf\"\n"
    deb = _deb({"./boot/vmlinuz-6.9.12-test": _bzimage(gzip.compress(_kernel_payload(btf_blob))),
                "./boot/config-6.9.12-test": cfg})
    t = target_from_bytes(deb, "linux-image-test.deb")
    assert t.release == "6.9.12-test" and t.version == (6, 9, 12)
    assert t.config == {"BPF_SYSCALL": "y", "LSM": "landlock,bpf"}


def test_sibling_config(tmp_path, btf_blob):
    (tmp_path / "vmlinuz-6.9.12-test").write_bytes(_bzimage(gzip.compress(_kernel_payload(btf_blob))))
    (tmp_path / "config-6.9.12-test").write_bytes(gzip.compress(b"CONFIG_KPROBES=y\n"))
    t = load_target(str(tmp_path / "vmlinuz-6.9.12-test"))
    assert t.config == {"KPROBES": "y"}


def _ar_header(name: str, size: str) -> bytes:
    return f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{size:<10}`\n".encode()


@pytest.mark.parametrize("data,problem", [
    (b"hello world, not a kernel", "not kernel BTF"),
    (b"!<arch>\n", "no data.tar"),
    # a size of -60 (or -61) led back to the same header: the reader never ended
    (b"!<arch>\n" + _ar_header("debian-binary", "-60") + b"2.0\n", r"bad ar member header .*'-60'"),
    (b"!<arch>\n" + _ar_header("debian-binary", "-61") + b"2.0\n", "bad ar member header"),
    (b"!<arch>\n" + _ar_header("debian-binary", "1_0") + b"2.0\n", "bad ar member header"),
    (b"!<arch>\n" + _ar_header("debian-binary", "+4") + b"2.0\n", "bad ar member header"),
])
def test_bad_input(data, problem):
    with pytest.raises(InputError, match=problem):
        image.extract(data, "x")


def test_bzimage_without_btf():
    with pytest.raises(InputError, match="no BTF"):
        image.extract(_bzimage(gzip.compress(b"\0" * 10000)), "vmlinuz")


def test_parse_config_ignores_unset():
    assert parse_config("# CONFIG_X is not set\nCONFIG_Y=m\nCONFIG_Z=\"a b\"\n") == {"Y": "m", "Z": "a b"}


def test_random_and_truncated_input_never_crashes(btf_blob):
    """Whatever the bytes, extract returns BTF or raises the project's error."""
    from hypothesis import given, settings, strategies as st

    from bpfdoctor.errors import BpfDoctorError

    good = _bzimage(gzip.compress(_kernel_payload(btf_blob)))

    @settings(max_examples=150, deadline=None)
    @given(st.one_of(st.binary(max_size=4096),
                     st.integers(0, len(good)).map(lambda n: good[:n]),
                     st.tuples(st.integers(0, len(good) - 1), st.integers(0, 255)).map(
                         lambda p: good[:p[0]] + bytes([p[1]]) + good[p[0] + 1:])))
    def check(data):
        try:
            image.extract(data, "fuzz")
        except BpfDoctorError:
            pass

    check()


@pytest.mark.parametrize("method", ["zstd", "lz4", "xz"])
def test_corrupt_payloads_are_one_error(btf_blob, method):
    raw = _kernel_payload(btf_blob)
    comp = {"zstd": _zstd, "lz4": _lz4_legacy, "xz": lambda d: lzma.compress(d)}[method](raw)
    if comp is None:
        pytest.skip(f"no {method} compressor here")
    bad = comp[:len(comp) // 2] + bytes(b ^ 0x5A for b in comp[len(comp) // 2:])
    try:
        blob = image.extract(_bzimage(bad), "vmlinuz")
    except InputError:
        return
    assert blob.btf != btf_blob or method == "lz4"  # a flipped lz4 literal run can still decode


def test_btfhub_archive(btf_blob):
    """BTFHub ships one kernel's BTF as RELEASE.btf in a .tar.xz."""
    tar_io = io.BytesIO()
    with tarfile.open(fileobj=tar_io, mode="w") as tar:
        info = tarfile.TarInfo("5.4.0-91-generic.btf")
        info.size = len(btf_blob)
        tar.addfile(info, io.BytesIO(btf_blob))
    blob = image.extract(lzma.compress(tar_io.getvalue()), "5.4.0-91-generic.btf.tar.xz")
    assert blob.btf == btf_blob and blob.release == "5.4.0-91-generic"
    t = target_from_bytes(lzma.compress(tar_io.getvalue()), "x.btf.tar.xz")
    assert t.name == "5.4.0-91-generic" and t.version == (5, 4, 0)


def test_unstripped_vmlinux_gives_its_function_names(fixture_obj):
    """A vmlinux with a symbol table (Debian's -dbg package) names functions
    for the kprobe checks; our fixture ELF stands in for one."""
    t = target_from_bytes(fixture_obj("multi_prog").read_bytes(), "vmlinux-dbg")
    assert t.symbols is not None and {"xdp_count", "global_sum"} <= t.symbols


# Decompression bombs and packing without end: the limits are lowered so
# that a test can cross them with a few MB.

_BOMB = {"gzip": gzip.compress, "xz": lambda d: lzma.compress(d, format=lzma.FORMAT_XZ),
         "lzma": lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE), "bzip2": bz2.compress,
         "zstd": _zstd, "lz4": _lz4_legacy}


@pytest.mark.parametrize("method", sorted(_BOMB))
def test_a_payload_that_unpacks_past_the_limit_is_refused(btf_blob, method, monkeypatch):
    payload = _kernel_payload(btf_blob) + bytes(3 << 20)
    comp = _BOMB[method](payload)
    if comp is None:
        pytest.skip(f"no {method} compressor here")
    monkeypatch.setattr(image, "MAX_UNPACKED", 2 << 20)
    with pytest.raises(InputError, match="unpacks to more than|decodes past|cannot decompress"):
        image.extract(_bzimage(comp), "vmlinuz-bomb")
    monkeypatch.setattr(image, "MAX_UNPACKED", 4 << 20)
    assert image.extract(_bzimage(comp), "vmlinuz-bomb").btf == btf_blob


def test_a_compressed_target_that_unpacks_past_the_limit_is_refused(btf_blob, monkeypatch):
    monkeypatch.setattr(image, "MAX_UNPACKED", 1 << 20)
    with pytest.raises(InputError, match="the gzip data unpacks to more than 1,048,576 bytes"):
        image.extract(gzip.compress(btf_blob + bytes(2 << 20)), "vmlinux.btf.gz")


def test_the_pure_lz4_decoder_stops_at_the_block_limit():
    comp = _lz4_legacy(bytes(1 << 20))
    if comp is None:
        pytest.skip("no lz4 compressor here")
    (size,) = struct.unpack_from("<I", comp, 4)
    with pytest.raises(InputError, match="decodes past 65,536 bytes"):
        image._lz4_block(comp[8:8 + size], 1 << 16)


def test_an_archive_member_claiming_more_than_the_limit_is_refused(btf_blob, monkeypatch):
    deb = _deb({"./boot/vmlinuz-6.9.12-test": _bzimage(gzip.compress(_kernel_payload(btf_blob))) + bytes(1 << 20)})
    monkeypatch.setattr(image, "MAX_UNPACKED", 1 << 20)
    with pytest.raises(InputError, match="claims .* bytes, more than"):
        image.extract(deb, "linux-image-big.deb")


@pytest.mark.parametrize("layers", [3, 6, 1200])
def test_packing_without_end_is_refused(btf_blob, layers):
    # 1,200 layers of gzip (28 KB) ended in RecursionError, a traceback
    data = btf_blob
    for _ in range(layers):
        data = gzip.compress(data, mtime=0)
    if layers <= image.MAX_NESTING:
        assert image.extract(data, "nested.gz").btf == btf_blob
    else:
        with pytest.raises(InputError, match="packed more than 4 times over"):
            image.extract(data, "nested.gz")


def test_debs_inside_debs_are_refused(btf_blob):
    inner = _deb({"./boot/vmlinuz-6.9.12-test": _bzimage(gzip.compress(_kernel_payload(btf_blob)))})
    for _ in range(8):
        inner = _deb({"./boot/vmlinuz-6.9.12-test": inner})
    with pytest.raises(InputError, match="packed more than"):
        image.extract(inner, "russian-doll.deb")


def test_a_gzip_config_bomb_or_cut_gzip_is_one_error(tmp_path):
    from bpfdoctor.compat import targets

    bomb = tmp_path / "config.gz"
    bomb.write_bytes(gzip.compress(b"CONFIG_BPF=y\n" + bytes(targets.MAX_CONFIG)))
    with pytest.raises(InputError, match="config.gz: the gzip data unpacks to more than"):
        targets.read_config(str(bomb))
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(b"CONFIG_BPF=y\n" * 1000)[:-30])
    with pytest.raises(InputError, match="cut.gz: truncated gzip data"):
        targets.read_config(str(cut))
    good = tmp_path / "good.gz"
    good.write_bytes(gzip.compress(b"CONFIG_BPF=y\n"))
    assert targets.read_config(str(good)) == {"BPF": "y"}
