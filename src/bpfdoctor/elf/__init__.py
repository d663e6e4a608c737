"""BPF ELF objects, read without loading them (pure code).

``open_object(path)`` gives a ``BpfObject``: programs with their libbpf
program types, maps (legacy and BTF), license, version, global data, BTF, and
findings about what modern loaders refuse.  ``reader.ElfFile`` is the raw ELF
view; ``objdump`` and ``readelf`` render llvm-objdump/llvm-readelf text.

Names are imported on first use (PEP 562) so that ``disasm``, which needs only
the reader, does not pay for the object model.
"""

_LAZY = {"BpfObject", "MapSpec", "ProgramSpec", "open_object"}


def __getattr__(name: str):
    if name in _LAZY:
        from bpfdoctor.elf import object as _object

        return getattr(_object, name)
    raise AttributeError(f"module 'bpfdoctor.elf' has no attribute {name!r}")


__all__ = sorted(_LAZY)
