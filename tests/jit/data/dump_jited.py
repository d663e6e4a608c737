"""Write the JITed bytes of a pinned BPF program to a file (test-data tool).

Debian's bpftool is built without libbfd and refuses ``prog dump jited ...
file``, so this reads ``jited_prog_insns`` with BPF_OBJ_GET_INFO_BY_FD.
Usage: python dump_jited.py PIN OUT.bin  (prints a JSON line of metadata)
"""

import ctypes
import json
import os
import struct
import sys

SYS_BPF = {"x86_64": 321, "aarch64": 280, "riscv64": 280, "s390x": 351, "ppc64le": 361}[os.uname().machine]
BPF_OBJ_GET, BPF_OBJ_GET_INFO_BY_FD = 7, 15
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    rc = libc.syscall(SYS_BPF, cmd, buf, len(attr))
    if rc < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return rc, buf.raw


def prog_info(fd, **arrays):
    info = bytearray(256)
    for off, addr, count_off, count in arrays.values():
        struct.pack_into("<Q", info, off, addr)
        struct.pack_into("<I", info, count_off, count)
    info_buf = ctypes.create_string_buffer(bytes(info), len(info))
    attr = struct.pack("<IIQ", fd, len(info), ctypes.addressof(info_buf)) + bytes(112)
    bpf(BPF_OBJ_GET_INFO_BY_FD, attr)
    return info_buf.raw


def main(pin, out):
    path = ctypes.create_string_buffer(pin.encode())
    fd, _ = bpf(BPF_OBJ_GET, struct.pack("<QII", ctypes.addressof(path), 0, 0) + bytes(112))
    try:
        info = prog_info(fd)
        jited_len, xlated_len = struct.unpack_from("<II", info, 16)
        nr_funcs = struct.unpack_from("<I", info, 108)[0]
        code = ctypes.create_string_buffer(jited_len)
        lens = (ctypes.c_uint32 * max(nr_funcs, 1))()
        info = prog_info(fd, insns=(24, ctypes.addressof(code), 16, jited_len),
                         lens=(120, ctypes.addressof(lens), 108, nr_funcs))
    finally:
        os.close(fd)
    with open(out, "wb") as f:
        f.write(code.raw[:jited_len])
    name = info[64:80].split(b"\0")[0].decode()
    print(json.dumps({"name": name, "flen": xlated_len // 8, "proglen": jited_len,
                      "func_lens": list(lens)[:nr_funcs]}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
