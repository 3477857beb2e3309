"""Application arguments, Goto targets and truth, as Asterisk reads them."""

from __future__ import annotations

import pytest

from sim.dialplan.args import GotoError, GotoTarget, is_true, parse_goto, parse_gotoif, split_app_args


@pytest.mark.parametrize(
    ("data", "args"),
    [
        ("", []),
        ("a", ["a"]),
        ("a,b,c", ["a", "b", "c"]),
        ("a,,c", ["a", "", "c"]),
        ("a,", ["a", ""]),
        (",", ["", ""]),
        ('a,"b,c",d', ["a", "b,c", "d"]),
        ('"a""b"', ["ab"]),
        ('say "hello, world"', ["say hello, world"]),
        ("a\\,b,c", ["a,b", "c"]),
        ("a\\\\,b", ["a\\", "b"]),
        ("a\\", ["a"]),
        ("Local/100@test,20,tT", ["Local/100@test", "20", "tT"]),
        ("x,(a,b),y", ["x", "(a,b)", "y"]),
        ("x,[a,b],y", ["x", "[a,b]", "y"]),
        ("x,a),b", ["x", "a)", "b"]),
        ('f("a,)",b)', ["f(a,)", "b)"]),  # parentheses count even inside quotes, as in C
        ("X=${IF($[1=1]?a:b)},c", ["X=${IF($[1=1]?a:b)}", "c"]),
    ],
)
def test_split_app_args(data: str, args: list[str]) -> None:
    assert split_app_args(data) == args


def test_the_last_declared_argument_takes_the_rest_unprocessed() -> None:
    assert split_app_args('a,"b",c,"d"', max_args=2) == ["a", '"b",c,"d"']
    assert split_app_args("a,b", max_args=1) == ["a,b"]
    assert split_app_args("a,b,c", max_args=5) == ["a", "b", "c"]


def test_raw_arguments_and_other_delimiters() -> None:
    assert split_app_args('a,"b,c"\\,d', remove_chars=False) == ["a", '"b,c"\\,d']
    assert split_app_args("1?yes:no", "?", max_args=2) == ["1", "yes:no"]
    assert split_app_args('"^[0-9]+$" 123', '"', max_args=3) == ["", "^[0-9]+$", " 123"]


@pytest.mark.parametrize(
    ("data", "target"),
    [
        ("5", GotoTarget("ctx", "ext", 5, None)),
        ("200,1", GotoTarget("ctx", "200", 1, None)),
        ("other,200,1", GotoTarget("other", "200", 1, None)),
        ("other,200,1,ignored", GotoTarget("other", "200", 1, None)),
        ("loop", GotoTarget("ctx", "ext", None, "loop")),
        ("200,loop", GotoTarget("ctx", "200", None, "loop")),
        ("1a", GotoTarget("ctx", "ext", None, "1a")),
        (" 2 ", GotoTarget("ctx", "ext", 2, None)),
        ("+2", GotoTarget("ctx", "ext", 2, None, relative=True)),
        ("-1", GotoTarget("ctx", "ext", -1, None, relative=True)),
        ("-done", GotoTarget("ctx", "ext", None, "done")),
        (",,3", GotoTarget("ctx", "ext", 3, None)),
        ("other,,3", GotoTarget("other", "ext", 3, None)),
        ("0", GotoTarget("ctx", "ext", 0, None)),
    ],
)
def test_parse_goto(data: str, target: GotoTarget) -> None:
    assert parse_goto(data, "ctx", "ext") == target


def test_goto_without_argument() -> None:
    with pytest.raises(GotoError):
        parse_goto("", "ctx", "ext")


@pytest.mark.parametrize(
    ("data", "parts"),
    [
        ("1?yes:no", ("1", "yes", "no")),
        ("1?ctx,100,1:other,200,2", ("1", "ctx,100,1", "other,200,2")),
        ("0?yes", ("0", "yes", None)),
        ("1?:no", ("1", None, "no")),
        ("1", ("1", None, None)),
        ("?a:b", ("", "a", "b")),
        ("1?a:b:c", ("1", "a", "b:c")),
    ],
)
def test_parse_gotoif(data: str, parts: tuple[str, str | None, str | None]) -> None:
    assert parse_gotoif(data) == parts


@pytest.mark.parametrize(
    ("condition", "truth"),
    [
        ("", False),
        ("0", False),
        ("00", False),
        (" 0", False),
        ("-0", False),
        ("0.9", False),
        ("1", True),
        ("-1", True),
        (" 1abc", True),
        ("abc", True),
        (" ", True),
        ("0abc", False),
        ("4294967296", False),  # Asterisk's int keeps the low 32 bits
        ("4294967297", True),
    ],
)
def test_is_true(condition: str, truth: bool) -> None:
    assert is_true(condition) is truth
