"""``union bpf_attr`` layouts, one ctypes structure per command, and the
``bpf_*_info`` records of OBJ_GET_INFO_BY_FD.

Layouts follow include/uapi/linux/bpf.h; ``tests/kernel/test_attrs.py``
compiles the installed header with clang and checks every offset and size
here against it.  Fields newer than the installed 6.1 header (for example
``log_true_size``, 6.4) are marked with the kernel release that added them.

Why sizes matter: the kernel accepts an attr longer than it knows only if
the extra bytes are zero (kernel/bpf/syscall.c: ``bpf_check_uarg_tail_zero``),
so :func:`used_size` passes only up to the last non-zero field, never less
than the fields the kernel writes back.
"""

from __future__ import annotations

import ctypes
from ctypes import c_char, c_int32, c_uint8, c_uint32, c_uint64

OBJ_NAME_LEN = 16


class _Attr(ctypes.Structure):
    #: fields the kernel writes back: the size passed always covers them
    _out_: tuple[str, ...] = ()

    @classmethod
    def end_of(cls, name: str) -> int:
        f = getattr(cls, name)
        return f.offset + f.size


def used_size(attr: _Attr) -> int:
    """Bytes of ``attr`` to pass: through the last non-zero field or output field."""
    cls = type(attr)
    need = max((cls.end_of(n) for n in cls._out_), default=0)
    raw = bytes(attr)
    last = len(raw.rstrip(b"\0"))
    if last <= need:
        return need
    for name, *_ in cls._fields_:
        end = cls.end_of(name)
        if end >= last:
            return end
    return ctypes.sizeof(cls)


class MapCreateAttr(_Attr):
    _fields_ = [
        ("map_type", c_uint32), ("key_size", c_uint32), ("value_size", c_uint32),
        ("max_entries", c_uint32), ("map_flags", c_uint32), ("inner_map_fd", c_uint32),
        ("numa_node", c_uint32), ("map_name", c_char * OBJ_NAME_LEN), ("map_ifindex", c_uint32),
        ("btf_fd", c_uint32), ("btf_key_type_id", c_uint32), ("btf_value_type_id", c_uint32),
        ("btf_vmlinux_value_type_id", c_uint32), ("map_extra", c_uint64),
    ]


class MapElemAttr(_Attr):
    """MAP_LOOKUP/UPDATE/DELETE_ELEM, MAP_GET_NEXT_KEY (``value`` is ``next_key``)."""

    _fields_ = [("map_fd", c_uint32), ("_pad", c_uint32), ("key", c_uint64),
                ("value", c_uint64), ("flags", c_uint64)]


class MapFdAttr(_Attr):
    """MAP_FREEZE."""

    _fields_ = [("map_fd", c_uint32)]


class ProgLoadAttr(_Attr):
    _fields_ = [
        ("prog_type", c_uint32), ("insn_cnt", c_uint32), ("insns", c_uint64), ("license", c_uint64),
        ("log_level", c_uint32), ("log_size", c_uint32), ("log_buf", c_uint64),
        ("kern_version", c_uint32), ("prog_flags", c_uint32), ("prog_name", c_char * OBJ_NAME_LEN),
        ("prog_ifindex", c_uint32), ("expected_attach_type", c_uint32), ("prog_btf_fd", c_uint32),
        ("func_info_rec_size", c_uint32), ("func_info", c_uint64), ("func_info_cnt", c_uint32),
        ("line_info_rec_size", c_uint32), ("line_info", c_uint64), ("line_info_cnt", c_uint32),
        ("attach_btf_id", c_uint32),
        ("attach_btf_obj_fd", c_uint32),  # union with attach_prog_fd
        ("core_relo_cnt", c_uint32), ("fd_array", c_uint64), ("core_relos", c_uint64),
        ("core_relo_rec_size", c_uint32),
        ("log_true_size", c_uint32),  # 6.4: written back by bpf_vlog_finalize()
    ]


class BtfLoadAttr(_Attr):
    _fields_ = [
        ("btf", c_uint64), ("btf_log_buf", c_uint64), ("btf_size", c_uint32),
        ("btf_log_size", c_uint32), ("btf_log_level", c_uint32),
        ("btf_log_true_size", c_uint32),  # 6.4
    ]


