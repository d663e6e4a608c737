"""A tiny BPF_PROG_LOAD through ctypes, for fixtures clang cannot emit.

Tests may touch the kernel; the verifier package must not, so this lives
here.  Each load closes its fd at once: nothing stays in the kernel.
"""

from __future__ import annotations

import ctypes
import os
import struct
from dataclasses import dataclass

_NR_BPF = 321  # x86_64
_BPF_PROG_LOAD = 5
_SOCKET_FILTER = 1
_ATTR_SIZE = 128
_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True, slots=True)
class RawLoad:
    ok: bool
    errno: int
    log: str


def insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    """One struct bpf_insn, little endian."""
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def load(insns: bytes, *, log_level: int = 2, log_size: int = 1 << 20, license: bytes = b"GPL") -> RawLoad:
    """BPF_PROG_LOAD a socket filter; returns the verifier's log and errno."""
    if log_level == 0:
        log_size = 0  # the kernel refuses a log buffer without a level (EINVAL)
    buf = ctypes.create_string_buffer(max(log_size, 1))
    code = ctypes.create_string_buffer(insns, len(insns))
    lic = ctypes.create_string_buffer(license + b"\0")
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into("<IIQQIIQ", attr, 0, _SOCKET_FILTER, len(insns) // 8, ctypes.addressof(code),
                     ctypes.addressof(lic), log_level, log_size,
                     ctypes.addressof(buf) if log_size else 0)
    fd = _libc.syscall(_NR_BPF, _BPF_PROG_LOAD, attr, _ATTR_SIZE)
    err = ctypes.get_errno() if fd < 0 else 0
    if fd >= 0:
        os.close(fd)
    return RawLoad(fd >= 0, err, buf.value.decode("utf-8", "replace"))


def invalid_map_fd() -> RawLoad:
    """ld_imm64 r1 = map fd, where the fd is /dev/null: not a map."""
    fd = os.open(os.devnull, os.O_RDONLY)
    try:
        prog = (insn(0x18, dst=1, src=1, imm=fd) + insn(0) +     # r1 = map[fd] (BPF_PSEUDO_MAP_FD)
                insn(0xB7, dst=0, imm=0) + insn(0x95))          # r0 = 0; exit
        return load(prog)
    finally:
        os.close(fd)


def jump_out_of_range() -> RawLoad:
    """ja +5 from insn 0 of a 3-insn program."""
    return load(insn(0x05, off=5) + insn(0xB7, dst=0, imm=0) + insn(0x95))


# name -> (builder, catalog id): the raw fixtures; logs saved as logs/NAME.log
RAW_FIXTURES = {
    "invalid_map_fd": (invalid_map_fd, "invalid-map-fd"),
    "jump_out_of_range": (jump_out_of_range, "jump-out-of-range"),
}
