"""Synthesize kernel logs holding JIT dumps, in every form users see them.

Each form is a function (seq, usec, caller, text) -> line that adds the
prefix a tool puts in front of the kernel's message.  ``make_log`` writes
dumps (real images) among ordinary messages, optionally with lines from
"other CPUs" between rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bpfdoctor.jit.logformat import format_header, format_rows

_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _date(usec: int) -> tuple[str, int, int, int, int]:
    s = usec // 1_000_000
    return _MONTHS[(s // 86400) % 12], 1 + (s // 3600) % 28, (s // 3600) % 24, (s // 60) % 60, s % 60


def bare(seq, usec, caller, text):
    return text


def dmesg(seq, usec, caller, text):
    return f"[{usec // 1_000_000:5d}.{usec % 1_000_000:06d}] {text}"


def dmesg_caller(seq, usec, caller, text):
    # util-linux dmesg with CONFIG_PRINTK_CALLER: "[  12.345678] [  T123] msg"
    return f"[{usec // 1_000_000:5d}.{usec % 1_000_000:06d}] [{caller:>6}] {text}"


def console_caller(seq, usec, caller, text):
    # the kernel console / netconsole form: "[   12.345678][  T123] msg"
    return f"[{usec // 1_000_000:5d}.{usec % 1_000_000:06d}][{caller:>6}] {text}"


def dmesg_x(seq, usec, caller, text):
    return f"kern  :err   : [{usec // 1_000_000:5d}.{usec % 1_000_000:06d}] {text}"


def dmesg_raw(seq, usec, caller, text):
    return f"<3>[{usec // 1_000_000:5d}.{usec % 1_000_000:06d}] {text}"


def dmesg_ctime(seq, usec, caller, text):
    mon, day, h, m, s = _date(usec)
    return f"[Mon {mon} {day:2d} {h:02d}:{m:02d}:{s:02d} 2024] {text}"


def journal_short(seq, usec, caller, text):
    mon, day, h, m, s = _date(usec)
    return f"{mon} {day:02d} {h:02d}:{m:02d}:{s:02d} testhost kernel: {text}"


def journal_iso(seq, usec, caller, text):
    _mon, day, h, m, s = _date(usec)
    return f"2024-03-{day:02d}T{h:02d}:{m:02d}:{s:02d}+0100 testhost kernel: {text}"


def journal_precise(seq, usec, caller, text):
    mon, day, h, m, s = _date(usec)
    return f"{mon} {day:02d} {h:02d}:{m:02d}:{s:02d}.{usec % 1_000_000:06d} testhost kernel: {text}"


def syslog(seq, usec, caller, text):
    mon, day, h, m, s = _date(usec)
    return f"{mon} {day:2d} {h:02d}:{m:02d}:{s:02d} testhost kernel: [{usec / 1e6:12.6f}] {text}"


def syslog_iso(seq, usec, caller, text):
    _mon, day, h, m, s = _date(usec)
    return f"2024-03-{day:02d}T{h:02d}:{m:02d}:{s:02d}.{usec % 1_000_000:06d}+01:00 testhost kernel: {text}"


def kmsg(seq, usec, caller, text):
    return f"3,{seq},{usec},-;{text}"


def kmsg_caller(seq, usec, caller, text):
    return f"3,{seq},{usec},-,caller={caller};{text}"


FORMS = {f.__name__: f for f in (bare, dmesg, dmesg_caller, console_caller, dmesg_x, dmesg_raw, dmesg_ctime,
                                 journal_short, journal_iso, journal_precise, syslog, syslog_iso, kmsg,
                                 kmsg_caller)}
WITH_CALLER = {"dmesg_caller", "console_caller", "kmsg_caller"}

NOISE = [
    "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
    "audit: type=1400 audit(1700000000.123:42): apparmor=\"STATUS\" operation=\"profile_load\"",
    "EXT4-fs (sda1): mounted filesystem with ordered data mode. Quota mode: none.",
    "usb 1-1: new high-speed USB device number 2 using xhci_hcd",
    "some driver: proglen=12 is not a JIT header",
    "JIT code: this line is not a hex row",
    "TCP: request_sock_TCP: Possible SYN flooding on port 80. Sending cookies.",
]


@dataclass(frozen=True)
class DumpSpec:
    image: bytes
    flen: int
    passes: int = 3
    image_ptr: str = "ffffffffc0a3e000"
    comm: str | None = "loader"
    pid: int | None = 4242
    address: int | None = None  # DUMP_PREFIX_ADDRESS rows when set
    caller: str = "T4242"


def dump_lines(spec: DumpSpec) -> list[str]:
    head = format_header(flen=spec.flen, proglen=len(spec.image), passes=spec.passes, image=spec.image_ptr,
                         comm=spec.comm, pid=spec.pid)
    return [head] + format_rows(spec.image, address=spec.address)


def make_log(specs: list[DumpSpec], form, *, rng: random.Random, noise: float = 0.0,
             between: int = 3, newline: str = "\n") -> str:
    """A log: ``between`` noise lines around each dump; with ``noise`` > 0
    another CPU's message lands between rows with that probability."""
    out = []
    seq = 0
    usec = 1_000_000

    def emit(text, caller):
        nonlocal seq, usec
        out.append(form(seq, usec, caller, text))
        seq += 1
        usec += rng.randrange(1, 5000)

    for spec in specs:
        for _ in range(between):
            emit(rng.choice(NOISE), "C1")
        for line in dump_lines(spec):
            emit(line, spec.caller)
            if noise and rng.random() < noise:
                emit(rng.choice(NOISE), "T1")
    for _ in range(between):
        emit(rng.choice(NOISE), "C0")
    return newline.join(out) + newline