class InfoAttr(_Attr):
    """OBJ_GET_INFO_BY_FD; the kernel writes ``info_len`` back."""

    _fields_ = [("bpf_fd", c_uint32), ("info_len", c_uint32), ("info", c_uint64)]
    _out_ = ("info_len",)


class GetIdAttr(_Attr):
    """*_GET_NEXT_ID (``start_id``/``next_id``) and *_GET_FD_BY_ID (``start_id`` is the id)."""

    _fields_ = [("start_id", c_uint32), ("next_id", c_uint32), ("open_flags", c_uint32)]
    _out_ = ("next_id",)


class ObjAttr(_Attr):
    """OBJ_PIN and OBJ_GET."""

    _fields_ = [("pathname", c_uint64), ("bpf_fd", c_uint32), ("file_flags", c_uint32),
                ("path_fd", c_int32)]  # 6.5, with BPF_F_PATH_FD


class TestRunAttr(_Attr):
    _fields_ = [
        ("prog_fd", c_uint32), ("retval", c_uint32), ("data_size_in", c_uint32),
        ("data_size_out", c_uint32), ("data_in", c_uint64), ("data_out", c_uint64),
        ("repeat", c_uint32), ("duration", c_uint32), ("ctx_size_in", c_uint32),
        ("ctx_size_out", c_uint32), ("ctx_in", c_uint64), ("ctx_out", c_uint64),
        ("flags", c_uint32), ("cpu", c_uint32), ("batch_size", c_uint32),
    ]
    _out_ = ("ctx_size_out",)


class ProgInfo(ctypes.Structure):
    _fields_ = [
        ("type", c_uint32), ("id", c_uint32), ("tag", c_uint8 * 8), ("jited_prog_len", c_uint32),
        ("xlated_prog_len", c_uint32), ("jited_prog_insns", c_uint64), ("xlated_prog_insns", c_uint64),
        ("load_time", c_uint64), ("created_by_uid", c_uint32), ("nr_map_ids", c_uint32),
        ("map_ids", c_uint64), ("name", c_char * OBJ_NAME_LEN), ("ifindex", c_uint32),
        ("gpl_compatible", c_uint32),  # bit 0; the rest is padding
        ("netns_dev", c_uint64), ("netns_ino", c_uint64), ("nr_jited_ksyms", c_uint32),
        ("nr_jited_func_lens", c_uint32), ("jited_ksyms", c_uint64), ("jited_func_lens", c_uint64),
        ("btf_id", c_uint32), ("func_info_rec_size", c_uint32), ("func_info", c_uint64),
        ("nr_func_info", c_uint32), ("nr_line_info", c_uint32), ("line_info", c_uint64),
        ("jited_line_info", c_uint64), ("nr_jited_line_info", c_uint32),
        ("line_info_rec_size", c_uint32), ("jited_line_info_rec_size", c_uint32),
        ("nr_prog_tags", c_uint32), ("prog_tags", c_uint64), ("run_time_ns", c_uint64),
        ("run_cnt", c_uint64), ("recursion_misses", c_uint64), ("verified_insns", c_uint32),
        ("attach_btf_obj_id", c_uint32), ("attach_btf_id", c_uint32), ("_pad", c_uint32),
    ]


class MapInfo(ctypes.Structure):
    _fields_ = [
        ("type", c_uint32), ("id", c_uint32), ("key_size", c_uint32), ("value_size", c_uint32),
        ("max_entries", c_uint32), ("map_flags", c_uint32), ("name", c_char * OBJ_NAME_LEN),
        ("ifindex", c_uint32), ("btf_vmlinux_value_type_id", c_uint32), ("netns_dev", c_uint64),
        ("netns_ino", c_uint64), ("btf_id", c_uint32), ("btf_key_type_id", c_uint32),
        ("btf_value_type_id", c_uint32), ("_pad", c_uint32), ("map_extra", c_uint64),
    ]


class BtfInfo(ctypes.Structure):
    _fields_ = [("btf", c_uint64), ("btf_size", c_uint32), ("id", c_uint32), ("name", c_uint64),
                ("name_len", c_uint32), ("kernel_btf", c_uint32)]


class LinkInfo(ctypes.Structure):
    """``struct bpf_link_info``: the common head, then the per-type union kept raw
    (``prog list``/``link`` decode it per ``LinkType``)."""

    _fields_ = [("type", c_uint32), ("id", c_uint32), ("prog_id", c_uint32), ("_pad", c_uint32),
                ("union", c_uint8 * 32)]
