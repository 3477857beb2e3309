"""x87 80-bit ``long double`` arithmetic, as Asterisk's ``$[...]`` expressions compute.

Asterisk's expression parser (``main/ast_expr2.y``) works in ``long double`` and prints results with
``"%.18Lg"``: ``$[1/3]`` is ``0.333333333333333333``, ``$[0 * -1]`` is ``-0``.  Python floats are
64-bit, so a finite value is kept here as an exact :class:`~fractions.Fraction` rounded to a 64-bit
significand after every operation (round half to even, as the FPU does); infinities, NaN and negative
zero are kept as Python floats.  The result is the same on every platform, unlike ``numpy.longdouble``.
Transcendental functions (``COS``, ``LOG``...) go through Python's 64-bit ``math`` and so may differ
from Asterisk's ``cosl`` in the last two or three of the 18 printed digits.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

Number = Fraction | float
"""A finite value as a Fraction; ``inf``, ``-inf``, ``nan`` and ``-0.0`` as float."""

_SIGNIFICAND_BITS = 64
_MAX_EXPONENT = 16384
_MAX_DECIMAL_DIGITS = 4933  # 1.19e4932 is the largest long double
_FRACTION_DIGITS = 200
_DEFAULT_NAN = -math.nan  # an x87 "invalid" result: the sign bit is set, glibc prints "-nan"


def rounded(value: Fraction) -> Number:
    """``value`` rounded to the nearest long double."""
    if value == 0:
        return Fraction(0)
    magnitude = abs(value)
    if magnitude.denominator == 1 and magnitude.numerator < 2**_SIGNIFICAND_BITS:
        return value  # an integer that fits the significand: exact
    exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
    if _power_of_two(exponent) > magnitude:
        exponent -= 1
    infinity = math.inf if value > 0 else -math.inf
    if exponent >= _MAX_EXPONENT:
        return infinity
    scale = _power_of_two(_SIGNIFICAND_BITS - 1 - exponent)
    result = Fraction(round(magnitude * scale)) / scale
    if result >= _power_of_two(_MAX_EXPONENT):
        return infinity
    return result if value > 0 else -result


def _power_of_two(exponent: int) -> Fraction:
    return Fraction(1 << exponent) if exponent >= 0 else Fraction(1, 1 << -exponent)


def parse_decimal(text: str) -> Number | None:
    """``strtold`` of text made of digits, dots, signs and blanks (what the expression parser feeds it);
    None when the value is out of range (``ERANGE``)."""
    body = text.lstrip(" \t\n\v\f\r")
    negative = body[:1] == "-"
    if body[:1] in ("+", "-"):
        body = body[1:]
    whole, _, rest = body.partition(".")
    digits_whole = _prefix_digits(whole)
    digits_frac = _prefix_digits(rest) if len(digits_whole) == len(whole) else ""
    if not digits_whole and not digits_frac:
        return Fraction(0)  # no conversion
    digits_whole = digits_whole.lstrip("0")
    if len(digits_whole) > _MAX_DECIMAL_DIGITS:
        return None
    digits_frac = digits_frac[:_FRACTION_DIGITS].rstrip("0")  # far beyond what 64 bits can tell apart
    value = Fraction(int(digits_whole or "0"))
    if digits_frac:
        value += Fraction(int(digits_frac), 10 ** len(digits_frac))
    result = rounded(value)
    if isinstance(result, float):
        return None
    return negate(result) if negative else result


def _prefix_digits(text: str) -> str:
    end = 0
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    return text[:end]


def is_negative(value: Number) -> bool:
    return math.copysign(1.0, value) < 0 if isinstance(value, float) else value < 0


def _as_float(value: Number) -> float:
    if isinstance(value, float):
        return value
    try:
        return float(value)
    except OverflowError:
        return math.copysign(math.inf, value)


def _zero(negative: bool) -> Number:
    return -0.0 if negative else Fraction(0)


def _special(value: Number) -> bool:
    return isinstance(value, float) and (math.isinf(value) or math.isnan(value))


def _from_float(value: float) -> Number:
    if math.isnan(value):
        return value
    if math.isinf(value) or (value == 0 and math.copysign(1.0, value) < 0):
        return value
    return rounded(Fraction(value))


def add(a: Number, b: Number) -> Number:
    if _special(a) or _special(b):
        return _from_float(_as_float(a) + _as_float(b))
    if a == 0 and b == 0:
        return _zero(is_negative(a) and is_negative(b))
    return rounded(Fraction(a) + Fraction(b))


def negate(a: Number) -> Number:
    if isinstance(a, float):
        return -a
    return -0.0 if a == 0 else -a


def subtract(a: Number, b: Number) -> Number:
    return add(a, negate(b))


def multiply(a: Number, b: Number) -> Number:
    if _special(a) or _special(b):
        return _from_float(_as_float(a) * _as_float(b))
    if a == 0 or b == 0:
        return _zero(is_negative(a) != is_negative(b))
    return rounded(Fraction(a) * Fraction(b))


def divide(a: Number, b: Number) -> Number:
    """``a / b``; the caller has ruled out ``b == 0`` as Asterisk does."""
    if _special(a) or _special(b):
        return _from_float(_as_float(a) / _as_float(b))
    if a == 0:
        return _zero(is_negative(a) != is_negative(b))
    return rounded(Fraction(a) / Fraction(b))


def fmod(a: Number, b: Number) -> Number:
    """C ``fmodl``: the remainder of truncating division, with the sign of ``a``."""
    if _special(a) or _special(b):
        fa, fb = _as_float(a), _as_float(b)
        if math.isnan(fa) or math.isnan(fb):
            return fa if math.isnan(fa) else fb
        return _DEFAULT_NAN if math.isinf(fa) else a
    if a == 0:
        return a
    dividend, divisor = Fraction(a), Fraction(b)
    remainder = dividend - divisor * math.trunc(dividend / divisor)
    return _zero(dividend < 0) if remainder == 0 else remainder


def compare(a: Number, b: Number) -> int:
    """-1, 0 or 1; NaN compares unequal to everything (then 2)."""
    if (isinstance(a, float) and math.isnan(a)) or (isinstance(b, float) and math.isnan(b)):
        return 2
    return (a > b) - (a < b)


def apply(function: Callable[..., float], *args: Number) -> Number:
    """A ``math`` function applied in 64-bit precision; a domain error gives x87's default NaN."""
    try:
        return _from_float(function(*(_as_float(arg) for arg in args)))
    except (ValueError, ZeroDivisionError):
        return _DEFAULT_NAN
    except OverflowError:
        return math.inf


