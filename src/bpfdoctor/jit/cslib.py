"""capstone's engine for ``jit/disasm``, loaded without capstone's Python package.

``import capstone`` runs ``capstone/__init__.py``, which imports the constant
tables and ctypes structures of all eighteen architectures it supports, and
``ctypes.util``, ``pathlib``, ``importlib.resources``, ``inspect`` with them:
90-110 ms, several times what the rest of ``jit disasm`` costs.  This module
loads the compiled library that the package bundles
(``capstone/lib/libcapstone.so``, found without running the package's
``__init__``) through ctypes and declares only what bpfdoctor calls:
``cs_version``, ``cs_support``, ``cs_open``, ``cs_option``, ``cs_disasm``,
``cs_free``, ``cs_errno``, ``cs_close``, the ``cs_insn`` fields the binding's
``disasm_lite`` reads, and, for x86, the displacement fields of the
instruction details.

Version guard.  The signatures, structure layouts and constants below are
those of capstone 5.0 (``include/capstone/capstone.h`` and ``x86.h`` of the
5.0 series, which is what ``capstone>=5.0`` installs today; the binding
itself refuses a core whose API version differs from its own the same way).
The library is used only when all of these hold: it sits where the package
keeps it (or in ``$LIBCAPSTONE_PATH``, which the binding honours first), its
``cs_version()`` is 5.0, it is not a "diet" build (no text), it opens the
architecture asked for, and a short self-check decodes known x86 bytes to
the expected text and displacement.  Otherwise -- another major or minor
version (capstone 6 renumbers architectures and changes ``cs_insn``), no
library where the package keeps it, any error -- ``open_engine`` falls back
to the full binding (``capstone.Cs``), exactly as before this module.  The
text is the same either way: both call the same ``cs_disasm`` of the same
library.
"""

from __future__ import annotations

import ctypes
import os
import sys

# capstone 5.0's enums (capstone.h ``cs_arch``, ``cs_mode``, ``cs_opt_type``,
# ``cs_opt_value``); tests/jit check them against the installed binding.
ARCH = {"CS_ARCH_ARM": 0, "CS_ARCH_ARM64": 1, "CS_ARCH_MIPS": 2, "CS_ARCH_X86": 3, "CS_ARCH_PPC": 4,
        "CS_ARCH_SPARC": 5, "CS_ARCH_SYSZ": 6, "CS_ARCH_RISCV": 15}
MODE = {"CS_MODE_LITTLE_ENDIAN": 0, "CS_MODE_ARM": 0, "CS_MODE_32": 1 << 2, "CS_MODE_64": 1 << 3,
        "CS_MODE_V9": 1 << 4, "CS_MODE_MIPS32": 1 << 2, "CS_MODE_MIPS64": 1 << 3,
        "CS_MODE_RISCV32": 1 << 0, "CS_MODE_RISCV64": 1 << 1, "CS_MODE_RISCVC": 1 << 2,
        "CS_MODE_BIG_ENDIAN": 1 << 31}
API = (5, 0)
_OPT_SYNTAX, _OPT_DETAIL, _OPT_ON = 1, 2, 3
SYNTAX = {"intel": 1, "att": 2}
_SUPPORT_DIET = 0xFFFF + 1
_LIBNAMES = ("libcapstone.so", "libcapstone.so.5")


class CapstoneError(RuntimeError):
    """cs_disasm failed (capstone's ``cs_errno``), e.g. out of memory."""


class _Insn(ctypes.Structure):
    # capstone.h ``cs_insn`` (5.0): CS_MNEMONIC_SIZE is 32.
    _fields_ = (("id", ctypes.c_uint), ("address", ctypes.c_uint64), ("size", ctypes.c_uint16),
                ("bytes", ctypes.c_ubyte * 24), ("mnemonic", ctypes.c_char * 32),
                ("op_str", ctypes.c_char * 160), ("detail", ctypes.c_void_p))


class _X86OpMem(ctypes.Structure):
    _fields_ = (("segment", ctypes.c_int), ("base", ctypes.c_int), ("index", ctypes.c_int),
                ("scale", ctypes.c_int), ("disp", ctypes.c_int64))


