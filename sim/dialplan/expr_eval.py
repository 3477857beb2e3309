"""Asterisk's ``$[...]`` expression grammar and operators, ported from ``main/ast_expr2.y``.

Precedence, lowest first: ``? ::`` (ternary), ``|``, ``&``, comparisons, ``+ -``, ``* / %``, unary
``!`` and ``-``, then ``:`` ``=~`` ``~~``; all left-associative.  ``NAME(a,b)`` calls a math function
(``SQRT``, ``POW``, ``FLOOR``...) or a dialplan function.  Values are numbers, numeric strings (digits
and dots) or strings; comparisons are numeric only when neither side is a non-numeric string.

What Asterisk does with bad input is kept: a syntax error gives ``"0"`` (or the value of the complete
expression before the offending token, see ``_Parser.parse``), an empty expression ``""``,
division by zero ``2147483647``, a non-numeric operand of ``+`` is ignored, ``!abc`` is ``1``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from sim.dialplan import extended as ld
from sim.dialplan.ctext import atoi
from sim.dialplan.expr_tokens import Token, tokenize
from sim.dialplan.posix_regex import compile_ere

if TYPE_CHECKING:
    from sim.dialplan.expressions import Resolver

_INT_MAX = Fraction(2**31 - 1)
_BINARY = {"|": 3, "&": 4, "=": 5, ">": 5, "<": 5, ">=": 5, "<=": 5, "!=": 5}
_BINARY |= {"+": 6, "-": 6, "*": 7, "/": 7, "%": 7, ":": 9, "=~": 9, "~~": 9}
_TERNARY = 2
_UNARY_OPERAND = 9  # unary ! and - bind tighter than * but looser than : =~ ~~
_FUNCTION_NAME = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")
_REALLY_NUMERIC = frozenset("-0123456789. \t")


@dataclass(frozen=True, slots=True)
class _Num:
    value: ld.Number


@dataclass(frozen=True, slots=True)
class _Str:
    text: str
    numeric: bool  # AST_EXPR_numeric_string: converts to a number when an operator needs one


_Value = _Num | _Str


class _SyntaxError(Exception):
    pass


def evaluate_expression(expr: str, resolver: Resolver | None = None) -> str:
    """The text ``$[expr]`` becomes.  ``resolver`` answers dialplan functions called inside."""
    tokens = tokenize(expr)
    if not tokens:
        return ""
    try:
        value = _Parser(tokens, resolver).parse()
    except _SyntaxError:
        return "0"
    except RecursionError:
        return "0"
    return _text(value)


def _make_str(text: str) -> _Str:
    """``make_str``: numeric when it is made of digits and dots only."""
    return _Str(text, bool(text) and all(c in "0123456789." for c in text))


def _text(value: _Value) -> str:
    return ld.format_g18(value.value) if isinstance(value, _Num) else value.text


def _to_number(value: _Value) -> _Num | None:
    if isinstance(value, _Num):
        return value
    if not value.numeric:
        return None
    number = ld.parse_decimal(value.text)
    return None if number is None else _Num(number)  # out of range: Asterisk's to_number fails too


def _is_string(value: _Value) -> bool:
    return isinstance(value, _Str) and not value.numeric


def _zero_or_null(value: _Value) -> tuple[bool, _Value]:
    """``is_zero_or_null``, with the numeric conversion it does to its argument as a side effect."""
    if isinstance(value, _Num):
        return ld.compare(value.value, Fraction(0)) == 0, value
    if not value.text:
        return True, value
    number = _to_number(value)
    if number is None:
        return False, value
    return ld.compare(number.value, Fraction(0)) == 0, number


def _number(value: ld.Number) -> _Num:
    return _Num(value)


def _compare(op: str, a: _Value, b: _Value) -> _Num:
    if _is_string(a) or _is_string(b):
        left, right = _text(a).encode("utf-8", "surrogateescape"), _text(b).encode("utf-8", "surrogateescape")
        order = (left > right) - (left < right)
    else:
        na, nb = _to_number(a), _to_number(b)
        order = ld.compare(na.value if na else Fraction(0), nb.value if nb else Fraction(0))
    holds = {
        "=": order == 0,
        "!=": order != 0,
        ">": order == 1,
        "<": order == -1,
        ">=": order in (0, 1),
        "<=": order in (0, -1),
    }[op]
    return _number(Fraction(int(holds)))


def _arithmetic(op: str, a: _Value, b: _Value) -> _Value:
    na, nb = _to_number(a), _to_number(b)
    if op == "+":
        if na is None:
            return _number(Fraction(0)) if nb is None else nb
        return na if nb is None else _number(ld.add(na.value, nb.value))
    if op == "-":
        if na is None:
            return _number(Fraction(0)) if nb is None else _number(ld.subtract(Fraction(0), nb.value))
        return na if nb is None else _number(ld.subtract(na.value, nb.value))
    if op == "*":
        return _number(Fraction(0)) if na is None or nb is None else _number(ld.multiply(na.value, nb.value))
    if op == "/":
        if na is None:
            return _number(Fraction(0))
        if nb is None or ld.compare(nb.value, Fraction(0)) == 0:
            return _number(_INT_MAX)
        return _number(ld.divide(na.value, nb.value))
    if na is None or nb is None:  # %
        return _number(Fraction(0))
    if ld.compare(nb.value, Fraction(0)) == 0:
        return nb
    return _number(ld.fmod(na.value, nb.value))


def _strip_quotes(text: str) -> str:
    if len(text) >= 1 and text[0] == '"' and text[-1] == '"':
        return text.replace('"', "")
    return text


def _regex(op: str, a: _Value, b: _Value) -> _Value:
    subject = _strip_quotes(_text(a)).encode("utf-8", "surrogateescape")
    pattern = compile_ere(_strip_quotes(_text(b)))
    if pattern is None:
        return _make_str("")
    match = pattern.match(subject) if op == ":" else pattern.search(subject)
    if match is not None:
        if pattern.groups >= 1 and match.start(1) >= 0:
            return _make_str(match.group(1).decode("utf-8", "replace"))
        return _number(Fraction(match.end() - match.start()))
    return _number(Fraction(0)) if pattern.groups == 0 else _make_str("")


def _complement(value: _Value) -> _Num:
    if isinstance(value, _Num):
        truth = ld.compare(value.value, Fraction(0)) != 0
    elif not value.text or value.text == "0":
        truth = False
    else:
        truth = atoi(value.text) != 0
    return _number(Fraction(int(not truth)))


def _condition(test: _Value, if_true: _Value, if_false: _Value) -> _Value:
    if _is_string(test):
        text = _text(test)
        return if_true if text and text not in ('""', "0") else if_false
    number = _to_number(test)
    truth = number is not None and ld.compare(number.value, Fraction(0)) != 0
    return if_true if truth else if_false


def _binary(op: str, a: _Value, b: _Value) -> _Value:
    if op == "|":
        zero, a = _zero_or_null(a)
        return b if zero else a
    if op == "&":
        zero_a, a = _zero_or_null(a)
        zero_b, _ = _zero_or_null(b)
        return _number(Fraction(0)) if zero_a or zero_b else a
    if op in ("=", "!=", ">", "<", ">=", "<="):
        return _compare(op, a, b)
    if op in (":", "=~"):
        return _regex(op, a, b)
    if op == "~~":
        return _make_str(_strip_quotes(_text(a)) + _strip_quotes(_text(b)))
    return _arithmetic(op, a, b)


_Unary = Callable[[ld.Number], ld.Number]
_ONE_ARGUMENT: dict[str, _Unary] = {
    "COS": lambda x: ld.apply(math.cos, x),
    "SIN": lambda x: ld.apply(math.sin, x),
    "TAN": lambda x: ld.apply(math.tan, x),
    "ACOS": lambda x: ld.apply(math.acos, x),
    "ASIN": lambda x: ld.apply(math.asin, x),
    "ATAN": lambda x: ld.apply(math.atan, x),
    "SQRT": ld.sqrt,
    "FLOOR": lambda x: ld.to_integral(x, "floor"),
    "CEIL": lambda x: ld.to_integral(x, "ceil"),
    "ROUND": lambda x: ld.to_integral(x, "round"),
    "RINT": lambda x: ld.to_integral(x, "rint"),
    "TRUNC": lambda x: ld.to_integral(x, "trunc"),
    "EXP": lambda x: ld.apply(math.exp, x),
    "EXP2": lambda x: ld.apply(lambda v: 2.0**v, x),
    "EXP10": lambda x: ld.apply(lambda v: 10.0**v, x),
    "LOG": lambda x: ld.apply(lambda v: -math.inf if v == 0 else math.log(v), x),
    "LOG2": lambda x: ld.apply(lambda v: -math.inf if v == 0 else math.log2(v), x),
    "LOG10": lambda x: ld.apply(lambda v: -math.inf if v == 0 else math.log10(v), x),
    "ABS": lambda x: ld.negate(x) if ld.compare(x, Fraction(0)) == -1 else x,
}
_TWO_ARGUMENTS: dict[str, Callable[[ld.Number, ld.Number], ld.Number]] = {
    "ATAN2": lambda x, y: ld.apply(math.atan2, x, y),
    "POW": lambda x, y: ld.apply(math.pow, x, y),
    "REMAINDER": lambda x, y: ld.apply(math.remainder, x, y),
}


def _math_function(name: str, args: list[_Value]) -> _Value | None:
    """The functions ``op_func`` computes itself; None when ``name`` is not one of them.

    A string argument is read as 0 (Asterisk reads garbage there)."""
    if name not in _ONE_ARGUMENT and name not in _TWO_ARGUMENTS:
        return None
    if len(args) != (1 if name in _ONE_ARGUMENT else 2):
        return _number(Fraction(0))
    numbers = [(_to_number(arg) or _Num(Fraction(0))).value for arg in args]
    if name in _ONE_ARGUMENT:
        return _number(_ONE_ARGUMENT[name](numbers[0]))
    return _number(_TWO_ARGUMENTS[name](numbers[0], numbers[1]))


class _Parser:
    def __init__(self, tokens: list[Token], resolver: Resolver | None) -> None:
        self.tokens = tokens
        self.pos = 0
        self.resolver = resolver

    def parse(self) -> _Value:
        """The value bison has stored when it stops.

        On a syntax error bison's default reductions still complete what came before the bad token:
        if that is a whole expression its value is the result (``1 2`` gives ``1``), and a bad first
        token gives ``""``; an error inside an unfinished construct (``1 +``, ``(1 2)``) gives ``"0"``.
        """
        try:
            return self.expression(_TERNARY)
        except _SyntaxError:
            if self.pos == 0:
                return _make_str("")
            raise

    def peek(self) -> str | None:
        return self.tokens[self.pos].kind if self.pos < len(self.tokens) else None

    def take(self, kind: str) -> Token:
        if self.peek() != kind:
            raise _SyntaxError
        self.pos += 1
        return self.tokens[self.pos - 1]

    def expression(self, min_precedence: int) -> _Value:
        left = self.operand()
        while True:
            kind = self.peek()
            if kind == "?" and min_precedence <= _TERNARY:
                self.pos += 1
                if_true = self.expression(_TERNARY)
                self.take("::")
                if_false = self.expression(_TERNARY + 1)
                left = _condition(left, if_true, if_false)
            elif kind in _BINARY and _BINARY[kind] >= min_precedence:
                self.pos += 1
                left = _binary(kind, left, self.expression(_BINARY[kind] + 1))
            else:
                return left

    def operand(self) -> _Value:
        kind = self.peek()
        if kind == "TOKEN":
            token = self.take("TOKEN")
            if self.peek() == "(":
                return self.call(token.text)
            return _Str(token.text, token.numeric)
        if kind == "(":
            self.pos += 1
            value = self.expression(_TERNARY)
            self.take(")")
            return value
        if kind == "-":
            self.pos += 1
            number = _to_number(self.expression(_UNARY_OPERAND))
            return _number(Fraction(0)) if number is None else _number(ld.negate(number.value))
        if kind == "!":
            self.pos += 1
            return _complement(self.expression(_UNARY_OPERAND))
        raise _SyntaxError

    def call(self, name: str) -> _Value:
        self.take("(")
        args = [self.expression(_TERNARY)]
        while self.peek() == ",":
            self.pos += 1
            args.append(_make_str("") if self.peek() in (",", ")") else self.expression(_TERNARY))
        self.take(")")
        if not name or not set(name) <= _FUNCTION_NAME:
            return _number(Fraction(0))
        computed = _math_function(name, args)
        if computed is not None:
            return computed
        result = (
            None if self.resolver is None else self.resolver.call_function(name, ",".join(map(_text, args)))
        )
        if result is None:
            return _number(Fraction(0))
        if set(result) <= _REALLY_NUMERIC:
            number = ld.parse_decimal(result)
            if number is None:  # strtold gives HUGE_VALL
                number = -math.inf if result.lstrip(" \t").startswith("-") else math.inf
            return _number(number)
        return _make_str(result)
