"""Kernel BTF out of the files people have: a raw BTF blob, a ``vmlinux`` ELF
(its ``.BTF`` section), a compressed kernel image (``vmlinuz``/``bzImage``) or
a Debian kernel package (``.deb``) holding one.

Bytes in, bytes out; no kernel and no host state.  A bzImage's payload is
found through the x86 boot protocol header (Documentation/arch/x86/boot.rst:
``setup_sects`` at 0x1f1, ``HdrS`` at 0x202, ``payload_offset``/``payload_length``
at 0x248 since protocol 2.08) and decompressed with the Python standard
library (gzip, xz, lzma, bzip2), zstd through ``compression.zstd`` (Python
3.14) or the ``zstandard`` package.  The decompressed kernel is an ELF
``vmlinux`` stripped of symbols but not of ``.BTF``, an allocated section.
"""

from __future__ import annotations

import io
import lzma
import re
import struct
import tarfile
import zlib
import bz2

from bpfdoctor.errors import InputError

ELF_MAGIC = b"\x7fELF"
BTF_MAGIC_LE = b"\x9f\xeb\x01"  # magic 0xeb9f little endian, version 1
BTF_MAGIC_BE = b"\xeb\x9f\x01"
_BANNER = re.compile(rb"Linux version (\S+) \(")

# What one compressed stream or archive member may unpack to: a debug
# vmlinux is about 1 GB; past this a file is a decompression bomb, not a
# kernel (gzip unpacks up to 1,000 times its size, bzip2 and zstd far more).
MAX_UNPACKED = 4 << 30
# Layers of packing a real file has: .deb > data.tar.zst > vmlinuz > payload.
MAX_NESTING = 4

# Compressed-stream magics, in the order the kernel's Kconfig lists them.
_MAGICS = (("gzip", b"\x1f\x8b\x08"), ("xz", b"\xfd7zXZ\x00"), ("zstd", b"\x28\xb5\x2f\xfd"),
           ("bzip2", b"BZh"), ("lzma", b"\x5d\x00\x00"), ("lz4", b"\x02\x21\x4c\x18"))


class KernelBlob:
    """What was found: the BTF bytes and the release when the file says it."""

    def __init__(self, btf: bytes, release: str | None, kind: str, config: str | None = None,
                 symbols: frozenset[str] | None = None) -> None:
        self.btf = btf
        self.release = release
        self.kind = kind          # "btf", "vmlinux", "bzImage", "deb"
        self.config = config      # kernel config text shipped alongside (a .deb's /boot/config-*)
        self.symbols = symbols    # function names of an unstripped vmlinux (a -dbg package's)


def sniff(data: bytes) -> str:
    """'btf', 'elf', 'bzimage', 'deb' or 'unknown'."""
    if data[:3] in (BTF_MAGIC_LE, BTF_MAGIC_BE):
        return "btf"
    if data[:4] == ELF_MAGIC:
        return "elf"
    if data[:8] == b"!<arch>\n":
        return "deb"
    if len(data) > 0x250 and data[0x202:0x206] == b"HdrS":
        return "bzimage"
    if any(data.startswith(m) for n, m in _MAGICS if n in ("gzip", "xz", "zstd", "bzip2")):
        return "compressed"
    if len(data) > 512 and data[257:262] == b"ustar":
        return "tar"
    return "unknown"


def extract(data: bytes, path: str) -> KernelBlob:
    """The kernel BTF inside ``data`` (raw BTF, vmlinux, bzImage or .deb)."""
    try:
        return _extract(data, path, 0)
    except (struct.error, zlib.error, lzma.LZMAError, EOFError, OSError, IndexError, ValueError,
            tarfile.TarError, MemoryError) as e:
        # A truncated or corrupt image: the decoders' own errors, one line.
        raise InputError(path, f"corrupt or truncated kernel image ({type(e).__name__}: {e})") from None


