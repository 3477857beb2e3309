"""Substitution (``${...}``) and ``$[...]`` expressions, against results recorded from a real Asterisk."""

from __future__ import annotations

import pytest

from sim.dialplan.expressions import evaluate_expression, substitute
from sim.dialplan.functions import StaticResolver
from tests.sim.dialplan.asterisk_expressions import CASES, GLOBALS


class RecordingResolver:
    """Variables from a dict; records every function call and answers from a dict."""

    def __init__(self, variables: dict[str, str], functions: dict[str, str]) -> None:
        self.variables = variables
        self.functions = functions
        self.calls: list[tuple[str, str]] = []

    def get_variable(self, name: str) -> str | None:
        return self.variables.get(name)

    def call_function(self, name: str, args: str) -> str | None:
        self.calls.append((name, args))
        return self.functions.get(name)


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_matches_what_asterisk_gave(text: str, expected: str) -> None:
    assert substitute(text, StaticResolver(dict(GLOBALS))) == expected


def test_text_without_dollar_is_unchanged() -> None:
    resolver = RecordingResolver({}, {})
    assert substitute("Dial(Local/100@test,20,tT)", resolver) == "Dial(Local/100@test,20,tT)"
    assert resolver.calls == []


def test_channel_functions_go_to_the_resolver_with_substituted_arguments() -> None:
    resolver = RecordingResolver({"FIELD": "num"}, {"CALLERID": "0612345678"})
    assert substitute("${CALLERID(${FIELD})}", resolver) == "0612345678"
    assert substitute("${CALLERID(num):-4}", resolver) == "5678"
    assert resolver.calls == [("CALLERID", "num"), ("CALLERID", "num")]


def test_function_arguments_run_to_the_last_parenthesis() -> None:
    resolver = RecordingResolver({}, {"F": "x"})
    substitute("${F(a(b),c)d}", resolver)
    assert resolver.calls == [("F", "a(b),c")]


def test_unknown_function_or_variable_inserts_nothing() -> None:
    resolver = RecordingResolver({}, {})
    assert substitute("<${NOPE}|${NOPE(1)}|${NOPE:1:2}>", resolver) == "<||>"


def test_functions_inside_expressions_use_the_resolver() -> None:
    resolver = RecordingResolver({}, {"CHANNEL_LEN": "12", "WORD": "abc"})
    assert evaluate_expression("CHANNEL_LEN(x) + 1", resolver) == "13"
    assert evaluate_expression("WORD(1,2) = abc", resolver) == "1"
    assert resolver.calls == [("CHANNEL_LEN", "x"), ("WORD", "1,2")]
    assert evaluate_expression("CHANNEL_LEN(x) + 1") == "1"  # no channel: the function gives 0


def test_expression_result_formats() -> None:
    assert evaluate_expression("10 / 4") == "2.5"
    assert evaluate_expression("2 / 3") == "0.666666666666666667"
    assert evaluate_expression("10000000000000000000 * 100") == "1e+21"
    assert evaluate_expression("1 / 100000") == "1e-05"
    assert evaluate_expression("0 * -1") == "-0"
    assert evaluate_expression('"quoted"') == '"quoted"'


def test_bad_expressions_give_what_asterisk_gives() -> None:
    assert evaluate_expression("") == ""
    assert evaluate_expression("1 +") == "0"
    assert evaluate_expression("(1") == "0"
    assert evaluate_expression("1 2") == "1"
    assert evaluate_expression("+ 1") == ""
    assert evaluate_expression("5 / 0") == "2147483647"
    assert evaluate_expression('abc : "([)"') == ""  # the regular expression does not compile
    assert evaluate_expression("abc : ([)") == "0"  # ( and ) are operators: a syntax error


def test_substring_counts_bytes_like_asterisk() -> None:
    resolver = StaticResolver({"NAME": "日本語"})
    assert substitute("${LEN(${NAME})}", resolver) == "9"
    assert substitute("${NAME:3:3}", resolver) == "本"


def test_deep_nesting_stops_at_fifteen_levels() -> None:
    resolver = StaticResolver({"A": "A"})
    assert substitute("${" * 15 + "A" + "}" * 15, resolver) == "A"
    assert substitute("${" * 16 + "A" + "}" * 16, resolver) == ""


def test_missing_closing_brace_takes_the_rest() -> None:
    resolver = StaticResolver({"G": "hello", "G)": "odd"})
    assert substitute("${G", resolver) == "hello"
    assert substitute("${G)", resolver) == "odd"
    assert substitute("$[1 + 2", resolver) == "3"
