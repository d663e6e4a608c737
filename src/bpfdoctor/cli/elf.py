"""``bpfdoctor elf ...`` and ``bpfdoctor disasm``: object-file inspection."""

from __future__ import annotations

from bpfdoctor.cli import args as cli

from bpfdoctor.render.output import write_json, write_text


def _open(path: str):
    from bpfdoctor.elf.reader import ElfFile

    return ElfFile.open(path)


@cli.group()
def elf() -> None:
    """Inspect a BPF object file (no kernel needed)."""


@elf.command()
@cli.argument("obj", type=cli.Path(dir_okay=True))
@cli.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def sections(obj: str, as_json: bool) -> None:
    """Section headers, as llvm-objdump -h prints them."""
    f = _open(obj)
    if as_json:
        from bpfdoctor.render.elftables import sections_json

        write_json(sections_json(f))
    else:
        from bpfdoctor.elf.objdump import format_sections

        write_text(format_sections(f, obj))


@elf.command()
@cli.argument("obj", type=cli.Path(dir_okay=True))
@cli.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def symbols(obj: str, as_json: bool) -> None:
    """The symbol table, as llvm-readelf -s prints it."""
    f = _open(obj)
    if as_json:
        from bpfdoctor.render.elftables import symbols_json

        write_json(symbols_json(f))
    else:
        from bpfdoctor.elf.readelf import format_symbols

        write_text(format_symbols(f))


@elf.command()
@cli.argument("obj", type=cli.Path(dir_okay=True))
@cli.option("--json", "as_json", is_flag=True, help="Machine-readable output, with what each relocation means.")
def relocs(obj: str, as_json: bool) -> None:
    """Every relocation with its BPF type name, as llvm-readelf -r prints them."""
    f = _open(obj)
    if as_json:
        from bpfdoctor.render.elftables import relocations_json

        write_json(relocations_json(f))
    else:
        from bpfdoctor.elf.readelf import format_relocations

        write_text(format_relocations(f))


@elf.command()
@cli.argument("obj", type=cli.Path(dir_okay=True))
@cli.option("--json", "as_json", is_flag=True, help="Machine-readable output (schema in the README).")
@cli.pass_state
def info(state, obj: str, as_json: bool) -> int:
    """Programs, maps, license, BTF and what libbpf 1.0+ would refuse."""
    from bpfdoctor.elf import open_object
    from bpfdoctor.render.elfinfo import findings_lines, info_dict, info_lines

    o = open_object(obj)
    findings = o.findings()
    data = info_dict(o, obj, findings)
    if as_json:
        write_json(data)
    else:
        _emit(state, info_lines(data) + findings_lines(findings))
    return 1 if any(f.severity.rank >= 2 for f in findings) else 0


def _emit(state, lines) -> None:
    from bpfdoctor.render.findings import print_rich, render_plain
    from bpfdoctor.render.output import console, use_color

    forced = state.color if state else None
    if use_color(forced):
        print_rich(console(forced), lines)
    else:
        write_text(render_plain(lines))


@cli.command()
@cli.argument("obj", type=cli.Path(dir_okay=True))
@cli.option("--section", "-j", "sections", multiple=True, help="Only this section (repeatable), like llvm-objdump -j.")
@cli.option("--no-show-raw-insn", is_flag=True, help="Leave out the instruction bytes.")
@cli.option("--syntax", type=cli.Choice(["llvm", "kernel"]), default="llvm", show_default=True,
            help="llvm: llvm-objdump -d; kernel: the verifier / bpftool xlated syntax.")
@cli.option("--source", "-S", "with_source", is_flag=True,
            help="Interleave the C source lines recorded in .BTF.ext line_info.")
@cli.option("--reloc", "-r", "with_relocs", is_flag=True,
            help="Show each relocation (map, function, data symbol) under its instruction, like llvm-objdump -dr.")
def disasm(obj: str, sections: tuple[str, ...], no_show_raw_insn: bool, syntax: str, with_source: bool,
           with_relocs: bool) -> None:
    """Disassemble a BPF object (output identical to llvm-objdump-19 -d)."""
    from bpfdoctor.elf.reader import ElfFile
    from bpfdoctor.errors import UsageError, NotFoundError

    f = ElfFile.open(obj)
    if sections:
        have = {s.name for s in f.sections}
        missing = [s for s in sections if s not in have]
        if missing:
            raise NotFoundError(f"{obj}: no section named {', '.join(missing)}")
    if syntax == "kernel" or with_source:
        from bpfdoctor.elf.listing import kernel_listing, source_listing

        if syntax == "kernel":
            if with_relocs:
                raise UsageError("--reloc goes with the llvm syntax (--syntax llvm)")
            write_text(kernel_listing(f, obj, sections=sections or None, with_source=with_source))
        else:
            text = source_listing(f, obj, sections=sections or None, show_raw=not no_show_raw_insn,
                                  relocs=with_relocs)
            write_text(_with_relocs(f, text) if with_relocs else text)
        return
    from bpfdoctor.elf.objdump import disassemble

    text = disassemble(f, obj, sections=sections or None, show_raw=not no_show_raw_insn, relocs=with_relocs)
    write_text(_with_relocs(f, text) if with_relocs else text)


def _with_relocs(f, text: str) -> str:
    from bpfdoctor.elf.reloc_listing import add_relocations

    return add_relocations(f, text)
