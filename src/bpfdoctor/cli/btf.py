"""``bpfdoctor btf``: read BTF from an object file or a raw BTF file."""

from __future__ import annotations

import os
import sys

from bpfdoctor.cli import args as cli

from bpfdoctor.errors import InputError, ParseError, UsageError, map_input

ELF_MAGIC = b"\x7fELF"


def _elf_sections(path: str, data: bytes) -> tuple[bytes | None, bytes | None]:
    """(.BTF, .BTF.ext) of an ELF object, through the project's ELF reader."""
    from bpfdoctor.elf.reader import ElfFile

    elf = ElfFile(data, path)
    return (elf.section_data(s) if (s := elf.section(".BTF")) else None,
            elf.section_data(s) if (s := elf.section(".BTF.ext")) else None)


def load_file(path: str, base=None):
    """Parse ``path`` (ELF object or raw BTF) into a ``Btf`` (and its ``.BTF.ext`` bytes)."""
    from bpfdoctor.btf.reader import parse_btf

    def check(head: bytes) -> None:
        # raw BTF starts with its magic 0xeb9f (either byte order), an object with ELF's
        if head[:4] != ELF_MAGIC and head[:2] not in (b"\x9f\xeb", b"\xeb\x9f"):
            raise ParseError(path, "not BTF and not an ELF object (bad magic "
                             f"{head[:4].hex() or '(empty file)'})")

    data = map_input(path, "a BTF or object file", check)
    ext = None
    if data[:4] == ELF_MAGIC:
        data, ext = _elf_sections(path, data)
        if data is None:
            raise InputError(path, "no .BTF section (was it compiled with -g?)")
    return parse_btf(data, path=path, base=base), ext


@cli.group()
def btf() -> None:
    """Read BTF from an object or a raw BTF file."""


@btf.command("dump")
@cli.argument("file", type=cli.Path(dir_okay=False))
@cli.option("--format", "fmt", type=cli.Choice(["raw", "c"]), default="raw", show_default=True,
            help="raw: bpftool's raw listing; c: a compilable header (vmlinux.h).")
@cli.option("--base", "base_path", type=cli.Path(dir_okay=False), default=None,
            help="Base BTF for split BTF (e.g. /sys/kernel/btf/vmlinux for a module).")
@cli.option("--json", "as_json", is_flag=True, help="Types as JSON (bpftool -j schema).")
def dump(file: str, fmt: str, base_path: str | None, as_json: bool) -> int:
    """Dump the types of FILE: bpftool's raw format, or C."""
    base = load_file(base_path)[0] if base_path else None
    if base is None and _looks_split(file):
        base = load_file("/sys/kernel/btf/vmlinux")[0]
    btf_, _ = load_file(file, base)
    if as_json:
        if fmt != "raw":
            raise UsageError("--json describes the types; it goes with --format raw")
        from bpfdoctor.btf.jsondump import dump_json
        from bpfdoctor.render.output import write_json

        write_json(dump_json(btf_))
        return 0
    if fmt == "raw":
        from bpfdoctor.btf.rawdump import raw_blocks

        blocks = raw_blocks(btf_)  # written as made: a pipe's reader works meanwhile
    else:
        from bpfdoctor.btf.cdump import dump_c

        blocks = (dump_c(btf_).encode("utf-8", "surrogateescape"),)
    sys.stdout.flush()
    for block in blocks:
        sys.stdout.buffer.write(block)
    sys.stdout.buffer.flush()
    return 0


def _looks_split(path: str) -> bool:
    """A module's BTF under /sys/kernel/btf is split on vmlinux, as bpftool assumes."""
    real = os.path.realpath(path)
    return os.path.dirname(real) == "/sys/kernel/btf" and os.path.basename(real) != "vmlinux"
