"""Load BPF objects without libbpf: BTF, maps, relocations, programs.

Public API::

    load_object(path, programs=None, prog_type=None, log_level=0, env=None) -> LoadedObject
    LoadedObject: .results (ProgramResult per program), .map_results, .programs,
                  .maps, .btf, .notes, .pin(dir), .close() / context manager
    KernelEnv: the running kernel's facts (vmlinux BTF, config, kallsyms, probes)
"""

from bpfdoctor.kernel.loader.env import KernelEnv
from bpfdoctor.kernel.loader.objload import LoadedObject, load_object
from bpfdoctor.kernel.loader.results import MapResult, ProgramResult, VerifierStats

__all__ = ["KernelEnv", "LoadedObject", "MapResult", "ProgramResult", "VerifierStats", "load_object"]