class _X86OpValue(ctypes.Union):
    _fields_ = (("reg", ctypes.c_int), ("imm", ctypes.c_int64), ("mem", _X86OpMem))


class _X86Op(ctypes.Structure):
    # x86.h ``cs_x86_op``
    _fields_ = (("type", ctypes.c_int), ("value", _X86OpValue), ("size", ctypes.c_uint8),
                ("access", ctypes.c_uint8), ("avx_bcast", ctypes.c_int), ("avx_zero_opmask", ctypes.c_bool))


class _X86Encoding(ctypes.Structure):
    # x86.h ``cs_x86_encoding``
    _fields_ = (("modrm_offset", ctypes.c_uint8), ("disp_offset", ctypes.c_uint8), ("disp_size", ctypes.c_uint8),
                ("imm_offset", ctypes.c_uint8), ("imm_size", ctypes.c_uint8))


class _X86(ctypes.Structure):
    # x86.h ``cs_x86``
    _fields_ = (("prefix", ctypes.c_uint8 * 4), ("opcode", ctypes.c_uint8 * 4), ("rex", ctypes.c_uint8),
                ("addr_size", ctypes.c_uint8), ("modrm", ctypes.c_uint8), ("sib", ctypes.c_uint8),
                ("disp", ctypes.c_int64), ("sib_index", ctypes.c_int), ("sib_scale", ctypes.c_int8),
                ("sib_base", ctypes.c_int), ("xop_cc", ctypes.c_int), ("sse_cc", ctypes.c_int),
                ("avx_cc", ctypes.c_int), ("avx_sae", ctypes.c_bool), ("avx_rm", ctypes.c_int),
                ("eflags", ctypes.c_uint64), ("op_count", ctypes.c_uint8), ("operands", _X86Op * 8),
                ("encoding", _X86Encoding))


class _Detail(ctypes.Structure):
    # capstone.h ``cs_detail``; of the per-architecture union only x86 is read
    # (every member of that union is 8-byte aligned, so it starts at the same offset).
    _fields_ = (("regs_read", ctypes.c_uint16 * 20), ("regs_read_count", ctypes.c_uint8),
                ("regs_write", ctypes.c_uint16 * 20), ("regs_write_count", ctypes.c_uint8),
                ("groups", ctypes.c_uint8 * 8), ("groups_count", ctypes.c_uint8), ("writeback", ctypes.c_bool),
                ("x86", _X86))


_INSN_SIZE = ctypes.sizeof(_Insn)
_ADDRESS, _SIZE = _Insn.address.offset, _Insn.size.offset
_MNEMONIC, _OP_STR = _Insn.mnemonic.offset, _Insn.op_str.offset
_MNEMONIC_LEN, _OP_STR_LEN = _Insn.mnemonic.size, _Insn.op_str.size
_CHUNK = 4096  # instructions copied out of capstone's array at a time (bounds the copy)

# (address, size, mnemonic, op_str) of the self-check: Intel syntax, details on.
_SELF_CHECK = (
    (bytes.fromhex("488b4700"), [(0x1000, 4, "mov", "rax, qword ptr [rdi]")], (1, 0)),
    (bytes.fromhex("488b8778563412c3"),
     [(0x1000, 7, "mov", "rax, qword ptr [rdi + 0x12345678]"), (0x1007, 1, "ret", "")], (4, 0x12345678)),
)

_lib: ctypes.CDLL | bool | None = None   # None: not tried yet; False: not usable


def _package_dirs() -> list[str]:
    """The directories of the ``capstone`` package that ``import capstone``
    would load, found as the import system finds it (``sys.meta_path``, as
    ``importlib.util.find_spec`` does, without importing that module and
    ``contextlib`` with it) and without running the package."""
    module = sys.modules.get("capstone")
    if module is not None:
        return list(getattr(module, "__path__", ()))
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is None:
            continue
        try:
            spec = find_spec("capstone", None)
        except (ImportError, ValueError, OSError):
            continue
        if spec is not None:
            return list(spec.submodule_search_locations or ())
    return []


