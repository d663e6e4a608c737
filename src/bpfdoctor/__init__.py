"""bpfdoctor: troubleshoot eBPF on Linux.

Pure packages (isa, elf, btf, verifier, jit, render) turn bytes and text into
values; system packages (kernel, host) touch the running kernel; doctor joins
them into findings; cli is a thin argparse layer. See ARCHITECTURE.md.
"""

__version__ = "0.1.0"

from bpfdoctor.errors import BpfDoctorError  # noqa: E402,F401
