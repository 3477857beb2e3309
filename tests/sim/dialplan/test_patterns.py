"""Extension patterns: what matches, and which of several matches Asterisk picks."""

from __future__ import annotations

import pytest

from sim.dialplan.patterns import pattern_matches, precedence_key, strip_fluff


@pytest.mark.parametrize(
    ("pattern", "exten", "matches"),
    [
        ("100", "100", True),
        ("100", "1-0-0", True),
        ("1-00", "100", True),
        ("100", "1000", False),
        ("100", "10", False),
        ("s", "s", True),
        ("_X", "7", True),
        ("_X", "a", False),
        ("_x", "7", True),
        ("_Z", "0", False),
        ("_Z", "9", True),
        ("_N", "1", False),
        ("_N", "2", True),
        ("_NXX", "200", True),
        ("_NXX", "20", False),
        ("_NXX", "2000", False),
        ("_X.", "1", False),
        ("_X.", "12", True),
        ("_X.", "1abc", True),
        ("_X!", "1", True),
        ("_X!", "123", True),
        ("_X!", "", False),
        ("_!", "", True),
        ("_.", "", False),
        ("_[1-3a]", "2", True),
        ("_[1-3a]", "a", True),
        ("_[1-3a]", "4", False),
        ("_[13-]", "-", False),  # a dash in what is dialled is skipped as eye candy
        ("_[]X", "5", True),  # an empty set is ignored
        ("_1[0-4", "10", False),  # an unclosed set never matches
        ("_1-800-NXX", "1800234", True),
        ("_1-800-NXX", "1-800-234", True),
        ("_agent.", "agent1", False),  # the n of "agent" is the class N, 2-9
        ("_age[n]t.", "agent1", True),
        ("_X.", "_X.", True),  # a pattern matches itself (Goto(_X.,1))
        ("_[0-9].", "_X.", True),
        ("_X/123", "5", True),  # what follows / is the caller-ID part, not the extension
    ],
)
def test_pattern_matches(pattern: str, exten: str, matches: bool) -> None:
    assert pattern_matches(pattern, exten) is matches


def test_precedence_is_asterisks_order() -> None:
    names = [
        "_X.",
        "_X!",
        "_.",
        "_1XX",
        "_1[0-4]X",
        "_NXX",
        "_1!",
        "_1.",
        "_1X",
        "s",
        "100",
        "1-00",
        "_ZXX",
        "t",
    ]
    assert sorted(names, key=precedence_key) == [
        "100",
        "1-00",
        "s",
        "t",
        "_1[0-4]X",  # fewer possible characters first
        "_1XX",  # then, position by position, anything before the end of the pattern
        "_1X",
        "_1.",
        "_1!",
        "_NXX",
        "_ZXX",
        "_X.",
        "_X!",
        "_.",
    ]


def test_equivalent_patterns_have_equal_keys() -> None:
    assert precedence_key("_X.") == precedence_key("_[0-9].")
    assert precedence_key("_N") == precedence_key("_[2-9]")
    assert precedence_key("_1-2") == precedence_key("_12")
    assert precedence_key("1-2") == precedence_key("12")
    assert precedence_key("_[1-3]") != precedence_key("_[2-4]")


def test_strip_fluff() -> None:
    assert strip_fluff(" 1 - 800 ") == "1800"
    assert strip_fluff("1 - 800", keep_dashes=True) == "1-800"
    assert strip_fluff("_[1 -3]- X") == "_[1 -3]X"
    assert strip_fluff("a[1 -3]b") == "a[13]b"
