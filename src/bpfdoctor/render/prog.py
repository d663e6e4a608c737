"""Text and JSON for ``bpfdoctor prog``: bpftool's layouts, from records.

Pure: takes the records of ``bpfdoctor.kernel.prog_list``/``prog_dump``
(duck-typed, never imported) and returns strings or JSON-ready values.

- ``list_text``/``list_json``: tools/bpf/bpftool/prog.c ``print_prog_plain``/
  ``print_prog_json`` (and pids.c ``emit_obj_refs_plain``/``_json``);
- ``header_text``: prog.c ``print_prog_header_plain`` (several matches);
- ``jited_text``: prog.c ``prog_dump`` (DUMP_JITED) + jit_disasm.c
  ``disasm_print_insn``: per function ``proto:``, ``symbol:``, the
  instructions (``%4x:\\t``, pc from each function's start), a blank line;
  source lines from ``bpf_prog_linfo__lfind_addr_func``.
"""

from __future__ import annotations

import time

TIME_TEXT = "%Y-%m-%dT%H:%M:%S%z"  # strftime "%FT%T%z" in print_boot_time


def type_name(t) -> str | None:
    """libbpf ``libbpf_bpf_prog_type_str`` / ``libbpf_bpf_map_type_str`` of a
    ProgType or MapType (None for a type libbpf 1.1 does not know)."""
    name = getattr(t, "name", "")
    return None if not name or name.startswith("UNKNOWN_") else name.lower()


def pids_text(refs) -> str:
    """pids.c ``emit_obj_refs_plain``: the ``pids`` line (tab first)."""
    return "\tpids " + ", ".join(f"{r.comm}({r.pid})" for r in refs)


def refs_json(entry, any_pinned: bool) -> dict:
    """The ``pinned`` (when any object is pinned) and ``pids`` keys of an
    entry (common.c pinned table, pids.c ``emit_obj_refs_json``)."""
    out: dict = {}
    if any_pinned:
        out["pinned"] = list(entry.pinned)
    if entry.pids:
        out["pids"] = [{"pid": r.pid, "comm": r.comm} for r in entry.pids]
    return out


def header_text(entry) -> str:
    info = entry.info
    t = type_name(info.type)
    parts = [f"{info.id}: ", f"{t}  " if t else f"type {int(info.type)}  "]
    if entry.full_name:
        parts.append(f"name {entry.full_name}  ")
    parts.append(f"tag {info.tag}")
    parts.append(_dev_plain(info))
    parts.append("  gpl" if info.gpl_compatible else "")
    if info.run_time_ns:
        parts.append(f" run_time_ns {info.run_time_ns} run_cnt {info.run_cnt}")
    if info.recursion_misses:
        parts.append(f" recursion_misses {info.recursion_misses}")
    return "".join(parts)


def _dev_plain(info) -> str:
    # common.c print_dev_plain prints the device an offloaded program is bound to;
    # we show its ifindex (bpftool resolves the name in that network namespace).
    return f"  offloaded_to ifindex {info.ifindex}" if info.ifindex else ""


def entry_text(entry, *, any_pinned: bool = True) -> str:
    info = entry.info
    lines = [header_text(entry)]
    if entry.loaded_at is not None:
        stamp = time.strftime(TIME_TEXT, time.localtime(entry.loaded_at))
        lines.append(f"\tloaded_at {stamp}  uid {info.created_by_uid}")
    row = f"\txlated {info.xlated_prog_len}B"
    row += f"  jited {info.jited_prog_len}B" if info.jited_prog_len else "  not jited"
    if entry.memlock is not None:
        row += f"  memlock {entry.memlock}B"
    if info.map_ids:
        row += "  map_ids " + ",".join(str(m) for m in info.map_ids)
    lines.append(row)
    lines.extend(f"\tpinned {p}" for p in entry.pinned)
    if info.btf_id:
        lines.append(f"\tbtf_id {info.btf_id}")
    if entry.pids:
        lines.append(pids_text(entry.pids))
    return "\n".join(lines) + "\n"


def list_text(plist) -> str:
    return "".join(entry_text(e) for e in plist.programs)