def library_path() -> str | None:
    """Where the binding would load libcapstone from: ``$LIBCAPSTONE_PATH``,
    then the package's ``lib`` directory."""
    dirs = []
    env = os.environ.get("LIBCAPSTONE_PATH")
    if env:
        dirs.append(env)
    dirs += [os.path.join(d, "lib") for d in _package_dirs()]
    for d in dirs:
        for name in _LIBNAMES:
            path = os.path.join(d, name)
            if os.path.isfile(path):
                return path
    return None


def _declare(lib: ctypes.CDLL) -> None:
    size_t, p = ctypes.c_size_t, ctypes.POINTER
    for name, res, args in (
        ("cs_version", ctypes.c_int, (p(ctypes.c_int), p(ctypes.c_int))),
        ("cs_support", ctypes.c_bool, (ctypes.c_int,)),
        ("cs_open", ctypes.c_int, (ctypes.c_uint, ctypes.c_uint, p(size_t))),
        ("cs_option", ctypes.c_int, (size_t, ctypes.c_int, size_t)),
        ("cs_disasm", size_t, (size_t, ctypes.c_void_p, size_t, ctypes.c_uint64, size_t, p(ctypes.c_void_p))),
        ("cs_free", None, (ctypes.c_void_p, size_t)),
        ("cs_errno", ctypes.c_int, (size_t,)),
        ("cs_close", ctypes.c_int, (p(size_t),)),
    ):
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args


def _load() -> ctypes.CDLL | None:
    """The bundled libcapstone if it is capstone 5.0 with text and passes the
    self-check; None otherwise (the caller then uses the binding)."""
    path = library_path()
    if path is None or not sys.platform.startswith("linux"):
        return None
    try:
        # the binding's own dlopen flags, so both share one copy of the library
        lib = ctypes.CDLL(path, mode=getattr(os, "RTLD_DEEPBIND", 0))
        _declare(lib)
        major, minor = ctypes.c_int(), ctypes.c_int()
        lib.cs_version(ctypes.byref(major), ctypes.byref(minor))
        if (major.value, minor.value) != API or lib.cs_support(_SUPPORT_DIET):
            return None
        probe = Engine(lib, ARCH["CS_ARCH_X86"], MODE["CS_MODE_64"], None, True)
        for code, insns, disp in _SELF_CHECK:
            if probe.disasm(code, 0, 0, 0x1000) != insns or probe.x86_disp(code) != disp:
                return None
    except (OSError, AttributeError, ValueError, UnicodeDecodeError, CapstoneError):
        return None
    return lib


def library() -> ctypes.CDLL | None:
    """The checked library, loaded once per process (None: use the binding)."""
    global _lib
    if _lib is None:
        _lib = _load() or False
    return _lib or None


