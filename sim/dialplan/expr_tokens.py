"""The scanner of Asterisk's ``$[...]`` expressions, ported from ``main/ast_expr2.fl`` (flex).

Like flex, each step takes the longest match, the earlier rule on a tie.  Operators are ``| & = == != <
> <= >= + - * / % ! ? :: : =~ ~~ ( ) ,`` (``||``, ``&&``, ``==`` are aliases); a run of letters, digits
and ``.';\\_^#@`` (or any non-ASCII character, or ``$`` followed by anything but ``{``) is a string; a
number (``12``, ``1.5``) is a numeric string; ``"..."`` is a string *with* its quotes; blanks separate.
A character no rule matches is dropped (flex echoes it to stdout).  A literal ``${...}`` left in the
text is one string token with what follows it up to an operator or blank (and that character too when
it comes right after the ``}``); an unclosed ``${`` swallows the rest of the expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TWO_CHAR = {
    "||": "|",
    "&&": "&",
    "==": "=",
    "=~": "=~",
    "~~": "~~",
    ">=": ">=",
    "<=": "<=",
    "!=": "!=",
    "::": "::",
}
_ONE_CHAR = frozenset("|&=><+,-*/%?!:()")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_STRING = re.compile(r"(?:[a-zA-Z0-9.';\\_^#@]|[^\x00-\x7f]|\$[^{])+")
_QUOTED = re.compile(r'"[^"]*"')
_TRAIL = re.compile(r"[^-\t\r \n$():?%/+=*<>!|&]*")
_SKIPPED = frozenset(" \t\r\n")


@dataclass(frozen=True, slots=True)
class Token:
    """``kind`` is the operator itself, or ``"TOKEN"`` for a value (``numeric`` for a number)."""

    kind: str
    text: str
    numeric: bool = False


class _Unterminated(Exception):
    """An unclosed ``${``: flex drops the rest of the input."""


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        kind, length = _longest(text, pos)
        if kind == "var":
            try:
                end, resume = _variable_token_end(text, pos + length)
            except _Unterminated:
                break
            tokens.append(Token("TOKEN", text[pos:end]))
            pos = resume
            continue
        if kind in ("skip", "none"):
            pos += max(length, 1)
            continue
        chunk = text[pos : pos + length]
        if kind == "op":
            tokens.append(Token(_TWO_CHAR.get(chunk, chunk), chunk))
        else:
            tokens.append(Token("TOKEN", chunk, numeric=kind == "number"))
        pos += length
    return tokens


def _longest(text: str, pos: int) -> tuple[str, int]:
    """The rule flex picks at ``pos``: (kind, length); for ``var`` the length reaches past ``${``.

    The first character decides between operators, quotes, blanks and the rest; only a run of
    string characters competes with a number (the number rule wins a tie, being earlier).
    """
    char = text[pos]
    if char in _ONE_CHAR:
        return "op", 2 if text[pos : pos + 2] in _TWO_CHAR else 1
    if char in _SKIPPED:
        return "skip", 1
    if char == '"':
        quoted = _QUOTED.match(text, pos)
        return ("string", quoted.end() - pos) if quoted is not None else ("none", 1)
    if text.startswith("${", pos):
        return "var", 2
    if text.startswith("~~", pos):
        return "op", 2
    run = _STRING.match(text, pos)
    if run is None:
        return "none", 1
    if text.startswith("${", run.end()):
        return "var", run.end() - pos + 2
    number = _NUMBER.match(text, pos)
    if number is not None and number.end() == run.end():
        return "number", run.end() - pos
    return "string", run.end() - pos


def _variable_token_end(text: str, pos: int) -> tuple[int, int]:
    """Where a token holding ``${...}`` ends and where scanning resumes; ``pos`` is just after ``${``.

    When an operator or blank follows the ``}`` at once, flex's ``unput`` leaves that character both
    at the end of the token and in the input: ``${a}+1`` scans as ``${a}+``, ``+``, ``1``.
    """
    while True:
        depth = 0
        while True:
            brace = _next_brace(text, pos)
            if brace < 0:
                raise _Unterminated
            pos = brace + 1
            if text[brace] == "{":
                depth += 1
            else:
                depth -= 1
                if depth < 0:
                    break
        trail = _TRAIL.match(text, pos)
        end = trail.end() if trail is not None else pos
        if text.startswith("${", end):
            pos = end + 2
            continue
        if end == pos and end < len(text):
            return end + 1, end
        return end, end


def _next_brace(text: str, pos: int) -> int:
    for i in range(pos, len(text)):
        if text[i] in "{}":
            return i
    return -1
