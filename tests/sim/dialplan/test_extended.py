"""x87 long double arithmetic and ``%.18Lg`` printing."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from sim.dialplan import extended as ld


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(0), "0"),
        (-0.0, "-0"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (math.nan, "nan"),
        (-math.nan, "-nan"),
        (Fraction(1, 2), "0.5"),
        (Fraction(-5), "-5"),
        (Fraction(10) ** 17, "100000000000000000"),
        (Fraction(10) ** 18, "1e+18"),
        (Fraction(1, 10**4), "0.0001"),
        (Fraction(1, 10**5), "1e-05"),
        (Fraction(10) ** 300, "1e+300"),
        (Fraction(123456789012345678), "123456789012345678"),
        (Fraction(1234567890123456789), "1.23456789012345679e+18"),
        (Fraction(9999999999999999995, 10), "1e+18"),  # rounding carries into a new digit
    ],
)
def test_format_g18(value: ld.Number, text: str) -> None:
    assert ld.format_g18(value) == text


def test_division_rounds_to_a_64_bit_significand() -> None:
    third = ld.divide(Fraction(1), Fraction(3))
    assert isinstance(third, Fraction)
    assert third != Fraction(1, 3)
    assert ld.format_g18(third) == "0.333333333333333333"
    assert ld.format_g18(ld.multiply(third, Fraction(3))) == "1"
    assert ld.rounded(Fraction(2**64 + 1)) == Fraction(2**64)  # ties go to even
    assert ld.rounded(Fraction(2**64 + 3)) == Fraction(2**64 + 4)


def test_signed_zero() -> None:
    assert ld.multiply(Fraction(0), Fraction(-1)) == 0
    assert ld.format_g18(ld.multiply(Fraction(0), Fraction(-1))) == "-0"
    assert ld.format_g18(ld.subtract(Fraction(0), Fraction(0))) == "0"
    assert ld.format_g18(ld.add(-0.0, -0.0)) == "-0"
    assert ld.format_g18(ld.fmod(Fraction(-4), Fraction(2))) == "-0"
    assert ld.format_g18(ld.to_integral(Fraction(-1, 2), "ceil")) == "-0"


def test_parse_decimal_reads_like_strtold() -> None:
    assert ld.parse_decimal("007") == 7
    assert ld.parse_decimal("1.2.3") == ld.rounded(Fraction(12, 10))
    assert ld.parse_decimal(".5") == Fraction(1, 2)
    assert ld.parse_decimal(" -2") == -2
    assert ld.parse_decimal("-0") == -0.0
    assert ld.parse_decimal("1" * 5000) is None  # out of range
    assert ld.parse_decimal("0" * 5000 + "1") == 1
    assert ld.parse_decimal("-") == 0
    assert ld.parse_decimal("") == 0


def test_overflow_and_invalid_operations() -> None:
    huge = Fraction(2) ** 16383
    assert ld.multiply(huge, Fraction(2)) == math.inf
    assert ld.format_g18(ld.sqrt(Fraction(-1))) == "-nan"
    assert ld.sqrt(Fraction(16)) == 4
    assert ld.compare(math.nan, Fraction(0)) == 2
