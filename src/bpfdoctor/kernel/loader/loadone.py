"""One program: link, load, and turn the outcome into a ``ProgramResult``."""

from __future__ import annotations

from bpfdoctor.kernel.enums import ProgType, label_of
from bpfdoctor.kernel.loader import progload
from bpfdoctor.kernel.loader.btfext_raw import pack
from bpfdoctor.kernel.loader.relocate import RelocError, btf_ext_for, link
from bpfdoctor.kernel.loader.results import ProgramResult


def _labels(ptype: int, atype: int, p) -> tuple[str, str | None]:
    at = label_of("AttachType", atype) if atype or p.attach_type else None
    return ProgType(ptype).label, at


def kernel_args(obj, p, ptype: int, atype: int, linked, raw_ext, env, btf) -> tuple[dict, list]:
    """``kernel.progs.load_program``'s arguments for a linked program (``prog_load_attr``
    takes the same), and its line_info records.  ``btf``: the object's BTF as loaded, or None."""
    attach_id = progload.attach_btf_id(ptype, atype, p.sectype.attach_target if p.sectype else None, env)
    funcs, lines = btf_ext_for(linked, raw_ext)
    args = dict(prog_type=ptype, insns=linked.buf.tobytes(), license=obj.license or "", name=p.name,
                expected_attach_type=atype, attach_btf_id=attach_id,
                kern_version=obj.kern_version or env.version_code, prog_flags=progload.prog_flags(p.sectype))
    # libbpf passes func/line info only when the kernel knows BTF FUNC: the
    # sanitized FUNC -> TYPEDEF would not be a valid func_info type.
    if btf is not None and raw_ext is not None and env.btf_features.func:
        args.update(prog_btf_fd=btf.fd, func_info=pack(funcs, raw_ext.func_rec_size),
                    func_info_rec_size=raw_ext.func_rec_size, line_info=pack(lines, raw_ext.line_rec_size),
                    line_info_rec_size=raw_ext.line_rec_size)
    return args, lines


def load_one(lo, p, ptype: int, atype: int, relocated, raw_ext, env, log_level: int) -> ProgramResult:
    obj = lo.obj
    tname, aname = _labels(ptype, atype, p)
    base = dict(name=p.name, section=p.section, prog_type=tname, attach_type=aname)
    try:
        linked = link(relocated, p)
        args, lines = kernel_args(obj, p, ptype, atype, linked, raw_ext, env, lo.btf)
    except (RelocError, progload.AttachError) as e:
        return ProgramResult(**base, status="error", message=str(e))
    prog, text, err = progload.load(args, log_level)
    common = dict(base, insn_count=len(linked.buf), subprograms=tuple(f.name for f, _ in linked.placed[1:]),
                  log=text, core=tuple(linked.core),
                  line_for_insn=progload.line_lookup(lines, obj.btf))
    if err is not None:
        verbose = progload.verify_verbose(args, text) if text else None
        return ProgramResult(**common, status="rejected", errno=err.errno, errno_name=err.errno_name,
                             message=getattr(err, "summary", None) or str(err), verbose=verbose)
    lo.programs[p.name] = prog
    facts = progload.loaded_facts(prog)
    return ProgramResult(**common, status="loaded", stats=progload.stats_of(text, facts["verified_insns"]),
                         **facts)
