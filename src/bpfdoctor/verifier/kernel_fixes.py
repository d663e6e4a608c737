"""Fixes written from a message's own parameters (the catalog_kernel families).

The catalog's fix for a family is general; the message names the register,
the function, the offset, the size or the limit.  Each row is a pattern of
a Linux 6.12 wording (kernel/bpf/verifier.c, btf.c) with named groups and
the fix said with them.  Pure: text in, text out.
"""

from __future__ import annotations

import re

from bpfdoctor.verifier.entry import required_literal

_ROWS: tuple[tuple[str, str], ...] = (
    (r"stack size of subprog (?P<n>\d+) is (?P<size>\d+)\. Too large",
     "subprogram {n} uses {size} bytes of stack (limit 512): move its large locals into a "
     "BPF_MAP_TYPE_PERCPU_ARRAY value and work on the looked-up pointer"),
    (r"tail_calls are not allowed when call stack of previous frames is (?P<size>\d+) bytes",
     "the frames before the tail call use {size} bytes (limit 256 with tail calls): shrink the "
     "callers' locals or make the tail call from the main program"),
    (r"The total number of maps per program has reached the limit of (?P<n>\d+)",
     "the program references more than {n} maps: merge maps (one map with a wider key) or "
     "split the program with tail calls"),
    (r"Global function (?P<f>\w+)\(\) doesn't return scalar",
     "make {f}() return an int (or mark it `static` so it is verified at each call)"),
    (r"Global function (?P<f>\w+)\(\) with (?P<n>\d+) > (?P<max>\d+) args",
     "{f}() takes {n} arguments, at most {max} are allowed: pass a pointer to a struct instead"),
    (r"The function (?P<f>\w+) has (?P<n>\d+) arguments\. Too many",
     "{f}() takes {n} arguments (at most 5 in BPF calls): pass a pointer to a struct instead"),
    (r"The function (?P<f>\w+) arg(?P<n>\d+) type (?P<t>\S+) is unsupported",
     "argument {n} of {f}() has type {t}: pass a scalar or a pointer instead"),
    (r"The function (?P<f>\w+) return type (?P<t>\S+) is unsupported",
     "{f}() returns {t}: return a scalar or a pointer instead"),
    (r"func '(?P<f>\w+)' doesn't have (?P<n>\d+)-th argument",
     "{f}() has no {n}-th argument on this kernel: check its prototype in "
     "/sys/kernel/btf/vmlinux and the arguments your BPF_PROG()/ctx[] reads"),
    (r"func '(?P<f>\w+)' arg(?P<n>\d+) '(?P<a>\w*)' has type (?P<t>\S+)\. Only pointer access",
     "argument {n} ({a}) of {f}() is a {t}: read it as a value (BPF_PROG() argument), not "
     "through a pointer"),
    (r"cannot find address for kernel function (?P<f>\w+)",
     "{f} is not in this kernel's symbols: declare it `__weak __ksym` and check "
     "bpf_ksym_exists({f}) before calling it, or run a kernel that has it"),
    (r"calling kernel function (?P<f>\w+) is not allowed",
     "{f} is not allowed for this program type on this kernel: check the kfunc's "
     "documentation for the program types it is registered for"),
    (r"program must be sleepable to call sleepable kfunc (?P<f>\w+)",
     "{f} may sleep: load the program as sleepable (SEC(\"fentry.s/...\"), \"lsm.s/...\", "
     "\"iter.s/...\") or use a non-sleeping kfunc"),
    (r"R(?P<r>\d+) cannot write into (?P<t>\S+)",
     "R{r} points to {t}, which this program may only read: copy the data into a stack "
     "buffer or map value and change that"),
    (r"R(?P<r>\d+) invalid mem access '(?P<t>[^']+)'",
     "R{r} holds {t}, which cannot be dereferenced directly: read through the helper or "
     "kfunc meant for it, or check the value's type before the access"),
    (r"invalid access to map key, key_size=(?P<k>\d+) off=(?P<off>-?\d+) size=(?P<size>\d+)",
     "the access reads {size} bytes at offset {off} of a {k}-byte key: keep accesses inside "
     "the key (its size is the map's key_size)"),
    (r"read from map forbidden, value_size=(?P<v>\d+) off=(?P<off>-?\d+) size=(?P<size>\d+)",
     "the map is write-only for BPF programs (BPF_F_WRONLY_PROG): drop the flag or do not "
     "read its values"),
    (r"R(?P<r>\d+) sign-extension part of pointer|R(?P<r2>\d+) partial copy of pointer",
     "a pointer is moved through a 32-bit or sign-extending instruction: keep the pointer in "
     "a 64-bit variable (no (int) or (u32) casts of pointers)"),
    (r"R(?P<r>\d+) tried to subtract pointer from scalar",
     "write `ptr - n`, not `n - ptr`; to get an offset subtract two pointers of the same object"),
    (r"R(?P<r>\d+) pointer arithmetic with (?P<op>\S+) operator prohibited",
     "only + and - may change a pointer; compute the offset with {op} on an integer first, "
     "then add it to the pointer"),
    (r"same insn cannot be used with different pointers",
     "read the field separately in each branch (or add barrier_var() on the pointer) so "
     "clang does not merge accesses through two pointer types into one instruction"),
    (r"(?P<f>\w+)\(\) has (?P<n>\d+) args while (?P<g>\w+)\(\) has (?P<m>\d+) args",
     "give {f}() the same {m} arguments as {g}(), the function it replaces"),
    (r"Return type (?P<t>\S+) of (?P<f>\w+)\(\) doesn't match type (?P<u>\S+) of (?P<g>\w+)\(\)",
     "make {f}() return {u}, like {g}()"),
    (r"attach to invalid member (?P<m>\w+)\(@idx \d+\) of struct (?P<s>\w+)",
     "{m} is not an operation of struct {s} that BPF may implement on this kernel: check "
     "the member name in the kernel's struct {s}"),
    (r"struct_ops module (?P<m>\S+) is not found", "load the kernel module {m} first"),
    (r"sleepable helper (?P<f>\S+) in (?P<where>rcu_read_lock|non-preemptible) region",
     "call {f} after the {where} section ends (bpf_rcu_read_unlock()/bpf_preempt_enable())"),
    (r"invalid shift (?P<n>-?\d+)",
     "the shift count {n} is not below the operand width: shift by less than 32 (32-bit) or "
     "64 bits, or mask the count (`n & 63`)"),
)
# [pattern, required text or None, compiled or None, template]: compiled on
# first use, and not run on a message without its required text
_COMPILED = [[p, required_literal(p), None, t] for p, t in _ROWS]


def specific_fix(message: str) -> str | None:
    """The fix said with the message's own values, or None."""
    for row in _COMPILED:
        if row[1] is not None and row[1] not in message:
            continue
        if row[2] is None:
            row[2] = re.compile(row[0])
        m = row[2].search(message)
        if m:
            template = row[3]
            values = {k: v for k, v in m.groupdict().items() if v is not None}
            return template.format_map(_Missing(values))
    return None


class _Missing(dict):
    def __missing__(self, key: str) -> str:  # an alternative group that did not match
        return "the register"
