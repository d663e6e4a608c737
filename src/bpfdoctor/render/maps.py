"""Text and JSON for ``bpfdoctor map``: bpftool's layouts, from records.

- ``list_text``/``list_json``: tools/bpf/bpftool/map.c ``show_map_close_plain``
  / ``show_map_close_json``;
- ``dump_text``: map.c ``map_dump``: maps with BTF through the pretty JSON
  writer (``do_dump_btf``), others as ``key: .. value: ..`` hex lines
  (``print_entry_plain``) and ``Found N elements``;
- ``dumps_json_text``: ``bpftool -j map dump``, byte for byte: hex bytes,
  and ``formatted`` from BTF (``print_entry_json``).

Pure: the records of ``bpfdoctor.kernel.map_dump`` are duck-typed.
"""

from __future__ import annotations

import os

from bpfdoctor.btf.valuefmt import Obj, Raw, format_value
from bpfdoctor.render.jsonw import JsonWriter
from bpfdoctor.render.prog import pids_text, refs_json, type_name

_PERCPU = {"percpu_hash", "percpu_array", "lru_percpu_hash", "percpu_cgroup_storage"}
_MAP_OF_MAPS = {"array_of_maps", "hash_of_maps"}


# -- list ---------------------------------------------------------------------------

def header_text(info) -> str:
    t = type_name(info.type)
    s = f"{info.id}: " + (f"{t}  " if t else f"type {int(info.type)}  ")
    if info.name:
        s += f"name {info.name}  "
    s += f"flags 0x{info.map_flags:x}"
    if info.ifindex:
        s += f"  offloaded_to ifindex {info.ifindex}"
    return s


def entry_text(e) -> str:
    info = e.info
    s = header_text(info) + "\n"
    s += f"\tkey {info.key_size}B  value {info.value_size}B  max_entries {info.max_entries}"
    if e.memlock is not None:
        s += f"  memlock {e.memlock}B"
    if int(info.type) == 3 and (e.owner_prog_type is not None or e.owner_jited is not None):
        s += "\n\t"
        if e.owner_prog_type is not None:
            pt = type_name(e.owner_prog_type)
            s += f"owner_prog_type {pt}  " if pt else f"owner_prog_type {int(e.owner_prog_type)}  "
        if e.owner_jited is not None:
            s += "owner jited" if e.owner_jited else "owner not jited"
    for p in e.pinned:
        s += f"\n\tpinned {p}"
    if info.btf_id or e.frozen:
        s += "\n\t"
    if info.btf_id:
        s += f"btf_id {info.btf_id}"
    if e.frozen:
        s += ("  " if info.btf_id else "") + "frozen"
    if e.pids:
        s += "\n" + pids_text(e.pids)
    return s + "\n"


def list_text(mlist) -> str:
    return "".join(entry_text(e) for e in mlist.maps)


def entry_json(e, any_pinned: bool) -> dict:
    info = e.info
    t = type_name(info.type)
    out: dict = {"id": info.id, "type": t if t else int(info.type)}
    if info.name:
        out["name"] = info.name
    out["flags"] = info.map_flags
    if info.ifindex:
        out["ifindex"] = info.ifindex
    out.update(bytes_key=info.key_size, bytes_value=info.value_size, max_entries=info.max_entries)
    if e.memlock is not None:
        out["bytes_memlock"] = e.memlock
    if int(info.type) == 3:
        if e.owner_prog_type is not None:
            out["owner_prog_type"] = type_name(e.owner_prog_type) or int(e.owner_prog_type)
        if e.owner_jited is not None:
            out["owner_jited"] = e.owner_jited
    out["frozen"] = int(e.frozen)
    if info.btf_id:
        out["btf_id"] = info.btf_id
    out.update(refs_json(e, any_pinned))
    return out


def list_json(mlist, selected: bool = False) -> list[dict] | dict:
    """``bpftool -j map show``: a list, except that a MAP selection matching
    one map gives that map's object (map.c ``do_show_subset``)."""
    body = [entry_json(e, mlist.any_pinned) for e in mlist.maps]
    return body[0] if selected and len(body) == 1 else body


# -- dump ---------------------------------------------------------------------------

