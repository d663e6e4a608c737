"""BPF ELF objects, read without loading them (pure code).

``open_object(path)`` gives a ``BpfObject``: programs with their libbpf
program types, maps (legacy and BTF), license, version, global data, BTF, and
findings about what modern loaders refuse.  ``reader.ElfFile`` is the raw ELF
view; ``objdump`` and ``readelf`` render llvm-objdump/llvm-readelf text.
"""

from bpfdoctor.elf.object import BpfObject, MapSpec, ProgramSpec, open_object

__all__ = ["BpfObject", "MapSpec", "ProgramSpec", "open_object"]
