"""Text read the way Asterisk's C code reads it: numbers (``sscanf``, ``atoi``), blanks, ``strsep``.

Asterisk decides truth, priorities and offsets with ``sscanf(s, "%30d", &n)`` and ``atoi``: leading
white space is skipped, a sign and digits are read, anything after them is ignored, and a value too big
for a C ``long`` is clamped, then cut to a 32-bit ``int``.  Reproducing that is what makes ``" 1abc"``
true in ``GotoIf`` and ``"4294967296"`` false, exactly as on a real Asterisk.  ``ast_strip`` treats
every character below 33 as blank, not only white space.
"""

from __future__ import annotations

import re

_C_SPACE = " \t\n\v\f\r"
BLANKS = "".join(chr(code) for code in range(1, 33))
"""What ``ast_strip``/``ast_skip_blanks`` skip: every character below 33."""
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_DOUBLE = re.compile(
    r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)",
    re.IGNORECASE,
)


def _c_int(digits: str) -> int:
    """``[+-]digits`` as a C ``long`` (clamped like ``strtol``) stored into a 32-bit ``int``."""
    negative = digits.startswith("-")
    significant = digits.lstrip("+-").lstrip("0")
    if len(significant) > 19:
        value = _LONG_MIN if negative else _LONG_MAX
    else:
        value = max(_LONG_MIN, min(_LONG_MAX, int(significant or "0") * (-1 if negative else 1)))
    value &= 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


def _leading_int(text: str) -> str | None:
    """The ``[+-]?digits`` prefix of ``text`` (already stripped of leading space), or None."""
    i = 1 if text[:1] in ("+", "-") else 0
    j = i
    while j < len(text) and "0" <= text[j] <= "9":
        j += 1
    return text[:j] if j > i else None


def scan_int(text: str, width: int = 30) -> int | None:
    """``sscanf(text, "%30d", &n)``: the integer at the start of ``text``, or None if there is none."""
    found = scan_int_prefix(text, width)
    return None if found is None else found[0]


def scan_int_prefix(text: str, width: int = 30) -> tuple[int, int] | None:
    """One ``%30d`` conversion: the integer and how many characters of ``text`` it used, or None."""
    body = text.lstrip(_C_SPACE)
    digits = _leading_int(body[:width])
    if digits is None:
        return None
    return _c_int(digits), len(text) - len(body) + len(digits)


def atoi(text: str) -> int:
    """C ``atoi``: the leading integer of ``text``, 0 when there is none."""
    digits = _leading_int(text.lstrip(_C_SPACE))
    return 0 if digits is None else _c_int(digits)


def scan_double(text: str, width: int = 30) -> float | None:
    """``sscanf(text, "%30lf", &d)``: the floating-point number at the start of ``text``, or None."""
    match = _DOUBLE.match(text.lstrip(_C_SPACE)[:width])
    if match is None:
        return None
    return float(match.group(0))


def scan_int_exactly(text: str) -> int | None:
    """``sscanf(text, "%30d%1s", &n, rest) == 1``: a number with nothing but white space after it."""
    body = text.lstrip(_C_SPACE)
    digits = _leading_int(body[:30])
    if digits is None or body[len(digits) :].strip(_C_SPACE):
        return None
    return _c_int(digits)


def strip(text: str) -> str:
    """``ast_strip``: blanks (characters below 33) removed at both ends."""
    return text.strip(BLANKS)


def strsep(text: str | None, delimiters: str) -> tuple[str | None, str | None]:
    """C ``strsep``: the text up to the first delimiter, and the rest after it (None when none)."""
    if text is None:
        return None, None
    for i, char in enumerate(text):
        if char in delimiters:
            return text[:i], text[i + 1 :]
    return text, None


def encoded_char(text: str) -> str | None:
    """``ast_get_encoded_char``: the character ``text`` starts with, decoding ``\\n``, ``\\t``,
    ``\\r``, ``\\xHH``, ``\\0ooo`` and ``\\c``; None when ``text`` is empty or the hex is bad."""
    if not text:
        return None
    if text[0] != "\\":
        return text[0]
    escaped = text[1:2]
    if escaped in ("n", "r", "t"):
        return {"n": "\n", "r": "\r", "t": "\t"}[escaped]
    hexdigits = "0123456789abcdefABCDEF"
    if escaped == "x":
        digits = text[2:3]
        if not digits or digits not in hexdigits:
            return None
        if text[3:4] and text[3:4] in hexdigits:
            digits += text[3]
        return chr(int(digits, 16))
    if escaped == "0":
        value = 0
        for char in text[2:]:
            if char not in "01234567":
                break
            value = (value * 8 + int(char)) & 0xFF
        return chr(value)
    return escaped or "\x00"
