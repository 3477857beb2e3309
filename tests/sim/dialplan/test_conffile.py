"""The configuration-file layer: comments, includes, templates, and what Asterisk refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.dialplan.conffile import Category, DialplanError, read_config


def read(text: str, config_dir: Path = Path("/nonexistent")) -> list[Category]:
    return read_config(text, "extensions.conf", config_dir)


def values(text: str) -> list[tuple[str, str, str, int]]:
    return [(c.name, v.name, v.value, v.lineno) for c in read(text) for v in c.variables]


def test_names_values_and_line_numbers() -> None:
    text = "[ctx]\n\nexten => 1,1,NoOp()\nsame=>n,Wait(1)\n  foo = bar  \nexten=2,1,Answer\n"
    assert values(text) == [
        ("ctx", "exten", "1,1,NoOp()", 3),
        ("ctx", "same", "n,Wait(1)", 4),
        ("ctx", "foo", "bar", 5),
        ("ctx", "exten", "2,1,Answer", 6),
    ]


def test_semicolon_comments_and_escaped_semicolons() -> None:
    text = "[c] ; a context\nexten => 1,1,NoOp(a\\;b) ; comment\n; whole line\nx = a\\;b\\;c;d\n"
    assert values(text) == [("c", "exten", "1,1,NoOp(a;b)", 2), ("c", "x", "a;b;c", 4)]


def test_block_comments_span_lines_nest_and_sit_inside_lines() -> None:
    text = "\n".join(
        [
            "[c]",
            "a = 1 ;-- inline --; tail",
            ";-- start",
            "b = hidden",
            " ;-- nested --;",
            "c = still hidden",
            "--; d = after",
            "e = x;-- one --;y;-- two --;z",
            ";---- a plain comment, not a block",
            "f = 2",
        ]
    )
    assert [(v[1], v[2]) for v in values(text)] == [
        ("a", "1  tail"),
        ("d", "after"),
        ("e", "xyz"),
        ("f", "2"),
    ]


def test_unterminated_block_comment_is_an_error() -> None:
    with pytest.raises(DialplanError) as info:
        read("[c]\n;-- never closed\na = 1\n")
    assert info.value.lineno == 2
    assert "never closed" in info.value.message


def test_stray_block_comment_end_is_an_error() -> None:
    # Asterisk would then ignore the rest of the file
    with pytest.raises(DialplanError, match="never opened"):
        read("[c]\nexten => 1,1,NoOp(a--;b)\n")


def test_bom_crlf_and_nul() -> None:
    text = "\ufeff[c]\r\na = 1\r\nb = 2\x00ignored\r\n"
    assert [(v[1], v[2]) for v in values(text)] == [("a", "1"), ("b", "2")]


def test_append_to_a_variable() -> None:
    assert [(v[1], v[2]) for v in values("[c]\na = x\na += , y\nb += z\n")] == [("a", "x , y"), ("b", "z")]


def test_templates_inheritance_and_appending() -> None:
    text = (
        "[tpl](!)\nexten => 1,1,NoOp\n"
        "[ctx](tpl)\nexten => 2,1,NoOp\n"
        "[other]\nx = 1\n"
        "[ctx](+)\nexten => 3,1,NoOp\n"
    )
    categories = read(text)
    assert [(c.name, c.template) for c in categories] == [("tpl", True), ("ctx", False), ("other", False)]
    assert [v.value for v in categories[1].variables] == ["1,1,NoOp", "2,1,NoOp", "3,1,NoOp"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("exten => 1,1,NoOp\n", "before any"),
        ("[c\n", "no closing ']'"),
        ("[c](x\n", "no closing ')'"),
        ("[c](nosuch)\n", "does not exist"),
        ("[c](+)\n", "does not exist"),
        ("[c]\njust words\n", "no '='"),
        ("[c]\n= value\n", "no name"),
        ("[c]\n#exec /bin/true\n", "#exec"),
        ("[c]\n#includ x\n", "unknown directive"),
        ("[c]\n#include\n", "needs a file name"),
        ("[c]\n#include nosuch.conf\n", "no such file"),
        ("[c]\n" + "x = " + "a" * 8200 + "\n", "longer than"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(DialplanError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read(text)


def test_error_carries_file_and_line() -> None:
    with pytest.raises(DialplanError) as info:
        read("[c]\na = 1\nbroken\n")
    assert (info.value.filename, info.value.lineno) == ("extensions.conf", 3)
    assert str(info.value).startswith("extensions.conf:3: ")


def test_include_is_relative_to_the_config_dir_and_continues_the_category(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "part.conf").write_text("exten => 2,1,NoOp(in part)\n[second]\nexten => 3,1,NoOp\n")
    text = '[first]\nexten => 1,1,NoOp\n#include "sub/part.conf"\nexten => 4,1,NoOp(back in first)\n'
    categories = read(text, tmp_path)
    assert [(c.name, [v.value for v in c.variables]) for c in categories] == [
        ("first", ["1,1,NoOp", "2,1,NoOp(in part)", "4,1,NoOp(back in first)"]),
        ("second", ["3,1,NoOp"]),
    ]
    part = categories[0].variables[1]
    assert (part.filename, part.lineno) == (str(tmp_path / "sub" / "part.conf"), 1)


def test_include_globs_in_sorted_order_and_tryinclude(tmp_path: Path) -> None:
    (tmp_path / "b.conf").write_text("x = b\n")
    (tmp_path / "a.conf").write_text("x = a\n")
    text = "[c]\n#include <*.conf>\n#tryinclude missing.conf\n#include " + str(tmp_path / "a.conf") + "\n"
    assert [v.value for c in read(text, tmp_path) for v in c.variables] == ["a", "b", "a"]


def test_include_loop_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "self.conf").write_text("#include self.conf\n")
    with pytest.raises(DialplanError, match="nested deeper"):
        read("[c]\n#include self.conf\n", tmp_path)
