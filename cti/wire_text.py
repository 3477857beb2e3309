"""The one rule for text we write on Asterisk's line protocols (AMI headers, AGI words).

Both are line-based and read by C code: CR and LF would start a new header or command, NUL ends
a C string early (Asterisk would act on a truncated value: a skill, a channel, a number), and the
other control characters have no business in a name, a number or a variable.  TAB is allowed
(AGI quotes it; AMI carries it).  :func:`unsafe_character` finds the first character the rule
refuses; each protocol core raises its own error with it.  No I/O.
"""

from __future__ import annotations

import unicodedata

__all__ = ["unsafe_character"]

ALLOWED_CONTROLS = frozenset("\t")


def unsafe_character(text: str) -> str | None:
    """The first control character (Unicode category Cc: C0, DEL, C1) other than TAB, or None."""
    if text.isprintable():  # the common case, in C
        return None
    for ch in text:
        if ch not in ALLOWED_CONTROLS and unicodedata.category(ch) == "Cc":
            return ch
    return None