def entry_json(entry, *, any_pinned: bool, pids_scanned: bool = True) -> dict:
    """bpftool's keys in bpftool's order, then ours (``xlated_insns``, ``verified_insns``)."""
    info = entry.info
    t = type_name(info.type)
    out: dict = {"id": info.id, "type": t if t else int(info.type)}
    if entry.full_name:
        out["name"] = entry.full_name
    out["tag"] = info.tag
    out["gpl_compatible"] = info.gpl_compatible
    if info.run_time_ns:
        out["run_time_ns"], out["run_cnt"] = info.run_time_ns, info.run_cnt
    if info.recursion_misses:
        out["recursion_misses"] = info.recursion_misses
    if info.ifindex:
        out["dev"] = {"ifindex": info.ifindex, "ns_dev": info.netns_dev, "ns_inode": info.netns_ino}
    if entry.loaded_at is not None:
        out["loaded_at"], out["uid"] = entry.loaded_at, info.created_by_uid
    out["bytes_xlated"] = info.xlated_prog_len
    out["jited"] = bool(info.jited_prog_len)
    if info.jited_prog_len:
        out["bytes_jited"] = info.jited_prog_len
    if entry.memlock is not None:
        out["bytes_memlock"] = entry.memlock
    if info.map_ids:
        out["map_ids"] = list(info.map_ids)
    if info.btf_id:
        out["btf_id"] = info.btf_id
    out.update(refs_json(entry, any_pinned))
    out["xlated_insns"] = info.xlated_prog_len // 8
    out["verified_insns"] = info.verified_insns
    return out


def list_json(plist) -> list[dict]:
    return [entry_json(e, any_pinned=plist.any_pinned) for e in plist.programs]


# --- jited -----------------------------------------------------------------

def split_listing(listing: str) -> list[tuple[int, str]]:
    """``format_listing`` text -> (pc, lines of that instruction) pairs."""
    out: list[tuple[int, str]] = []
    for line in listing.splitlines(keepends=True):
        if line.startswith("\t") and out:
            pc, text = out[-1]
            out[-1] = (pc, text + line)
        else:
            head = line.split(":", 1)[0]
            out.append((int(head, 16), line))
    return out


def annotate(listing: str, source_at) -> str:
    """Put ``; source`` lines before instructions; ``source_at(pc)`` -> text or None
    (called once per instruction, in order, as disasm_print_insn does)."""
    parts = []
    for pc, text in split_listing(listing):
        src = source_at(pc)
        if src is not None:
            parts.append(src + "\n")
        parts.append(text)
    return "".join(parts)


def jited_text(funcs, *, listing, linum: bool = False) -> str:
    """``funcs``: records with ``proto``, ``label``, ``image``, ``sources``
    (a callable pc -> Source|None or None); ``listing(bytes) -> str``."""
    out = []
    for f in funcs:
        if f.proto:
            out.append(f"{f.proto}:\n")
        out.append(f"{f.label}:\n")
        text = listing(f.image)
        if f.sources is not None:
            text = annotate(text, lambda pc, f=f: _source_line(f.sources(pc), linum))
        out.append(text)
        out.append("\n")
    return "".join(out)


def _source_line(src, linum: bool) -> str | None:
    if src is None:
        return None
    if not linum:
        return f"; {src.text}"
    return f"; {src.text} [file:{src.file or ''} line_num:{src.line_num} line_col:{src.column}]"


def jited_json(funcs, *, insns_of, linum: bool = False) -> list[dict]:
    """[{"proto"?, "name", "address", "insns": [{"src"..., "pc", "bytes",
    "mnemonic", "operands"}]}] (our schema: bpftool's depends on libbfd's
    print callbacks, which this machine's bpftool lacks; see docs)."""
    out = []
    for f in funcs:
        rec: dict = {}
        if f.proto:
            rec["proto"] = f.proto
        rec["name"] = f.label
        rec["address"] = f"{f.address:#018x}" if f.address else None
        rows = []
        for ins in insns_of(f.image):
            row: dict = {}
            src = f.sources(ins.offset) if f.sources is not None else None
            if src is not None:
                row.update(source_json(src, linum))
            row.update({"pc": ins.offset, "bytes": ins.raw.hex(), "mnemonic": ins.mnemonic,
                        "operands": ins.operands})
            rows.append(row)
        rec["insns"] = rows
        out.append(rec)
    return out


def source_json(src, linum: bool) -> dict:
    """btf_dump_linfo_json."""
    row = {"src": src.text}
    if linum:
        if src.file is not None:
            row["file"] = src.file
        if src.line_num:
            row["line_num"] = src.line_num
        if src.column:
            row["line_col"] = src.column
    return row


def kernel_log(funcs, *, comm: str, pid: int = 0, passes: int = 1) -> str:
    """One ``bpf_jit_enable=2`` dump per function, as the kernel prints one per
    JIT-compiled function (include/linux/filter.h ``bpf_jit_dump``).  The
    loader's comm and pid and the pass count are not in the program info:
    ``from=`` is the program name, ``pid=0`` and ``pass=1`` (see docs)."""
    from bpfdoctor.jit.logformat import format_kernel_log

    return "".join(format_kernel_log(f.image, flen=f.flen, passes=passes, image_ptr=f"{f.address:016x}",
                                     comm=comm[:15], pid=pid) for f in funcs)