def _extract(data: bytes, path: str, depth: int) -> KernelBlob:
    if depth > MAX_NESTING:
        # each layer is a call: a file packed a thousand times over (28 KB of
        # gzip in gzip) ended in RecursionError
        raise InputError(path, f"packed more than {MAX_NESTING} times over (compressed or archived "
                               "inside itself): not a kernel image")
    kind = sniff(data)
    if kind == "btf":
        return KernelBlob(data, None, "btf")
    if kind == "elf":
        return KernelBlob(elf_btf(data, path), banner_release(data), "vmlinux", symbols=elf_functions(data, path))
    if kind == "bzimage":
        return _from_bzimage(data, path)
    if kind == "deb":
        return _from_deb(data, path, depth)
    if kind == "compressed":  # e.g. BTFHub's 5.4.0-91-generic.btf.tar.xz
        return _extract(decompress(data), path, depth + 1)
    if kind == "tar":
        return _from_tar(data, path)
    raise InputError(path, "not kernel BTF, a vmlinux ELF, a kernel image (bzImage) or a .deb "
                           f"(starts with {data[:4].hex()})")


def elf_btf(data: bytes, path: str) -> bytes:
    from bpfdoctor.elf.reader import ElfFile

    elf = ElfFile(data, path, require_bpf=False)
    sec = elf.section(".BTF")
    if sec is None:
        raise InputError(path, "this vmlinux has no .BTF section (kernel built without CONFIG_DEBUG_INFO_BTF)")
    return elf.section_data(sec)


def elf_functions(data: bytes, path: str) -> frozenset[str] | None:
    """Function symbols of an unstripped vmlinux (None when stripped): they
    name the .isra/.constprop clones a kprobe target may only exist as."""
    from bpfdoctor.elf.reader import ElfFile

    names = frozenset(s.name for s in ElfFile(data, path, require_bpf=False).symbols
                      if s.type == 2 and s.name)  # STT_FUNC
    return names or None


def banner_release(data: bytes) -> str | None:
    """The release from ``linux_banner`` ("Linux version 6.1.0-47-amd64 (...")."""
    m = _BANNER.search(data)
    return m.group(1).decode("ascii", "replace") if m else None


def bzimage_release(data: bytes) -> str | None:
    """The release from the boot header's ``kernel_version`` string (offset at 0x20e, +0x200)."""
    (ptr,) = struct.unpack_from("<H", data, 0x20E)
    if not ptr or ptr + 0x200 >= len(data):
        return None
    raw = data[ptr + 0x200: ptr + 0x200 + 256].split(b"\0", 1)[0]
    word = raw.split(b" ", 1)[0]
    return word.decode("ascii", "replace") or None


def _from_bzimage(data: bytes, path: str) -> KernelBlob:
    setup_sects = data[0x1F1] or 4
    (version,) = struct.unpack_from("<H", data, 0x206)
    pm_start = (setup_sects + 1) * 512
    payload = None
    if version >= 0x208:
        off, length = struct.unpack_from("<II", data, 0x248)
        if 0 < length and pm_start + off + length <= len(data):
            payload = data[pm_start + off: pm_start + off + length]
    errors = []
    candidates = [payload] if payload else []
    if not candidates:  # no payload fields: try every compressed stream we see
        for _, magic in _MAGICS:
            at = data.find(magic, pm_start)
            if at >= 0:
                candidates.append(data[at:])
    for blob in candidates:
        try:
            kernel = decompress(blob)
        except InputError as e:
            errors.append(e.problem if hasattr(e, "problem") else str(e))
            continue
        btf = elf_btf(kernel, path) if kernel[:4] == ELF_MAGIC else find_btf(kernel, path)
        return KernelBlob(btf, bzimage_release(data) or banner_release(kernel), "bzImage")
    raise InputError(path, "cannot decompress the kernel image: " + ("; ".join(errors) or "no payload found"))


def decompress(blob: bytes) -> bytes:
    """Decompress one stream, choosing the format by its magic."""
    for name, magic in _MAGICS:
        if blob.startswith(magic):
            return _DECODERS[name](blob)
    raise InputError(None, f"unknown compression (payload starts with {blob[:6].hex()})")


def _too_big(what: str) -> InputError:
    return InputError(None, f"the {what} data unpacks to more than {MAX_UNPACKED:,} bytes "
                            "(a decompression bomb, not a kernel)")


def _unpacked(out: bytes, what: str) -> bytes:
    if len(out) > MAX_UNPACKED:
        raise _too_big(what)
    return out


