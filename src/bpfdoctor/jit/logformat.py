"""Print a JIT image exactly as the kernel does with ``bpf_jit_enable=2``.

This is the inverse of ``logparse.parse_log``: ``bpfdoctor prog dump jited
--as-kernel-log`` uses it so that tools written for the kernel's dump
(bpf_jit_disasm, scripts) work on images read from loaded programs.
"""

from __future__ import annotations

ROW = 16  # bpf_jit_dump() passes rowsize 16, groupsize 1


def format_header(*, flen: int, proglen: int, passes: int, image: str, comm: str | None = None,
                  pid: int | None = None) -> str:
    """The header line of include/linux/filter.h ``bpf_jit_dump``.

    Without ``comm`` and ``pid`` it is the older form
    ("flen=%d proglen=%u pass=%d image=%p") of kernels before 3.13.
    """
    head = f"flen={flen} proglen={proglen} pass={passes} image={image}"
    if comm is None and pid is None:
        return head
    return f"{head} from={comm or ''} pid={pid if pid is not None else 0}"


def format_rows(image: bytes, *, prefix: str = "JIT code: ", address: int | None = None) -> list[str]:
    """The rows of lib/hexdump.c ``print_hex_dump(.., 16, 1, .., false)``.

    ``DUMP_PREFIX_OFFSET`` ("%.8x: ") by default; with ``address`` the rows
    carry ``address + offset`` as the old ``DUMP_PREFIX_ADDRESS`` dumps did
    (printed with "%p": 16 hex digits on 64-bit).  Bytes are "%02x" joined
    by one space, no trailing space (hex_dump_to_buffer drops it).
    """
    hexed = image.hex()
    rows = []
    for off in range(0, len(image), ROW):
        chunk = hexed[2 * off: 2 * (off + ROW)]
        body = " ".join(chunk[i:i + 2] for i in range(0, len(chunk), 2))
        lead = f"{off:08x}" if address is None else f"{address + off:016x}"
        rows.append(f"{prefix}{lead}: {body}")
    return rows


def format_kernel_log(image: bytes, *, flen: int, passes: int = 1, image_ptr: str = "0000000000000000",
                      comm: str | None = None, pid: int | None = None, address: int | None = None) -> str:
    """Header plus rows, one message per line, as ``dmesg`` shows them.

    ``proglen`` is ``len(image)``.  Ends with a newline.
    """
    lines = [format_header(flen=flen, proglen=len(image), passes=passes, image=image_ptr, comm=comm, pid=pid)]
    lines.extend(format_rows(image, address=address))
    return "\n".join(lines) + "\n"
