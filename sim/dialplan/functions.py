"""Dialplan functions that need no channel, ported from Asterisk's ``funcs/`` modules.

``call_pure_function(name, args, rng, resolver)`` computes ``${NAME(args)}`` for the functions below and
returns None for any other name, so a channel's resolver can end its ``call_function`` with it.  The
``resolver`` is needed by the functions that take a variable *name* (``CUT``, ``FIELDQTY``) or
substitute again (``EVAL``); ``rng`` is the seeded source for ``RAND``.  When Asterisk's function fails
(it logs an error and the substitution inserts nothing) the result is ``""``.

Ported: ``LEN IF ISNULL EXISTS CUT TOUPPER TOLOWER FIELDQTY MATH QUOTE CSV_QUOTE REGEX RAND PASSTHRU
TRIM LTRIM RTRIM EVAL``.  Lengths count UTF-8 bytes, as Asterisk's ``strlen`` does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from sim.dialplan import expressions
from sim.dialplan.args import is_true, split_app_args
from sim.dialplan.ctext import encoded_char, scan_double, scan_int, scan_int_prefix, strip
from sim.dialplan.posix_regex import compile_ere

_RAND_MAX = 2**31 - 1
_C_SPACE = " \t\n\v\f\r"
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

_Function = Callable[[str, random.Random, "expressions.Resolver"], str]


def call_pure_function(
    name: str, args: str, rng: random.Random, resolver: expressions.Resolver
) -> str | None:
    """``${name(args)}`` if ``name`` is one of the functions ported here, else None."""
    function = _FUNCTIONS.get(name)
    return None if function is None else function(args, rng, resolver)


def _variable(name: str, resolver: expressions.Resolver) -> str:
    """What ``${name}`` gives, as the functions taking a variable name read it."""
    return expressions.substitute("${" + name + "}", resolver)


def _if(data: str, rng: random.Random, resolver: expressions.Resolver) -> str:
    condition_and_rest = split_app_args(data, "?", max_args=2)
    branches = split_app_args(condition_and_rest[1], ":", max_args=2) if len(condition_and_rest) > 1 else []
    if not condition_and_rest or not condition_and_rest[0] or not branches:
        return ""
    if_true = strip(branches[0])
    if_false = strip(branches[1]) if len(branches) > 1 else ""
    return if_true if is_true(strip(condition_and_rest[0])) else if_false


def _quote(data: str, rng: random.Random, resolver: expressions.Resolver) -> str:
    return '"' + data.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _csv_quote(data: str, rng: random.Random, resolver: expressions.Resolver) -> str:
    return '"' + data.replace('"', '""') + '"'


def _regex(data: str, rng: random.Random, resolver: expressions.Resolver) -> str:
    parts = split_app_args(data, '"', max_args=3)
    if len(parts) != 3:
        return ""
    pattern, subject = parts[1], parts[2]
    if subject[:1] in (" ", "\t"):
        subject = subject[1:]
    compiled = compile_ere(pattern)
    if compiled is None:
        return ""
    return "1" if compiled.search(subject.encode("utf-8", "surrogateescape")) else "0"


def _fieldqty(data: str, rng: random.Random, resolver: expressions.Resolver) -> str:
    args = split_app_args(data, max_args=2)
    if len(args) < 2:
        return "1"
    delimiter = encoded_char(args[1]) or ""
    value = _variable(args[0], resolver)
    if not value:
        return "0"
    if delimiter in ("", "\x00"):
        return "1"
    return str(value.count(delimiter) + 1)


def _cut(data: str, rng: random.Random, resolver: expressions.Resolver) -> str:
    args = split_app_args(data, max_args=3)
    if len(args) < 3:
        return ""
    value = _variable(args[0], resolver)
    delimiter = encoded_char(args[1])
    if delimiter is None:
        delimiter = "-"
    if not value:
        return ""
    fields = value.split(delimiter) if delimiter != "\x00" else [value]
    out: list[str] = []
    position = 0  # index in fields of the next field (Asterisk counts from 1)
    for spec in args[2].split("&"):
        bounds = _field_range(spec)
        if bounds is None:
            return ""
        start, stop = bounds
        position = max(position, start - 1)
        while position < len(fields) and position + 1 <= stop:
            out.append(fields[position])
            position += 1
        if position >= len(fields):
            break
    return delimiter.join(out)


def _field_range(spec: str) -> tuple[int, int] | None:
    """CUT's ``N-M``, ``-M``, ``N-`` or ``N``, tried in the order of Asterisk's ``sscanf`` formats."""
    first = scan_int_prefix(spec)
    dash_follows = first is not None and spec[first[1] : first[1] + 1] == "-"
    if first is not None and dash_follows:
        second = scan_int_prefix(spec[first[1] + 1 :])
        if second is not None:
            return first[0], second[0]
    if spec.startswith("-"):
        stop = scan_int(spec[1:])
        if stop is not None:
            return 1, stop
    if first is None:
        return None
    return (first[0], 2**31 - 1) if dash_follows else (first[0], first[0])


def _math(data: str, rng: random.Random, resolver: expressions.Resolver) -> str:
    if not data:
        return ""
    args = split_app_args(data, max_args=2)
    first = args[0]
    negative = first.startswith("-")
    if negative:
        first = first[1:]
    operation, left, right = _math_operation(first)
    kind = "f"
    if len(args) > 1:
        kind = {
            "float": "f",
            "f": "f",
            "int": "i",
            "i": "i",
            "hex": "h",
            "h": "h",
            "char": "c",
            "c": "c",
        }.get(args[1].lower(), "")
        if not kind:
            return ""
    if right is None:
        return ""
    a, b = scan_double(left), scan_double(right)
    if a is None or b is None:
        return ""
    if negative:
        a = -a
    if operation in ("<", ">", "<=", ">=", "=="):
        holds = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b, "==": a == b}[operation]
        return "TRUE" if holds else "FALSE"
    result = _math_result(operation, a, b)
    if kind == "f":
        return "-nan" if math.isnan(result) else f"{result:f}"
    if kind == "i":
        return str(_to_int(result))
    if kind == "h":
        return f"{_to_unsigned(result):x}"
    char = chr(_to_int(result) & 0xFF)
    return "" if char == "\x00" else char


def _math_operation(text: str) -> tuple[str, str, str | None]:
    for symbol in ("*", "/", "%", "^"):
        if symbol in text:
            left, _, right = text.partition(symbol)
            return symbol, left, right
    for word in ("AND", "XOR", "OR"):
        if word in text:
            left, _, right = text.partition(word)
            return word, left, right
    for symbol in (">", "<"):
        if symbol in text:
            left, _, right = text.partition(symbol)
            if right[:1] == "=":
                return symbol + "=", left, right[1:]
            if right[:1] == symbol:
                return symbol * 2, left, right[1:]
            return symbol, left, right
    if "=" in text:
        left, _, right = text.partition("=")
        return ("==", left, right[1:]) if right[:1] == "=" else ("=", left, None)
    for symbol in ("+", "-"):
        if symbol in text:
            left, _, right = text.partition(symbol)
            return symbol, left, right
    return "", text, None


def _math_result(operation: str, a: float, b: float) -> float:
    if operation == "/":
        return 0.0 if b <= 0 else a / b
    if operation == "^":
        try:
            return math.pow(a, b)
        except OverflowError:
            return math.inf
        except ValueError:
            return math.nan
    if operation in ("+", "-", "*"):
        return {"+": a + b, "-": a - b, "*": a * b}[operation]
    x, y = _to_int(a), _to_int(b)
    if operation == "%":
        return 0.0 if y == 0 else float(int(math.fmod(x, y)))
    value = {
        "<<": lambda: x << (y & 31),
        ">>": lambda: x >> (y & 31),
        "AND": lambda: x & y,
        "XOR": lambda: x ^ y,
        "OR": lambda: x | y,
    }[operation]()
    return float(_wrap32(value))


def _wrap32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


def _to_int(value: float) -> int:
    """C ``(int)`` of a double on x86-64: out of range (and NaN) gives INT_MIN."""
    if math.isnan(value) or math.isinf(value) or not -(2**31) <= math.trunc(value) < 2**31:
        return -(2**31)
    return math.trunc(value)


def _to_unsigned(value: float) -> int:
    """C ``(unsigned int)`` of a double as gcc does it on x86-64 (through a 64-bit integer)."""
    if math.isnan(value) or math.isinf(value) or not -(2**63) <= math.trunc(value) < 2**63:
        return 0
    return math.trunc(value) & 0xFFFFFFFF


def _rand(data: str, rng: random.Random, resolver: expressions.Resolver) -> str:
    args = split_app_args(data, max_args=2)
    low = scan_int(args[0]) if args and args[0] else None
    high = scan_int(args[1]) if len(args) > 1 and args[1] else None
    low = 0 if low is None else low
    high = _RAND_MAX if high is None else high
    if high < low:
        low, high = high, low
    return str(low + rng.randrange(_RAND_MAX + 1) % (high - low + 1))


def _trim(strip_left: bool, strip_right: bool) -> _Function:
    def trim(data: str, rng: random.Random, resolver: expressions.Resolver) -> str:
        if strip_left:
            data = data.lstrip(_C_SPACE)
        return data.rstrip(_C_SPACE) if strip_right else data

    return trim


_FUNCTIONS: dict[str, _Function] = {
    "LEN": lambda data, rng, resolver: str(len(data.encode("utf-8", "surrogateescape"))),
    "IF": _if,
    "ISNULL": lambda data, rng, resolver: "0" if data else "1",
    "EXISTS": lambda data, rng, resolver: "1" if data else "0",
    "CUT": _cut,
    "TOUPPER": lambda data, rng, resolver: data.translate(_ASCII_UPPER),
    "TOLOWER": lambda data, rng, resolver: data.translate(_ASCII_LOWER),
    "FIELDQTY": _fieldqty,
    "MATH": _math,
    "QUOTE": _quote,
    "CSV_QUOTE": _csv_quote,
    "REGEX": _regex,
    "RAND": _rand,
    "PASSTHRU": lambda data, rng, resolver: data,
    "TRIM": _trim(True, True),
    "LTRIM": _trim(True, False),
    "RTRIM": _trim(False, True),
    "EVAL": lambda data, rng, resolver: expressions.substitute(data, resolver),
}


class StaticResolver:
    """A resolver without a channel: fixed variables and the pure functions (for ``[globals]``, tests)."""

    def __init__(self, variables: dict[str, str] | None = None, rng: random.Random | None = None) -> None:
        self.variables = variables if variables is not None else {}
        self.rng = rng if rng is not None else random.Random(0)

    def get_variable(self, name: str) -> str | None:
        return self.variables.get(name)

    def call_function(self, name: str, args: str) -> str | None:
        return call_pure_function(name, args, self.rng, self)