def _hex(b: bytes) -> str:
    """main.c ``fprint_hex``: 16 bytes a line, two spaces after the eighth."""
    out = []
    for i, x in enumerate(b):
        if i:
            out.append("\n" if i % 16 == 0 else "  " if i % 8 == 0 else " ")
        out.append(f"{x:02x}")
    return "".join(out)


def _strerror(errno: int) -> str:
    return os.strerror(errno) if errno != 524 else "Unknown error 524"


def _skip_error(d, e) -> bool:
    t = type_name(d.info.type)
    return e.errno == 2 and (t in _MAP_OF_MAPS or t == "prog_array")


def _error_plain(info, key: bytes, msg: str) -> str:
    """map.c ``print_entry_error_msg``."""
    brk = info.key_size > 16 or len(msg) > 16
    single = info.key_size + len(msg) <= 24 and not brk
    return (f"key:{chr(10) if brk else ' '}{_hex(key)}" + ("  " if single else "\n")
            + f"value:{chr(10) if brk else ' '}{msg}\n")


def _error_text(d, e) -> str:
    msg = "<no entry>" if e.errno == 2 else None
    if e.errno == 28 and type_name(d.info.type) == "reuseport_sockarray":
        msg = "<cannot read>"
    return _error_plain(d.info, e.key, msg or _strerror(e.errno))


def _plain_entry(d, e) -> str:
    """map.c ``print_entry_plain``."""
    info = d.info
    out = ""
    if not d.percpu:
        brk = info.key_size > 16 or info.value_size > 16
        single = info.key_size + info.value_size <= 24 and not brk
        if info.key_size:
            out += f"key:{chr(10) if brk else ' '}{_hex(e.key)}" + ("  " if single else "\n")
        if info.value_size:
            # bpftool 7.1 prints the inner map id of a map-of-maps as value bytes too
            # (newer bpftool prints "inner_map_id: N"); we follow the installed 7.1.
            out += f"value:{chr(10) if brk else ' '}{_hex(e.value[:info.value_size])}"
        return out + "\n"
    step = (info.value_size + 7) & ~7
    if info.key_size:
        out += f"key:\n{_hex(e.key)}\n"
    if info.value_size:
        for cpu in range(d.ncpus):
            v = e.value[cpu * step: cpu * step + info.value_size]
            out += f"value (CPU {cpu:02d}):{chr(10) if info.value_size > 16 else ' '}{_hex(v)}\n"
    return out


def formatted(d, e, *, plain: bool) -> Obj:
    """map.c ``do_dump_btf``: key and value (or per-CPU values) from BTF."""
    info, btf = d.info, d.btf
    items: list[tuple[str, object]] = []
    if info.btf_key_type_id:
        items.append(("key", format_value(btf, info.btf_key_type_id, e.key, plain=plain)))
    vid = info.btf_vmlinux_value_type_id or info.btf_value_type_id
    if not d.percpu:
        items.append(("value", format_value(btf, vid, e.value, plain=plain)))
    else:
        step = (info.value_size + 7) & ~7
        items.append(("values", [Obj((("cpu", cpu), ("value", format_value(
            btf, vid, e.value[cpu * step: cpu * step + info.value_size], plain=plain))))
            for cpu in range(d.ncpus)]))
    return Obj(tuple(items))


def dumps_text(dumps) -> str:
    """Several maps (``name`` matched more than one), as map.c ``do_dump``:
    with BTF on all of them, one root array of ``{header, "elements": [...]}``;
    otherwise each map's plain header and entries, a blank line between."""
    if len(dumps) == 1:
        return dump_text(dumps[0])
    if not all(d.info.btf_id for d in dumps):
        return "\n".join(header_text(d.info) + "\n" + dump_text(d, plain_only=True) for d in dumps)
    w = JsonWriter(pretty=True)
    w.begin("[")
    for d in dumps:
        w.begin("{")
        for k, v in dump_header_json(d).items():
            w.name(k)
            w.value(v)
        w.name("elements")
        _elements(w, d)
        w.end("}")
    w.end("]")
    return w.text() + "\n"


