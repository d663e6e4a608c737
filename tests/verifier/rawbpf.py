"""Loads for fixtures clang cannot emit, through the kernel layer's one gate
into bpf() (``bpfdoctor.kernel.progs.load_program``).

Each load closes its fd at once: nothing stays in the kernel.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

_SOCKET_FILTER = 1


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
    from bpfdoctor.errors import SyscallError
    from bpfdoctor.kernel.progs import load_program

    try:
        prog = load_program(_SOCKET_FILTER, insns, license.decode(), log_level=log_level, log_size=log_size)
    except SyscallError as e:
        return RawLoad(False, e.errno, getattr(e, "log", "") or "")
    with prog:
        return RawLoad(True, 0, prog.log or "")


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
