"""Bounded integer parsing for numbers read from a log.

``int()`` refuses strings of more than 4,300 digits (``ValueError``, CPython's
guard against quadratic conversion) and accepts Unicode digits that
``str.isdigit`` admits but ``int`` does not (superscripts).  A verifier log
never holds a number of more than 20 digits, so a longer one is saturated
instead of converted: the parse stays linear and never raises.
"""

from __future__ import annotations

MAX_DIGITS = 40
HUGE = 10 ** MAX_DIGITS


def num(text: str | int, base: int = 10) -> int:
    """``int(text, base)`` for a regex-matched number; saturates past MAX_DIGITS digits."""
    if text.__class__ is str and len(text) <= MAX_DIGITS:  # the common case: a short number
        try:
            return int(text, base)
        except ValueError:  # digits int() does not take
            return HUGE
    if isinstance(text, int):
        return text
    body = text.lstrip("+-").lstrip("0")
    if len(body) > MAX_DIGITS:
        return -HUGE if text.startswith("-") else HUGE
    try:
        return int(text, base)
    except ValueError:  # digits int() does not take
        return HUGE


def is_num(text: str) -> bool:
    """``str.isdigit`` restricted to what ``num``/``int`` read as decimal."""
    return text.isdecimal()
