"""``KeepUnknown``: the IntEnum base for every closed set the kernel numbers.

A newer kernel (or a newer compiler) can report a value we do not know; it
must never crash an older bpfdoctor.  An unknown raw value becomes a
pseudo-member named ``UNKNOWN_<n>`` that keeps the number.  Pure: used by the
BTF reader and by the generated UAPI enums alike.
"""

from __future__ import annotations

from enum import IntEnum


class KeepUnknown(IntEnum):
    """IntEnum that turns an unknown raw value into a pseudo-member."""

    @classmethod
    def _missing_(cls, value):
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        return member

    @property
    def known(self) -> bool:
        return self._name_ in type(self).__members__

    @property
    def label(self) -> str:
        """Lower-case kernel-style name (``sched_cls``, ``map_lookup_elem``)."""
        return self._name_.lower()