class Engine:
    """One capstone handle over the library through ctypes."""

    backend = "ctypes"

    def __init__(self, lib: ctypes.CDLL, arch: int, mode: int, syntax: int | None, detail: bool) -> None:
        self._lib = lib
        self._h = ctypes.c_size_t()
        err = lib.cs_open(arch, mode, ctypes.byref(self._h))
        if err:
            self._h = None
            raise CapstoneError(f"cs_open: error {err}")
        if syntax is not None:
            self._option(_OPT_SYNTAX, syntax)
        if detail:
            self._option(_OPT_DETAIL, _OPT_ON)

    def _option(self, opt: int, value: int) -> None:
        err = self._lib.cs_option(self._h, opt, value)
        if err:
            raise CapstoneError(f"cs_option({opt}, {value}): error {err}")

    def __del__(self) -> None:
        if self._h is not None:
            try:
                self._lib.cs_close(ctypes.byref(self._h))
            except Exception:  # noqa: BLE001 - interpreter shutdown
                pass

    def _call(self, code: bytes, pos: int, count: int, address: int) -> tuple[int, ctypes.c_void_p]:
        if not isinstance(code, bytes):
            code = bytes(code)
        base = ctypes.cast(ctypes.c_char_p(code), ctypes.c_void_p).value or 0
        insns = ctypes.c_void_p()
        n = self._lib.cs_disasm(self._h, base + pos, max(len(code) - pos, 0), address, count,
                                ctypes.byref(insns))
        if not n:
            err = self._lib.cs_errno(self._h)
            if err:
                raise CapstoneError(f"cs_disasm: error {err}")
        return n, insns

    def disasm(self, code: bytes, pos: int = 0, count: int = 0, address: int | None = None
               ) -> list[tuple[int, int, str, str]]:
        """(address, size, mnemonic, op_str) of the instructions of
        ``code[pos:]`` decoded at ``address`` (default ``pos``), as the
        binding's ``disasm_lite``: up to the first byte that does not decode,
        or ``count`` instructions."""
        n, insns = self._call(code, pos, count, pos if address is None else address)
        out: list[tuple[int, int, str, str]] = []
        if not n:
            return out
        append, string_at, frombytes = out.append, ctypes.string_at, int.from_bytes
        size, a, s, m, o = _INSN_SIZE, _ADDRESS, _SIZE, _MNEMONIC, _OP_STR
        mlen, olen = _MNEMONIC_LEN, _OP_STR_LEN
        order = sys.byteorder
        try:
            for first in range(0, n, _CHUNK):
                blob = string_at(insns.value + first * size, min(_CHUNK, n - first) * size)
                for b in range(0, len(blob), size):
                    end_m = blob.find(0, b + m, b + m + mlen)
                    end_o = blob.find(0, b + o, b + o + olen)
                    append((frombytes(blob[b + a:b + a + 8], order), frombytes(blob[b + s:b + s + 2], order),
                            blob[b + m:end_m if end_m >= 0 else b + m + mlen].decode("ascii"),
                            blob[b + o:end_o if end_o >= 0 else b + o + olen].decode("ascii")))
        finally:
            self._lib.cs_free(insns, n)
        return out

    def x86_disp(self, raw: bytes) -> tuple[int, int] | None:
        """(encoded displacement size, displacement) of the first instruction
        of ``raw`` (a handle opened with details), None if it does not decode."""
        n, insns = self._call(raw, 0, 1, 0)
        if not n:
            return None
        try:
            insn = _Insn.from_address(insns.value)
            if not insn.detail:
                return None
            x86 = _Detail.from_address(insn.detail).x86
            return x86.encoding.disp_size, x86.disp
        finally:
            self._lib.cs_free(insns, n)


class Binding:
    """The same interface over capstone's Python binding (the fallback)."""

    backend = "binding"

    def __init__(self, arch: str, modes: tuple[str, ...], syntax: str | None, detail: bool) -> None:
        try:
            import capstone as cs
        except ImportError as e:  # pragma: no cover - capstone is a dependency
            from bpfdoctor.errors import UsageError

            raise UsageError("capstone is not installed", hint="pip install capstone") from e
        mode = 0
        for flag in modes:
            mode |= getattr(cs, flag)
        self._md = cs.Cs(getattr(cs, arch), mode)
        if syntax is not None:
            self._md.syntax = cs.CS_OPT_SYNTAX_ATT if syntax == "att" else cs.CS_OPT_SYNTAX_INTEL
        self._md.detail = detail

    def disasm(self, code: bytes, pos: int = 0, count: int = 0, address: int | None = None
               ) -> list[tuple[int, int, str, str]]:
        return list(self._md.disasm_lite(memoryview(code)[pos:], pos if address is None else address, count))

    def x86_disp(self, raw: bytes) -> tuple[int, int] | None:
        for insn in self._md.disasm(raw, 0, 1):
            return insn.encoding.disp_size, insn.disp
        return None


def open_engine(arch: str, modes: tuple[str, ...], syntax: str | None = None, detail: bool = False
                ) -> Engine | Binding:
    """A handle for capstone's ``arch``/``modes`` (constant names such as
    ``CS_ARCH_X86``, ``CS_MODE_64``); ``syntax`` ("att"/"intel") for x86.
    The ctypes engine when the library passed the checks, else the binding."""
    lib = library()
    if lib is not None and arch in ARCH and all(m in MODE for m in modes):
        mode = 0
        for flag in modes:
            mode |= MODE[flag]
        try:
            return Engine(lib, ARCH[arch], mode, None if syntax is None else SYNTAX[syntax], detail)
        except (CapstoneError, KeyError):
            pass
    return Binding(arch, modes, syntax, detail)
