"""Variable substitution in dialplan text, as ``pbx_substitute_variables_helper`` does it.

``substitute(text, resolver)`` expands ``${VAR}``, ``${VAR:offset}``, ``${VAR:offset:length}``
(negative values count from the end), ``${FUNC(args)}``, nested ``${${X}}`` / ``${FUNC(${Y})}``, and
``$[expression]`` (see :mod:`sim.dialplan.expr_eval`).  The :class:`Resolver` supplies what needs a
channel: variables (channel, then global, then built-ins such as ``EXTEN``) and functions
(``CALLERID(num)``...; it can end with :func:`sim.dialplan.functions.call_pure_function`).

Faithful to Asterisk where it is forgiving: an unknown variable or failing function inserts nothing,
a missing ``}`` or ``]`` takes the rest of the text, a bad expression gives ``0``, more than 15 levels of
nested substitution give nothing.  ``substitute`` never raises.  Offsets and lengths count UTF-8
bytes, as Asterisk's C strings do.  Asterisk's 4096-byte buffers are not imitated: nothing is truncated.
"""

from __future__ import annotations

import re
from typing import Protocol

from sim.dialplan.ctext import scan_int_prefix
from sim.dialplan.expr_eval import evaluate_expression

__all__ = ["Resolver", "evaluate_expression", "substitute"]

_MAX_DEPTH = 15
_INT_MAX = 2**31 - 1


class Resolver(Protocol):
    """What substitution asks the channel (or the configuration, for ``[globals]``)."""

    def get_variable(self, name: str) -> str | None:
        """The value of ``${name}``, or None when it is not set."""
        ...

    def call_function(self, name: str, args: str) -> str | None:
        """``${name(args)}`` (args already substituted), or None when the function fails or is unknown."""
        ...


def substitute(text: str, resolver: Resolver) -> str:
    """``text`` with every ``${...}`` and ``$[...]`` replaced."""
    return _substitute(text, resolver, 0)


def _substitute(text: str, resolver: Resolver, depth: int) -> str:
    if depth >= _MAX_DEPTH:
        return ""
    out: list[str] = []
    pos = 0
    while pos < len(text):
        dollar = text.find("$", pos)
        kind = text[dollar + 1 : dollar + 2] if dollar >= 0 else ""
        if kind not in ("{", "["):
            end = len(text) if dollar < 0 else dollar + 1
            out.append(text[pos:end])
            pos = end
            continue
        out.append(text[pos:dollar])
        start = dollar + 2
        inner, pos, needs_substitution = _enclosed(text, start, kind)
        if needs_substitution:
            inner = _substitute(inner, resolver, depth + 1)
        if kind == "[":
            out.append(evaluate_expression(inner, resolver))
        else:
            out.append(_lookup(inner, resolver))
    return "".join(out)


_VARIABLE_MARKS = re.compile(r"\$\{|\$\[|\{|\}")
_EXPRESSION_MARKS = re.compile(r"\$\[|\$\{|\[|\]")


def _enclosed(text: str, start: int, kind: str) -> tuple[str, int, bool]:
    """The text between ``${``/``$[`` and its closing brace, where scanning resumes, and whether the
    inside holds a nested ``${`` or ``$[`` (then it is substituted first)."""
    opening = kind
    depth = 1
    needs = False
    for mark in (_VARIABLE_MARKS if kind == "{" else _EXPRESSION_MARKS).finditer(text, start):
        found = mark.group()
        if len(found) == 2:
            needs = True
            depth += found[1] == opening
        elif found == opening:
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return text[start : mark.start()], mark.end(), needs
    return text[start:], len(text), needs


def _lookup(expression: str, resolver: Resolver) -> str:
    name, offset, length, is_function = _parse_variable_name(expression)
    if is_function:
        function, _, rest = name.partition("(")
        close = rest.rfind(")")
        value = resolver.call_function(function, rest if close < 0 else rest[:close])
    else:
        value = resolver.get_variable(name)
    return "" if value is None else _substring(value, offset, length)


def _parse_variable_name(text: str) -> tuple[str, int, int, bool]:
    """``parse_variable_name``: the name, offset, length and whether it is a function call."""
    parens = 0
    is_function = False
    for i, char in enumerate(text):
        if char == "(":
            is_function = True
            parens += 1
        elif char == ")":
            parens -= 1
        elif char == ":" and parens == 0:
            offset, length = 0, _INT_MAX
            first = scan_int_prefix(text[i + 1 :])
            if first is not None:
                offset = first[0]
                rest = text[i + 1 + first[1] :]
                if rest.startswith(":"):
                    second = scan_int_prefix(rest[1:])
                    if second is not None:
                        length = second[0]
            return text[:i], offset, length, is_function
    return text, 0, _INT_MAX, is_function


def _substring(value: str, offset: int, length: int) -> str:
    """``substring()`` of ``pbx_variables.c`` on the UTF-8 bytes of ``value``."""
    raw = value.encode("utf-8", "surrogateescape")
    size = len(raw)
    if offset == 0 and length >= size:
        return value
    if offset < 0:
        offset = max(0, size + offset)
    if offset >= size:
        return ""
    raw = raw[offset:]
    if 0 <= length < size - offset:
        raw = raw[:length]
    elif length < 0:
        raw = raw[: size + length - offset] if size > offset - length else b""
    return raw.decode("utf-8", "replace")
