"""POSIX extended regular expressions (glibc ``regcomp(REG_EXTENDED)``) run with Python's ``re``.

Asterisk's ``:`` and ``=~`` operators and ``REGEX()`` use the C library's regex engine.  This module
translates its dialect into a Python pattern on bytes: bracket expressions (``[]a]``, ``[^-x]``,
``[[:digit:]]``, backslash literal inside), GNU escapes (``\\w \\s \\b \\< \\> \\` \\'``, an unknown
escape is the character itself: ``\\d`` is ``d``), ``.`` matching newlines and ``$`` only at the very end.
One difference stays: POSIX picks the leftmost *longest* match of an alternation, Python the first
alternative that matches (``(a|ab)`` against ``ab`` captures ``ab`` in Asterisk, ``a`` here).
"""

from __future__ import annotations

import re

_CLASSES = {
    b"alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    b"digit": [(0x30, 0x39)],
    b"alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    b"upper": [(0x41, 0x5A)],
    b"lower": [(0x61, 0x7A)],
    b"space": [(0x09, 0x0D), (0x20, 0x20)],
    b"blank": [(0x09, 0x09), (0x20, 0x20)],
    b"punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    b"print": [(0x20, 0x7E)],
    b"graph": [(0x21, 0x7E)],
    b"cntrl": [(0x00, 0x1F), (0x7F, 0x7F)],
    b"xdigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
}
_ESCAPES = {
    ord("w"): rb"\w",
    ord("W"): rb"\W",
    ord("s"): rb"\s",
    ord("S"): rb"\S",
    ord("b"): rb"\b",
    ord("B"): rb"\B",
    ord("<"): rb"\b(?=\w)",
    ord(">"): rb"\b(?<=\w)",
    ord("`"): rb"\A",
    ord("'"): rb"\Z",
}


class _BadPattern(Exception):
    pass


def compile_ere(pattern: str) -> re.Pattern[bytes] | None:
    """The compiled pattern, or None where ``regcomp`` reports an error."""
    try:
        return re.compile(_translate(pattern.encode("utf-8", "surrogateescape")), re.DOTALL)
    except (_BadPattern, re.error, OverflowError):
        return None


def _translate(pattern: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(pattern):
        byte = pattern[i]
        if byte == ord("\\"):
            if i + 1 >= len(pattern):
                raise _BadPattern("trailing backslash")
            escaped = pattern[i + 1]
            if escaped in _ESCAPES:
                out += _ESCAPES[escaped]
            elif ord("1") <= escaped <= ord("9"):
                out += b"\\" + bytes([escaped])
            else:
                out += _literal(escaped)
            i += 2
        elif byte == ord("["):
            expression, i = _bracket(pattern, i + 1)
            out += expression
        elif byte == ord("$"):
            out += rb"\Z"
            i += 1
        else:
            out.append(byte)
            i += 1
    return bytes(out)


def _literal(byte: int) -> bytes:
    return b"\\x%02x" % byte


def _bracket(pattern: bytes, i: int) -> tuple[bytes, int]:
    """Translate ``[...]`` starting after its ``[``; returns the Python class and the index after ``]``."""
    negate = pattern[i : i + 1] == b"^"
    if negate:
        i += 1
    ranges: list[tuple[int, int]] = []
    first = True
    while True:
        if i >= len(pattern):
            raise _BadPattern("unmatched [")
        byte = pattern[i]
        if byte == ord("]") and not first:
            i += 1
            break
        first = False
        if pattern[i : i + 2] == b"[:":
            end = pattern.find(b":]", i + 2)
            if end < 0 or pattern[i + 2 : end] not in _CLASSES:
                raise _BadPattern("bad character class")
            ranges += _CLASSES[pattern[i + 2 : end]]
            i = end + 2
            continue
        if pattern[i : i + 2] in (b"[=", b"[."):
            closing = pattern[i + 1 : i + 2] + b"]"
            end = pattern.find(closing, i + 2)
            if end != i + 3:
                raise _BadPattern("unsupported collating element")
            byte = pattern[i + 2]
            i = end + 1
        else:
            i += 1
        if pattern[i : i + 1] == b"-" and pattern[i + 1 : i + 2] not in (b"]", b""):
            high = pattern[i + 1]
            if high < byte:
                raise _BadPattern("invalid range end")
            ranges.append((byte, high))
            i += 2
        else:
            ranges.append((byte, byte))
    body = b"".join(_literal(lo) if lo == hi else _literal(lo) + b"-" + _literal(hi) for lo, hi in ranges)
    return b"[" + (b"^" if negate else b"") + body + b"]", i
