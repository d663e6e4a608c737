"""Where a uprobe goes: the binary a section names and the file offset of a
function in it, the way libbpf finds them.

- the path (libbpf.c ``resolve_full_path``): a name with a ``/`` is used as
  is; a library name (``libc.so.6``, anything with ``.so``) is searched in
  ``LD_LIBRARY_PATH`` and the usual library directories; another name in
  ``PATH``;
- the offset (libbpf elf.c ``elf_find_func_offset``): the function among
  ``.symtab`` and ``.dynsym`` FUNC symbols, as ``st_value - sh_addr +
  sh_offset`` of its section.  A stripped binary keeps only ``.dynsym``,
  so a static function cannot be found there: the cause named most often
  when "the uprobe does not attach".
"""

from __future__ import annotations

import os
import struct

from bpfdoctor.errors import BpfDoctorError
from bpfdoctor.host._files import under
from bpfdoctor.record import record

LIB_DIRS = ("/lib64", "/usr/lib64", "/lib", "/usr/lib", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
            "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu")
SHT_SYMTAB, SHT_DYNSYM, STT_FUNC, STT_GNU_IFUNC = 2, 11, 2, 10


def resolve_binary(name: str, root: str | os.PathLike = "/", env: dict | None = None) -> str | None:
    env = os.environ if env is None else env
    if "/" in name:
        return name if os.path.exists(under(root, name)) else None
    if ".so" in name:
        dirs = [d for d in env.get("LD_LIBRARY_PATH", "").split(":") if d] + list(LIB_DIRS)
    else:
        dirs = [d for d in env.get("PATH", "/usr/bin:/bin").split(":") if d]
    for d in dirs:
        p = os.path.join(d, name)
        if os.path.exists(under(root, p)):
            return p
    return None


@record
class FuncLookup:
    """Where a function is in a binary: its file offset for a uprobe, or None
    when it is not there or the file cannot be read."""

    offset: int | None
    stripped: bool              # no .symtab: only exported (dynamic) symbols are visible
    close: tuple[str, ...] = ()  # similar names, when not found
    problem: str | None = None   # the file is not an ELF we can read


def func_offset(path: str, func: str, root: str | os.PathLike = "/") -> FuncLookup:
    from bpfdoctor.elf.reader import ElfFile

    try:
        data = under(root, path).read_bytes()
        elf = ElfFile(data, path, require_bpf=False)
    except (OSError, BpfDoctorError) as e:
        return FuncLookup(None, False, problem=str(e))
    secs = elf.sections
    tables = [s for s in secs if s.type in (SHT_SYMTAB, SHT_DYNSYM)]
    stripped = not any(s.type == SHT_SYMTAB for s in tables)
    names: list[str] = []
    for tab in tables:
        if tab.link >= len(secs):
            continue
        strs = secs[tab.link]
        sdata = data[strs.offset:strs.offset + strs.size]
        raw = data[tab.offset:tab.offset + tab.size]
        for name_off, info, _other, shndx, value, _size in struct.iter_unpack("<IBBHQQ", raw[: len(raw) // 24 * 24]):
            if info & 0xF not in (STT_FUNC, STT_GNU_IFUNC) or not value:
                continue
            end = sdata.find(b"\0", name_off)
            name = sdata[name_off:end if end >= 0 else None].decode(errors="replace")
            base = name.split("@", 1)[0]  # versioned dynsym names: getppid@@GLIBC_2.2.5
            if base == func and 0 < shndx < len(secs):
                sec = secs[shndx]
                return FuncLookup(value - sec.addr + sec.offset, stripped)
            names.append(base)
    import difflib

    return FuncLookup(None, stripped, tuple(difflib.get_close_matches(func, sorted(set(names)), n=3)))