def _elements(w: JsonWriter, d) -> None:
    w.begin("[")
    for e in d.entries:
        if e.value is None:
            if not _skip_error(d, e):
                w.out.append(_error_text(d, e))
        elif d.btf is None:
            w.out.append(_plain_entry(d, e))
        else:
            w.value(formatted(d, e, plain=True))
    w.end("]")


def dump_text(d, plain_only: bool = False) -> str:
    """One map as ``bpftool map dump`` prints it (ends with a newline)."""
    if not d.info.btf_id or plain_only:
        body = "".join(_error_text(d, e) if e.value is None else _plain_entry(d, e)
                       for e in d.entries if not (e.value is None and _skip_error(d, e)))
        n = sum(e.value is not None for e in d.entries)
        return body + f"Found {n} element{'s' if n != 1 else ''}\n"
    w = JsonWriter(pretty=True)
    _elements(w, d)
    return w.text() + "\n"


def dumps_json_text(dumps) -> str:
    """``bpftool -j map dump``, byte for byte: bpftool's json_writer in its
    compact mode (its layout and escapes, no indentation); for several maps a
    list of ``{header, "elements": [...]}``.  Compact only: ``_hexarray``
    writes its arrays whole."""
    w = JsonWriter(pretty=False)
    if len(dumps) == 1:
        _json_elements(w, dumps[0])
    else:
        w.begin("[")
        for d in dumps:
            w.begin("{")
            for k, v in dump_header_json(d).items():
                w.name(k)
                w.value(_tree(v))
            w.name("elements")
            _json_elements(w, d)
            w.end("}")
        w.end("]")
    return w.text() + "\n"


def _tree(v):
    """A JSON value of dicts and lists as JsonWriter's tree (Obj for a dict)."""
    if v.__class__ is dict:
        return Obj(tuple((k, _tree(x)) for k, x in v.items()))
    if v.__class__ is list:
        return [_tree(x) for x in v]
    return v


_HEX2 = [f"{x:02x}" for x in range(256)]


def _hexarray(b: bytes) -> Raw:
    """``print_hex_data_json`` in compact mode, as one token: ["0x01","0xff"]
    (the writer would visit each byte's string: most of a dump's nodes)."""
    if not b:
        return Raw("[]")
    return Raw('["0x' + '","0x'.join(map(_HEX2.__getitem__, b)) + '"]')


def _entry_json(d, e) -> Obj:
    """map.c ``print_entry_json`` / ``print_entry_error`` (JSON), as a writer tree."""
    info = d.info
    if e.value is None:
        return Obj((("key", _hexarray(e.key)), ("value", Obj((("error", _strerror(e.errno)),)))))
    items: list[tuple[str, object]] = [("key", _hexarray(e.key))]
    if not d.percpu:
        items.append(("value", _hexarray(e.value[:info.value_size])))
    else:
        step = (info.value_size + 7) & ~7
        items.append(("values", [Obj((("cpu", c), ("value", _hexarray(
            e.value[c * step: c * step + info.value_size])))) for c in range(d.ncpus)]))
    if d.btf is not None:
        items.append(("formatted", formatted(d, e, plain=False)))
    return Obj(tuple(items))


def _json_elements(w: JsonWriter, d) -> None:
    w.begin("[")
    for e in d.entries:
        if not (e.value is None and _skip_error(d, e)):
            w.value(_entry_json(d, e))
    w.end("]")


def dump_notes(dumps) -> list[str]:
    """What the dump left out or cannot show, for stderr."""
    out = []
    for d in dumps:
        out += d.notes
        if d.truncated:
            out.append(f"map {d.info.id} ({d.info.name or 'no name'}): stopped after {len(d.entries)} "
                       "entries; pass --limit 0 for all")
    return out


def dump_header_json(d) -> dict:
    """map.c ``show_map_header_json`` (several maps in one dump)."""
    t = type_name(d.info.type)
    out: dict = {"id": d.info.id, "type": t if t else int(d.info.type)}
    if d.info.name:
        out["name"] = d.info.name
    out["flags"] = d.info.map_flags
    return out


__all__ = ["Raw", "dump_notes", "dump_text", "dumps_json_text", "dumps_text", "list_json", "list_text"]