def gunzip(b: bytes, limit: int | None = None, *, whole: bool = False) -> bytes:
    """The first gzip member of ``b``, at most ``limit`` bytes (MAX_UNPACKED);
    ``whole``: the member must end (else "truncated"), as ``gzip.decompress``
    requires.  A kernel payload is read as far as it goes."""
    limit = MAX_UNPACKED if limit is None else limit
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(b, limit + 1)
    if len(out) > limit:
        raise InputError(None, f"the gzip data unpacks to more than {limit:,} bytes")
    if whole and not d.eof:
        raise InputError(None, "truncated gzip data")
    return out


def _gzip(b: bytes) -> bytes:
    return gunzip(b)


def _xz(b: bytes) -> bytes:
    return _unpacked(lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(b, MAX_UNPACKED + 1), "xz")


def _lzma(b: bytes) -> bytes:
    return _unpacked(lzma.LZMADecompressor(lzma.FORMAT_ALONE).decompress(b, MAX_UNPACKED + 1), "lzma")


def _bzip2(b: bytes) -> bytes:
    return _unpacked(bz2.BZ2Decompressor().decompress(b, MAX_UNPACKED + 1), "bzip2")


def _zstd(b: bytes) -> bytes:
    try:
        from compression import zstd  # Python 3.14+

        return _unpacked(zstd.ZstdDecompressor().decompress(b, MAX_UNPACKED + 1), "zstd")
    except ImportError:
        pass
    try:
        import zstandard
    except ImportError:
        raise InputError(None, "the image is zstd-compressed and this Python has no zstd "
                               "(pip install zstandard, or Python 3.14)") from None
    # the first frame, in pieces so that the limit holds before the memory is
    # taken (decompressobj has no limit).  A kernel payload is the frame and its
    # size in 4 bytes: read_to_iter ends with the frame, where stream_reader
    # (zstandard 0.25) reads on into those bytes and calls them corrupt
    chunks, total = [], 0
    try:
        for chunk in zstandard.ZstdDecompressor().read_to_iter(b, write_size=_ZSTD_PIECE):
            total += len(chunk)
            if total > MAX_UNPACKED:
                raise _too_big("zstd")
            chunks.append(chunk)
    except zstandard.ZstdError as e:
        raise InputError(None, f"corrupt zstd data ({e})") from None
    return b"".join(chunks)


_ZSTD_PIECE = 16 << 20


def _lz4(b: bytes) -> bytes:
    """LZ4 legacy frame, as the kernel's ``lz4 -l`` writes it (lib/decompress_unlz4.c):
    magic 0x184c2102, then blocks of (u32 compressed size, LZ4 block) each
    decoding to at most 8 MiB; another magic may start a new frame."""
    try:
        from lz4.block import decompress as block
    except ImportError:
        block = None
    out = bytearray()
    pos = 4
    while pos + 4 <= len(b):
        (size,) = struct.unpack_from("<I", b, pos)
        if size == 0x184C2102:  # a new frame: skip its magic
            pos += 4
            continue
        if size == 0 or pos + 4 + size > len(b):
            break  # end marker, or the appended uncompressed size / padding
        chunk = b[pos + 4: pos + 4 + size]
        try:
            out += block(chunk, uncompressed_size=_LZ4_BLOCK) if block else _lz4_block(chunk, _LZ4_BLOCK)
        except Exception as e:  # lz4.block.LZ4BlockError, or our IndexError on a cut block
            if isinstance(e, InputError):
                raise
            raise InputError(None, f"corrupt LZ4 block at offset {pos} ({e})") from None
        pos += 4 + size
        _unpacked(out, "lz4")
    return bytes(out)


_LZ4_BLOCK = 8 << 20


