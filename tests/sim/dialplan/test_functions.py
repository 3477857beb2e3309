"""The channel-free dialplan functions (most cases are in asterisk_expressions.py, checked live)."""

from __future__ import annotations

import random

import pytest

from sim.dialplan.expressions import substitute
from sim.dialplan.functions import StaticResolver, call_pure_function


class ChannelResolver:
    """A channel's resolver as the simulator writes one: its own functions, then the pure ones."""

    def __init__(self) -> None:
        self.rng = random.Random(7)
        self.variables = {"NUMBERS": "1,2,3"}

    def get_variable(self, name: str) -> str | None:
        return self.variables.get(name)

    def call_function(self, name: str, args: str) -> str | None:
        if name == "CALLERID" and args == "num":
            return "06-12-34"
        return call_pure_function(name, args, self.rng, self)


def test_only_channel_free_functions_are_answered() -> None:
    resolver = StaticResolver()
    for name in ("CALLERID", "CHANNEL", "SET", "DB", "len", "NOSUCH"):
        assert call_pure_function(name, "x", random.Random(0), resolver) is None
    assert call_pure_function("LEN", "abc", random.Random(0), resolver) == "3"


def test_functions_taking_a_variable_name_read_it_through_the_resolver() -> None:
    resolver = ChannelResolver()
    assert substitute("${CUT(CALLERID(num),-,2)}", resolver) == "12"
    assert substitute("${FIELDQTY(CALLERID(num),-)}", resolver) == "3"
    assert substitute("${CUT(NUMBERS,\\,,2-3)}", resolver) == "2,3"
    assert substitute("${CUT(NUMBERS:2,\\,,1)}", resolver) == "2"


def test_eval_substitutes_again() -> None:
    resolver = StaticResolver({"TEMPLATE": "${WHO}-${LEN(${WHO})}", "WHO": "bob"})
    assert substitute("${TEMPLATE}", resolver) == "${WHO}-${LEN(${WHO})}"
    assert substitute("${EVAL(${TEMPLATE})}", resolver) == "bob-3"


@pytest.mark.parametrize(
    ("args", "low", "high"), [("1,6", 1, 6), ("6,1", 1, 6), ("-3,3", -3, 3), ("", 0, 2**31 - 1)]
)
def test_rand_stays_in_range_and_follows_the_seed(args: str, low: int, high: int) -> None:
    first = call_pure_function("RAND", args, random.Random(42), StaticResolver())
    rng = random.Random(42)
    values = [int(call_pure_function("RAND", args, rng, StaticResolver()) or "x") for _ in range(200)]
    assert all(low <= v <= high for v in values)
    assert str(values[0]) == first
    if high - low < 10:
        assert set(values) == set(range(low, high + 1))


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("${MATH(7/2,i)}", "3"),
        ("${MATH(2^10)}", "1024.000000"),
        ("${MATH(1e400*1)}", "inf"),
        ("${MATH(3>=3)}", "TRUE"),
        ("${MATH(5AND)}", ""),
        ("${MATH()}", ""),
        ("${MATH(97+0,c)}", "a"),
        ("${MATH(0+0,c)}", ""),
        ("${QUOTE(tab\there)}", '"tab\there"'),
        ("${CSV_QUOTE()}", '""'),
        ("${TRIM(\t x \n)}", "x"),
        ('${REGEX("^(ab|cd)+$" abcd)}', "1"),
        ('${REGEX("[[:alpha:]]{3}" ab1)}', "0"),
        ("${TOUPPER(straße)}", "STRAßE"),
    ],
)
def test_more_function_cases(text: str, result: str) -> None:
    assert substitute(text, StaticResolver()) == result
