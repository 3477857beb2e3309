"""Properties of the dialplan language modules on arbitrary input (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.dialplan.args import split_app_args
from sim.dialplan.config import DialplanError, parse_dialplan
from sim.dialplan.expr_tokens import tokenize
from sim.dialplan.expressions import evaluate_expression, substitute
from sim.dialplan.functions import StaticResolver
from sim.dialplan.patterns import pattern_matches, precedence_key

FRAGMENTS = [
    "[ctx]",
    "[globals]",
    "[general]",
    "[t](!)",
    "[d](t)",
    "[ctx](+)",
    "exten",
    "same",
    "include",
    "=>",
    "=",
    ",",
    "n",
    "n(lbl)",
    "hint",
    "1",
    "2",
    "s",
    "(",
    ")",
    "NoOp",
    "Goto(lbl)",
    "_X.",
    "_[1-3]",
    "/123",
    ";",
    "\\;",
    ";--",
    "--;",
    "#include",
    "#tryinclude",
    '"x"',
    "${G}",
    "$[1+1]",
    "+",
    "lbl+1",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\ufeff",
    "\x00",
    "日本",
    "-",
    "!",
    "9" * 40,
]
SPECIALS = ',"\\()[]'
EXPRESSION_BITS = [
    "$[",
    "]",
    "${",
    "}",
    "(",
    ")",
    "[",
    "{",
    "1",
    "0",
    "-",
    "+",
    "*",
    "/",
    "%",
    "?",
    "::",
    ":",
    "=~",
    "~~",
    "!",
    "=",
    "<",
    ">",
    "|",
    "&",
    ",",
    '"',
    "abc",
    "LEN(",
    "IF(",
    "CUT(",
    "MATH(",
    "QUOTE(",
    "REGEX(",
    "G",
    "X",
    ".",
    " ",
    "9" * 30,
    "1" * 5000,
    "0." + "0" * 5000 + "1",
    "\\",
    "日本",
    "$",
]


def dialplan_texts() -> st.SearchStrategy[str]:
    return st.one_of(st.text(), st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(dialplan_texts())
def test_parser_raises_only_dialplan_errors(text: str) -> None:
    try:
        dialplan = parse_dialplan(text)
    except DialplanError as error:
        assert error.lineno >= 0
        assert str(error).startswith("extensions.conf:")
        return
    for context in dialplan.contexts.values():
        for extension in context.extensions:
            dialplan.match(context.name, extension.pattern)
            for priority in extension.priorities:
                assert dialplan.find(context.name, extension.pattern, priority.number) is not None


def escape(value: str) -> str:
    return "".join("\\" + c if c in SPECIALS else c for c in value)


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters=SPECIALS)), min_size=1))
def test_split_app_args_round_trips_simple_values(values: list[str]) -> None:
    if values == [""]:
        assert split_app_args("") == []
    else:
        assert split_app_args(",".join(values)) == values


@given(st.lists(st.text(), min_size=2))
def test_split_app_args_round_trips_escaped_values(values: list[str]) -> None:
    assert split_app_args(",".join(escape(v) for v in values)) == values


@given(st.text().filter(lambda t: "$" not in t))
def test_substitution_of_text_without_dollar_is_the_identity(text: str) -> None:
    assert substitute(text, StaticResolver({"G": "x"})) == text


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), st.lists(st.sampled_from(EXPRESSION_BITS), max_size=40).map("".join)))
def test_substitution_and_expressions_never_raise(text: str) -> None:
    resolver = StaticResolver({"G": "5", "X": "${G}", "E": ""})
    assert isinstance(substitute(text, resolver), str)
    assert isinstance(evaluate_expression(text, resolver), str)
    assert all(token.kind for token in tokenize(text))


@given(st.text(alphabet="0123456789*#", min_size=1))
def test_a_plain_extension_matches_itself_and_sorts_before_every_pattern(exten: str) -> None:
    assert pattern_matches(exten, exten)
    assert precedence_key(exten) < precedence_key("_" + "X" * len(exten))


@given(st.text(alphabet="0123456789", min_size=1, max_size=12))
def test_x_patterns_match_digit_strings_of_their_length(digits: str) -> None:
    assert pattern_matches("_" + "X" * len(digits), digits)
    assert not pattern_matches("_" + "X" * (len(digits) + 1), digits)
    assert pattern_matches("_X!", digits)
    assert pattern_matches("_X.", digits) is (len(digits) > 1)