def _lz4_block(src: bytes, limit: int = _LZ4_BLOCK) -> bytearray:
    """Decode one LZ4 block (the LZ4 block format spec) in pure Python, of at
    most ``limit`` bytes (the lz4 package's ``uncompressed_size``)."""
    out = bytearray()
    i, n = 0, len(src)
    while i < n:
        token = src[i]
        i += 1
        lit = token >> 4
        if lit == 15:
            while True:
                x = src[i]
                i += 1
                lit += x
                if x != 255:
                    break
        out += src[i:i + lit]
        i += lit
        if i >= n:
            break  # the last sequence has literals only
        off = src[i] | src[i + 1] << 8
        i += 2
        mlen = token & 15
        if mlen == 15:
            while True:
                x = src[i]
                i += 1
                mlen += x
                if x != 255:
                    break
        mlen += 4
        if off == 0 or off > len(out):
            raise InputError(None, "corrupt LZ4 block (bad match offset)")
        if len(out) + mlen > limit:
            raise InputError(None, f"corrupt LZ4 block (decodes past {limit:,} bytes)")
        start = len(out) - off
        if off >= mlen:
            out += out[start:start + mlen]
        else:  # overlapping copy repeats the last ``off`` bytes
            pat = out[start:]
            out += (pat * (mlen // off + 1))[:mlen]
    return out


_DECODERS = {"gzip": _gzip, "xz": _xz, "lzma": _lzma, "bzip2": _bzip2, "zstd": _zstd, "lz4": _lz4}


def find_btf(data: bytes, path: str) -> bytes:
    """A BTF blob inside arbitrary bytes: the first header that parses."""
    from bpfdoctor.btf.reader import HEADER

    at = data.find(BTF_MAGIC_LE)
    while at >= 0:
        if at + HEADER.size <= len(data):
            _, _, flags, hdr_len, type_off, type_len, str_off, str_len = HEADER.unpack_from(data, at)
            end = at + hdr_len + max(type_off + type_len, str_off + str_len)
            if flags == 0 and hdr_len == 24 and end <= len(data) and type_len:
                return data[at:end]
        at = data.find(BTF_MAGIC_LE, at + 1)
    raise InputError(path, "no BTF found in the kernel image (built without CONFIG_DEBUG_INFO_BTF?)")


def _from_tar(data: bytes, path: str) -> KernelBlob:
    """An archive holding one kernel's BTF (BTFHub: ``RELEASE.btf``)."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for m in tar:
            if m.isfile() and m.name.endswith(".btf"):
                body = _member(tar, m, path)
                if sniff(body) == "btf":
                    base = m.name.rsplit("/", 1)[-1][:-4]
                    return KernelBlob(body, base or None, "btf")
    raise InputError(path, "the archive holds no .btf file")


# -- Debian packages ------------------------------------------------------------

def _ar_members(data: bytes, path: str):
    pos = 8
    while pos + 60 <= len(data):
        hdr = data[pos:pos + 60]
        name = hdr[:16].decode("ascii", "replace").strip().rstrip("/")
        # ar(5): the size is decimal digits; int() would also take a sign
        # (a size of -60 read the same header for ever) or underscores.
        field = hdr[48:58].decode("ascii", "replace").strip()
        if not (field.isascii() and field.isdigit()):
            raise InputError(path, f"bad ar member header at offset {pos} (size {field!r})")
        size = int(field)
        yield name, data[pos + 60: pos + 60 + size]
        pos += 60 + size + (size & 1)


def _member(tar: tarfile.TarFile, m: tarfile.TarInfo, path: str) -> bytes:
    """An archive member's bytes; the size its header claims is checked first."""
    if m.size > MAX_UNPACKED:
        raise InputError(path, f"archive member {m.name!r} claims {m.size:,} bytes, more than "
                               f"{MAX_UNPACKED:,}: not a kernel")
    return tar.extractfile(m).read()


def _from_deb(data: bytes, path: str, depth: int) -> KernelBlob:
    tar_blob = next((body for name, body in _ar_members(data, path) if name.startswith("data.tar")), None)
    if tar_blob is None:
        raise InputError(path, "not a Debian package: no data.tar member")
    if tar_blob.startswith(b"\x28\xb5\x2f\xfd"):
        tar_blob = _zstd(tar_blob)
    image = config = None
    with tarfile.open(fileobj=io.BytesIO(tar_blob), mode="r:*") as tar:
        for m in tar:
            base = m.name.rsplit("/", 1)[-1]
            if m.isfile() and "/boot/" in "/" + m.name.lstrip("./"):
                if base.startswith("vmlinuz-") or base.startswith("vmlinux-"):
                    image = (base, _member(tar, m, path))
                elif base.startswith("config-"):
                    config = _member(tar, m, path).decode("utf-8", "replace")
    if image is None:
        raise InputError(path, "this package holds no /boot/vmlinuz-* (is it a linux-image package?)")
    blob = _extract(image[1], f"{path}:{image[0]}", depth + 1)
    release = blob.release or image[0].split("-", 1)[1]
    return KernelBlob(blob.btf, release, "deb", config)
