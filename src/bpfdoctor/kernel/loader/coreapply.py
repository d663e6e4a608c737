"""Apply CO-RE relocations to instructions (libbpf relo_core.c
``bpf_core_calc_relo_insn`` + ``bpf_core_patch_insn``).

Resolution itself is ``bpfdoctor.btf.core_resolve.resolve_relocation`` (pure,
libbpf semantics); this module writes the answer into the instruction: the
immediate of an ALU op or ld_imm64, the offset of a load/store (with the load
size adjusted when the kernel's field is a narrower or wider unsigned int),
or the poison call ``0xbad2310`` when the relocation failed.
"""

from __future__ import annotations

from bpfdoctor.record import record

from bpfdoctor.btf.core import find_candidates
from bpfdoctor.btf.core_resolve import resolve_relocation
from bpfdoctor.btf.core_spec import CoreReloKind
from bpfdoctor.kernel.loader.consts import JMP_CALL, LD_IMM64, POISON_CORE
from bpfdoctor.kernel.loader.insnbuf import InsnBuf

CLS_LD, CLS_LDX, CLS_ST, CLS_STX, CLS_ALU, CLS_ALU64 = 0, 1, 2, 3, 4, 7
_SIZE_CODE = {1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18}
_CODE_SIZE = {v: k for k, v in _SIZE_CODE.items()}


@record
class CoreOutcome:
    """One applied relocation, for the report and the tests."""

    insn: int            # section instruction index
    kind: str
    spec: str
    local_value: int | None
    value: int | None
    poisoned: bool
    error: str | None = None


class CoreError(Exception):
    """The relocation cannot be applied (libbpf fails the program load)."""


def poison(buf: InsnBuf, i: int) -> None:
    """relo_core.c bpf_core_poison_insn; both halves of an ld_imm64."""
    if buf.get(i)[0] == LD_IMM64 and i + 1 < len(buf):
        buf.set(i + 1, code=JMP_CALL, dst=0, src=0, off=0, imm=POISON_CORE)
    buf.set(i, code=JMP_CALL, dst=0, src=0, off=0, imm=POISON_CORE)


class CandidateCache:
    """Target candidates per local (name, kind): the vmlinux name search is the
    slow part of CO-RE, and libbpf caches it the same way (libbpf.c
    bpf_core_resolve_relo keeps a cand_cache per object)."""

    def __init__(self, target) -> None:
        self.target = target
        self._by_key: dict[tuple[str, int], list[int]] = {}

    def get(self, local, type_id: int) -> list[int]:
        key = (local.name(type_id), int(local.kind(type_id)))
        if key not in self._by_key:
            self._by_key[key] = find_candidates(local, type_id, self.target)
        return self._by_key[key]


def _resolve(local, relo, kind, cands: CandidateCache):
    cand = cands.get(local, relo.type_id) if relo.kind != CoreReloKind.TYPE_ID_LOCAL else None
    return resolve_relocation(local, relo.type_id, relo.access, kind, cands.target, candidates=cand)


def apply_one(buf: InsnBuf, i: int, relo, local, cands: CandidateCache) -> CoreOutcome:
    """Resolve ``relo`` (a btf.ext CoreRelo) and patch slot ``i`` of ``buf``."""
    res = _resolve(local, relo, relo.kind, cands)
    kind = CoreReloKind(relo.kind).libbpf_name
    out = CoreOutcome(relo.insn, kind, res.local_spec, res.local_value, res.value, res.poison, res.error)
    if res.error:
        raise CoreError(f"CO-RE relocation {kind} of {res.local_spec} at insn {relo.insn}: {res.error}")
    if res.poison:
        poison(buf, i)
        return out
    code, _dst, src, off, imm = buf.get(i)
    cls = code & 7
    new = res.value
    # res.validate is libbpf's: false for bitfield fields and target type ids.
    check = res.validate and res.local_value is not None

    def unexpected(got):
        return CoreError(f"CO-RE relocation {kind} at insn {relo.insn}: instruction holds {got}, "
                         f"expected {res.local_value} (relo_core.c: unexpected insn value)")

    if cls in (CLS_ALU, CLS_ALU64):
        if code & 0x08:
            raise CoreError(f"CO-RE relocation at insn {relo.insn}: ALU instruction does not use an immediate")
        if check and imm != res.local_value:
            raise unexpected(imm)
        buf.set(i, imm=new)
    elif cls in (CLS_LDX, CLS_ST, CLS_STX):
        if check and off != res.local_value:
            raise unexpected(off)
        if new > 0x7FFF:
            raise CoreError(f"CO-RE relocation at insn {relo.insn}: offset {new} does not fit an instruction")
        # relo_core.c bpf_core_patch_insn: the field changed width; resize the
        # load when that keeps the value (unsigned ints, pointers), else poison.
        if not res.resize_ok:
            poison(buf, i)
            return CoreOutcome(relo.insn, kind, res.local_spec, res.local_value, None, True,
                               "field size changed and is not an unsigned int")
        buf.set(i, off=new)
        if res.size != res.local_size:
            if _CODE_SIZE.get(code & 0x18) != res.local_size or res.size not in _SIZE_CODE:
                raise CoreError(f"CO-RE relocation at insn {relo.insn}: unexpected memory access size")
            buf.set(i, code=(code & ~0x18) | _SIZE_CODE[res.size])
    elif code == LD_IMM64 and src == 0 and i + 1 < len(buf):
        old = (imm & 0xFFFFFFFF) | ((buf.get(i + 1)[4] & 0xFFFFFFFF) << 32)
        if check and old != res.local_value:
            raise unexpected(old)
        buf.set(i, imm=new & 0xFFFFFFFF)
        buf.set(i + 1, imm=(new >> 32) & 0xFFFFFFFF)
    else:
        raise CoreError(f"CO-RE relocation at insn {relo.insn}: cannot patch instruction code {code:#x}")
    return out
