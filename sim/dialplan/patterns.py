"""Asterisk extension patterns: matching and precedence, ported from ``main/pbx.c``.

An extension name starting with ``_`` is a pattern: ``X`` is 0-9, ``Z`` 1-9, ``N`` 2-9, ``[1-5a]`` a
set, ``.`` one or more characters, ``!`` zero or more; other characters match themselves.  ``-`` is eye
candy everywhere outside a set (``_1-800-NXX`` is ``_1800NXX``, dialling ``1-00`` reaches ``100``).

When several extensions of a context match, Asterisk tries them in its sort order (``ext_cmp``):
plain extensions before patterns; patterns compared character by character, a smaller set of
possible characters first (``1`` before ``[1-3]`` before ``N`` before ``X``), ``.`` and then ``!``
last.  :func:`precedence_key` gives that order as a Python sort key; two extensions with equal keys
(``_X.`` and ``_[0-9].``) are one extension to Asterisk.  Comparisons are on the UTF-8 bytes, with
C's signed ``char`` where Asterisk uses it, so even odd names sort as on the real thing.
"""

from __future__ import annotations

from functools import lru_cache

_Element = tuple[int, ...]
PrecedenceKey = tuple[int, tuple[_Element, ...]]

_DASH = ord("-")
_END = 0x30000
_ANY_ONE_OR_MORE = 0x18000
_ANY_ZERO_OR_MORE = 0x28000
_BAD_SET = 0x40000
_DIGIT_SETS = {
    "N": (0x0800 | ord("2"), range(ord("2"), ord("9") + 1)),
    "X": (0x0A00 | ord("0"), range(ord("0"), ord("9") + 1)),
    "Z": (0x0900 | ord("1"), range(ord("1"), ord("9") + 1)),
}


def _signed(byte: int) -> int:
    return byte - 256 if byte >= 128 else byte


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def strip_fluff(name: str, keep_dashes: bool = False) -> str:
    """The name Asterisk stores (``ext_strncpy``): spaces dropped, and ``-`` too unless ``keep_dashes``.

    In a pattern, a set keeps its spaces and dashes (``_[1-3]``); in a plain name nothing is a set.
    """
    out: list[str] = []
    in_set = False
    is_pattern = name.startswith("_")
    for char in name:
        if char == "[":
            in_set = in_set or is_pattern
        elif char == "]":
            in_set = False
        elif (char == " " and not in_set) or (char == "-" and not in_set and not keep_dashes):
            continue
        out.append(char)
    return "".join(out)


def _plain_key(name: bytes) -> tuple[_Element, ...]:
    return (*((_signed(b),) for b in name if b != _DASH), (0,))


def _pattern_elements(pattern: bytes) -> tuple[_Element, ...]:
    """``ext_cmp_pattern_pos`` for each position of ``pattern`` (without its ``_``), ending with NUL."""
    elements: list[_Element] = []
    i = 0
    while True:
        bits = [0] * 32
        count = 0
        score = 0
        while not count:
            while i < len(pattern) and pattern[i] == _DASH:
                i += 1
            char = pattern[i] if i < len(pattern) else 0
            i += 1
            letter = chr(char).upper()
            if char == 0:
                score = _END
            elif letter in _DIGIT_SETS and chr(char) in "nNxXzZ":
                score, members = _DIGIT_SETS[letter]
                for member in members:
                    bits[member // 8] |= 1 << (7 - member % 8)
            elif char == ord("."):
                score = _ANY_ONE_OR_MORE
            elif char == ord("!"):
                score = _ANY_ZERO_OR_MORE
            elif char != ord("["):
                bits[char // 8] = 1 << (7 - char % 8)
                score = 0x0100 | char
            else:
                end = pattern.find(b"]", i)
                if end < 0:
                    score = _BAD_SET
                else:
                    score, count, i = _set_score(pattern, i, end, bits)
                    continue
            break
        elements.append((score, *(255 - b for b in bits)))
        if score == _END:
            return tuple(elements)


def _set_score(pattern: bytes, i: int, end: int, bits: list[int]) -> tuple[int, int, int]:
    count = 0
    lowest = 0xFF
    while i < end:
        first = last = pattern[i]
        if i + 2 < end and pattern[i + 1] == _DASH:
            last = pattern[i + 2]
            i += 2
        lowest = min(lowest, first)
        for member in range(first, last + 1):
            mask = 1 << (7 - member % 8)
            if not bits[member // 8] & mask:
                bits[member // 8] |= mask
                count += 0x100
        i += 1
    return count | lowest, count, end + 1


@lru_cache(maxsize=4096)
def precedence_key(name: str) -> PrecedenceKey:
    """Sort key for Asterisk's ``ext_cmp``: the first of several matching extensions wins."""
    raw = _bytes(name)
    if raw.startswith(b"_"):
        return (1, _pattern_elements(raw[1:]))
    return (0, _plain_key(raw))


@lru_cache(maxsize=16384)
def pattern_matches(pattern: str, exten: str) -> bool:
    """Does the extension ``pattern`` (plain name or ``_`` pattern) match the dialled ``exten``?

    ``exten`` may itself be a pattern (``Goto(_X.,1)``): then it matches the identical pattern.
    """
    return _match(_bytes(pattern), _bytes(exten)) > 0


def _match(pattern: bytes, data: bytes) -> int:
    """``_extension_match_core`` in ``E_MATCH`` mode: 0 no, 1 match, 2 early match (``!``)."""
    if not pattern.startswith(b"_"):
        return int(pattern.replace(b"-", b"") == data.replace(b"-", b""))
    if data.startswith(b"_") and _pattern_elements(pattern[1:]) == _pattern_elements(data[1:]):
        return 1
    p, d = 1, 0
    while True:
        while d < len(data) and data[d] == _DASH:
            d += 1
        while p < len(pattern) and pattern[p] == _DASH:
            p += 1
        if d >= len(data) or p >= len(pattern) or pattern[p] == ord("/"):
            break
        char, wanted = _signed(data[d]), chr(pattern[p])
        if wanted == "[":
            end = pattern.find(b"]", p + 1)
            if end < 0:
                return 0
            if end == p + 1:
                p += 2  # an empty set is ignored
                continue
            if not _in_set(pattern, p + 1, end, char):
                return 0
            p = end
        elif wanted in "nN":
            if not ord("2") <= char <= ord("9"):
                return 0
        elif wanted in "xX":
            if not ord("0") <= char <= ord("9"):
                return 0
        elif wanted in "zZ":
            if not ord("1") <= char <= ord("9"):
                return 0
        elif wanted == ".":
            return 1
        elif wanted == "!":
            return 2
        elif char != _signed(pattern[p]):
            return 0
        d += 1
        p += 1
    if d < len(data):
        return 0
    if p >= len(pattern) or pattern[p] == ord("/"):
        return 1
    return 2 if pattern[p] == ord("!") else 0


def _in_set(pattern: bytes, start: int, end: int, char: int) -> bool:
    i = start
    while i < end:
        if i + 2 < end and pattern[i + 1] == _DASH:
            if _signed(pattern[i]) <= char <= _signed(pattern[i + 2]):
                return True
            i += 3
            continue
        if char == _signed(pattern[i]):
            return True
        i += 1
    return False