def to_integral(value: Number, mode: str) -> Number:
    """``floorl``/``ceill``/``truncl``/``roundl`` (half away from zero)/``rintl`` (half to even)."""
    if isinstance(value, float):
        return value
    if mode == "floor":
        whole = math.floor(value)
    elif mode == "ceil":
        whole = math.ceil(value)
    elif mode == "trunc":
        whole = math.trunc(value)
    elif mode == "round":
        whole = math.floor(abs(value) + Fraction(1, 2)) * (1 if value >= 0 else -1)
    else:
        whole = round(value)
    return _zero(value < 0) if whole == 0 else Fraction(whole)


def sqrt(value: Number) -> Number:
    """``sqrtl``, correctly rounded for finite values."""
    if isinstance(value, float):
        if math.isnan(value) or value == 0 or value > 0:
            return value
        return _DEFAULT_NAN
    if value < 0:
        return _DEFAULT_NAN
    if value == 0:
        return value
    exponent = value.numerator.bit_length() - value.denominator.bit_length()
    shift = max(0, (200 - exponent) // 2)
    scaled = value * 4**shift
    whole = scaled.numerator // scaled.denominator
    root = math.isqrt(whole)
    exact = root * root == whole and whole == scaled
    # a sticky half unit keeps an inexact root from looking like a tie
    return rounded(Fraction(2 * root + (0 if exact else 1), 2 ** (shift + 1)))


def format_g18(value: Number) -> str:
    """C ``printf("%.18Lg", value)``."""
    if isinstance(value, float):
        if math.isnan(value):
            return "-nan" if math.copysign(1.0, value) < 0 else "nan"
        if math.isinf(value):
            return "-inf" if value < 0 else "inf"
        return "-0"  # the only other float is negative zero
    if value == 0:
        return "0"
    if value.denominator == 1 and abs(value.numerator) < 10**18:
        return str(value.numerator)  # 18 digits or fewer print exactly
    precision = 18
    magnitude = abs(value)
    exponent = _decimal_exponent(magnitude)
    digits = round(magnitude / Fraction(10) ** (exponent - precision + 1))
    if digits >= 10**precision:
        exponent += 1
        digits = round(magnitude / Fraction(10) ** (exponent - precision + 1))
    text = str(digits)
    sign = "-" if value < 0 else ""
    if -4 <= exponent < precision:
        point = exponent + 1
        body = text[:point] + "." + text[point:] if point > 0 else "0." + "0" * -point + text
        return sign + _strip_fraction(body)
    mantissa = _strip_fraction(text[0] + "." + text[1:])
    return f"{sign}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


def _decimal_exponent(magnitude: Fraction) -> int:
    bits = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
    exponent = math.floor(bits * math.log10(2))
    while Fraction(10) ** exponent > magnitude:
        exponent -= 1
    while Fraction(10) ** (exponent + 1) <= magnitude:
        exponent += 1
    return exponent


def _strip_fraction(text: str) -> str:
    if "." not in text:
        return text
    return text.rstrip("0").rstrip(".")
