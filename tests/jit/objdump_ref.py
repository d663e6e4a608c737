"""Run binutils objdump on a raw image and read its instruction lines."""

from __future__ import annotations

import re
import subprocess

_LINE = re.compile(r"^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$")


def objdump_insns(objdump: str, path, syntax: str = "att", machine: str = "i386:x86-64") -> list[tuple[int, str]]:
    """(offset, text) per instruction of ``objdump -D -b binary -mMACHINE``.

    Continuation lines (the bytes of a long instruction that wrap) carry no
    text and are skipped.  Text is objdump's, trailing blanks removed.
    """
    args = [objdump, "-D", "-b", "binary", f"-m{machine}"]
    if syntax == "intel":
        args += ["-M", "intel"]
    out = subprocess.run(args + [str(path)], capture_output=True, text=True, check=True).stdout
    insns = []
    for line in out.splitlines():
        m = _LINE.match(line)
        if m:
            insns.append((int(m.group(1), 16), m.group(3).rstrip()))
    return insns


def our_insns(listing: str) -> list[tuple[int, str]]:
    """(offset, text) from bpfdoctor's bpf_jit_disasm-layout listing."""
    out = []
    for line in listing.splitlines():
        if line.startswith("\t") or ":\t" not in line:
            continue
        off, text = line.split(":\t", 1)
        out.append((int(off, 16), text))
    return out
