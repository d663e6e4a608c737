"""``bpfdoctor map``: loaded maps and their contents, as ``bpftool map`` shows them."""

from __future__ import annotations

from bpfdoctor.cli import args as cli


@cli.group("map")
def map_group() -> None:
    """Loaded maps: list, dump contents pretty-printed from BTF.

    MAP is 'id N', 'name NAME' or 'pinned PATH' (as bpftool takes them).
    """


@map_group.command("list")
@cli.argument("map_words", nargs=-1, metavar="[MAP]")
@cli.option("--json", "as_json", is_flag=True, help="Machine-readable output (bpftool -j map show fields).")
@cli.option("--pinned/--no-pinned", default=True, help="Walk bpf mounts for pinned paths (bpftool -f).")
@cli.option("--pids/--no-pids", default=True, help="Scan /proc for processes holding each map.")
def list_cmd(map_words, as_json: bool, pinned: bool, pids: bool) -> int:
    """Every map (or those MAP names), like 'bpftool -f map show'."""
    from bpfdoctor.kernel.map_dump import list_maps, parse_selector
    from bpfdoctor.render import maps as R
    from bpfdoctor.render.output import write_json, write_text

    sel = parse_selector(map_words) if map_words else None
    mlist = list_maps(sel, with_pinned=pinned, with_pids=pids)
    if as_json:
        write_json(R.list_json(mlist, selected=sel is not None))
    else:
        write_text(R.list_text(mlist))
    return 0


@map_group.command("dump")
@cli.argument("map_words", nargs=-1, required=True, metavar="MAP")
@cli.option("--json", "as_json", is_flag=True, help="bpftool -j map dump layout (hex bytes + 'formatted').")
@cli.option("--limit", type=cli.IntRange(0), default=10000, show_default=True,
            help="Read at most this many entries per map (0: no limit).")
def dump_cmd(map_words, as_json: bool, limit: int) -> int:
    """Keys and values of a map, pretty-printed from its BTF like 'bpftool map dump'."""
    from bpfdoctor.kernel.map_dump import dump_selected, parse_selector
    from bpfdoctor.render import maps as R
    from bpfdoctor.render.output import write_notes, write_text

    dumps = dump_selected(parse_selector(map_words), limit=limit or None)
    write_text(R.dumps_json_text(dumps) if as_json else R.dumps_text(dumps))
    write_notes(R.dump_notes(dumps))
    return 0
