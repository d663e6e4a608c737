"""JIT dumps from the kernel log and native disassembly of JIT images.

Pure code: ``logparse`` finds ``bpf_jit_enable=2`` dumps in log text,
``logformat`` prints an image in the kernel's dump format, ``disasm``
disassembles images with capstone (imported lazily) in bpf_jit_disasm's
layout.  Reading the live kernel log is system code
(``bpfdoctor.host.kernel_log``).
"""

from bpfdoctor.jit.logformat import format_kernel_log
from bpfdoctor.jit.logparse import JitDump, JitLog, parse_log, select_dump

__all__ = ["JitDump", "JitLog", "format_kernel_log", "parse_log", "select_dump"]
