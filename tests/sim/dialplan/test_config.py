"""extensions.conf into a Dialplan: priority numbering, errors, and the PBX core's look-ups."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.dialplan.config import Dialplan, DialplanError, Priority, load_dialplan, parse_dialplan
from tests.support.sim_process import SAMPLE_DIALPLAN

SAMPLE = SAMPLE_DIALPLAN


def numbering(dialplan: Dialplan, context: str) -> list[tuple[str, int, str | None, str, str]]:
    return [
        (ext.pattern, p.number, p.label, p.app, p.data)
        for ext in dialplan.contexts[context].extensions
        for p in ext.priorities
    ]


def test_next_labels_and_same() -> None:
    dialplan = parse_dialplan(
        "[c]\n"
        "exten => 100,1,Answer()\n"
        " same => n(loop),Playback(hello)\n"
        " same => n,Goto(loop)\n"
        "exten => 200,5,NoOp(five)\n"
        "exten => 200,n(six),NoOp\n"
        "exten => 201,same,NoOp(same number as the line before)\n"
    )
    assert numbering(dialplan, "c") == [
        ("100", 1, None, "Answer", ""),
        ("100", 2, "loop", "Playback", "hello"),
        ("100", 3, None, "Goto", "loop"),
        ("200", 5, None, "NoOp", "five"),
        ("200", 6, "six", "NoOp", ""),
        ("201", 6, None, "NoOp", "same number as the line before"),
    ]


def test_next_counts_from_the_previous_line_of_the_section_whatever_its_extension() -> None:
    dialplan = parse_dialplan(
        "[c]\nexten => 1,1,NoOp\nexten => 1,2,NoOp\nexten => 2,n,NoOp\n[d]\nexten => 3,1,NoOp\n"
    )
    assert numbering(dialplan, "c")[-1][:2] == ("2", 3)


def test_label_reference_with_offset() -> None:
    dialplan = parse_dialplan(
        "[c]\nexten => 1,1(start),NoOp\nexten => 1,start+4,NoOp(five)\nexten => 1,n,NoOp\n"
    )
    assert [n for _, n, *_ in numbering(dialplan, "c")] == [1, 5, 6]


def test_same_continues_the_latest_exten() -> None:
    dialplan = parse_dialplan("[c]\nexten => 1,1,NoOp\nexten => 2,1,NoOp\n same => n,Wait(2)\n")
    assert numbering(dialplan, "c")[-1] == ("2", 2, None, "Wait", "2")


def test_application_data_keeps_commas_quotes_and_nested_parentheses() -> None:
    dialplan = parse_dialplan(
        "[c]\n"
        'exten => 1,1,Set(X="a, (b)"\\;c=${IF($[1 = 1]?y:n)})\n'
        "exten => 2,1,   Answer\n"
        "exten => 3,1,NoOp (spaced)\n"
        "exten => 4,1,${APP}(x)\n"
        "exten => 5,1,NoOp(x) trailing junk\n"
        "exten => 6 ,  1 ,Wait(1)\n"
    )
    assert numbering(dialplan, "c") == [
        ("1", 1, None, "Set", 'X="a, (b)";c=${IF($[1 = 1]?y:n)}'),
        ("2", 1, None, "Answer", ""),
        ("3", 1, None, "NoOp ", "spaced"),  # Asterisk keeps the space: the app "NoOp " does not exist
        ("4", 1, None, "${APP}(x)", ""),
        ("5", 1, None, "NoOp", "x"),
        ("6", 1, None, "Wait", "1"),
    ]


def test_priority_carries_file_and_line() -> None:
    dialplan = parse_dialplan("[c]\n\nexten => 1,1,NoOp\n", filename="/etc/asterisk/extensions.conf")
    assert dialplan.find("c", "1", 1) == Priority(1, None, "NoOp", "", "/etc/asterisk/extensions.conf", 3)


def test_globals_general_and_substituted_names() -> None:
    dialplan = parse_dialplan(
        "[general]\nstatic=yes\nstatic=no\n"
        "[globals]\nA=1\n__B=${A}2\nC=$[${B} + 1]\n"
        "[c${A}]\n"
        "exten => ${B},1,NoOp\n"
        "include => d${A}\n"
        "[d1]\n"
    )
    assert dict(dialplan.general) == {"static": "yes"}
    assert dict(dialplan.globals) == {"A": "1", "B": "12", "C": "13"}
    assert "c${A}" in dialplan.contexts  # section names are not substituted
    context = dialplan.contexts["c${A}"]
    assert [e.pattern for e in context.extensions] == ["12"]
    assert context.includes == ("d1",)


def test_hints_are_kept_apart() -> None:
    dialplan = parse_dialplan(
        "[globals]\nDEV=Local/7@x\n[c]\nexten => 7,hint,${DEV}\nexten => 7,1,Dial(${DEV})\n"
    )
    extension = dialplan.contexts["c"].extensions[0]
    assert extension.hint == "Local/7@x"
    assert [p.number for p in extension.priorities] == [1]


def test_aliased_patterns_are_one_extension() -> None:
    dialplan = parse_dialplan(
        "[c]\nexten => _X.,1,NoOp(a)\nexten => _[0-9].,2,NoOp(b)\nexten => _x.,3,NoOp(c)\n"
    )
    assert numbering(dialplan, "c") == [
        ("_X.", 1, None, "NoOp", "a"),
        ("_X.", 2, None, "NoOp", "b"),
        ("_X.", 3, None, "NoOp", "c"),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("same => n,NoOp", "before any 'exten =>'"),
        ("exten => 1,n,NoOp", "first line"),
        ("exten => 1,N(x),NoOp", "unknown label 'N'"),
        ("exten => 1,0,NoOp", "invalid priority '0'"),
        ("exten => 1,x,NoOp", "unknown label 'x'"),
        ("exten => 1", "unknown label ''"),
        ("exten => 1,1(lbl,NoOp", "no closing ')'"),
        ("exten => 1,1,NoOp(unclosed", "no closing parenthesis"),
        (
            "exten => 1,1,NoOp\nexten => 1,1,Wait(1)",
            "priority 1 of extension '1' .* already defined at extensions.conf:2",
        ),
        ("exten => 1,1(a),NoOp\nexten => 1,2(a),NoOp", "label 'a' .* already used at priority 1"),
        ("exten => 1,hint,X\nexten => 1,hint,Y", "hint of extension '1'"),
        ("exten => 1,1,NoOp\nexten => 1,hint,X\n same => n,NoOp", "after a hint"),
        ("exten => ,1,NoOp", "empty extension"),
        ("exten => /123,1,NoOp", "empty extension"),
        ("include => x\ninclude => X", "already included"),
        ("include => x,9:00-17:00,mon-fri,*,*", "time-conditional"),
        ("include =>", "needs a context"),
        ("switch => Realtime/x", "not supported"),
        ("extension => 1,1,NoOp", "unknown directive"),
    ],
)
def test_lines_asterisk_would_drop_are_errors(body: str, message: str) -> None:
    with pytest.raises(DialplanError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        parse_dialplan("[c]\n" + body + "\n")
    assert info.value.filename == "extensions.conf"
    assert info.value.lineno >= 2


def test_globals_cannot_set_functions() -> None:
    with pytest.raises(DialplanError, match="function"):
        parse_dialplan("[globals]\nCDR(x)=1\n")


LOOKUP = parse_dialplan(
    "[main]\n"
    "exten => 100,1,NoOp(exact)\n"
    "exten => _1XX,1,NoOp(pattern)\n"
    " same => n,NoOp(pattern 2)\n"
    " same => n(end),Hangup\n"
    "exten => _1[0-4]X,1,NoOp(narrow set)\n"
    "exten => 200/5551234,1,NoOp(vip)\n"
    "exten => 200/_06XXXXXXXX,1,NoOp(mobile)\n"
    "exten => 200,1,NoOp(anyone)\n"
    "exten => 300,1,NoOp(main 300)\n"
    "include => first\n"
    "include => second\n"
    "[first]\n"
    "exten => 300,2,NoOp(first 300/2)\n"
    "exten => 400,1,NoOp(first 400)\n"
    "include => nested\n"
    "include => main\n"
    "[nested]\n"
    "exten => 500,1,NoOp(nested 500)\n"
    "[second]\n"
    "exten => 400,1,NoOp(second 400)\n"
    "exten => 500,1,NoOp(second 500)\n"
    "exten => _X.,1,NoOp(catch-all)\n"
    "exten => 600(x),1,NoOp\n"
    "include => nosuchcontext\n"
)


def data_at(context: str, exten: str, priority: int = 1, callerid: str | None = None) -> str | None:
    found = LOOKUP.find(context, exten, priority, callerid)
    return None if found is None else found.data


def test_exact_extension_beats_patterns_and_narrow_patterns_beat_wide() -> None:
    assert data_at("main", "100") == "exact"
    assert data_at("main", "1-0-0") == "exact"  # dashes in what is dialled are ignored
    assert data_at("main", "120") == "narrow set"
    assert data_at("main", "150") == "pattern"
    assert data_at("main", "1500") == "catch-all"  # main, first, nested, (main again: skipped), second


def test_a_missing_priority_falls_through_to_the_next_matching_extension() -> None:
    assert data_at("main", "100", 2) == "pattern 2"
    assert LOOKUP.find_label("main", "100", "end") == 3
    assert LOOKUP.find_label("main", "150", "nosuch") is None


def test_includes_are_searched_depth_first_after_the_context_itself() -> None:
    assert data_at("main", "400") == "first 400"
    assert data_at("main", "500") == "nested 500"  # first's include comes before main's second include
    assert data_at("main", "300", 2) == "first 300/2"
    assert data_at("nested", "300") is None
    assert data_at("first", "100") == "exact"  # through first -> main
    matched = LOOKUP.match("main", "500")
    assert matched is not None
    assert (matched[0].name, matched[1].pattern) == ("nested", "500")


def test_include_cycles_and_missing_contexts_end_the_search() -> None:
    assert data_at("first", "999999") == "catch-all"
    assert data_at("first", "nothing") is None
    assert LOOKUP.match("nosuchcontext", "100") is None
    assert not LOOKUP.exists("second", "x")


def test_callerid_restricted_extensions() -> None:
    assert data_at("main", "200", callerid="5551234") == "vip"
    assert data_at("main", "200", callerid="0612345678") == "mobile"
    assert data_at("main", "200", callerid="0112345678") == "anyone"
    assert data_at("main", "200") == "anyone"
    assert [e.callerid for e in LOOKUP.contexts["main"].extensions if e.pattern == "200"] == [
        "5551234",
        "_06XXXXXXXX",
        None,
    ]


def test_exists_and_match_default_to_priority_one() -> None:
    assert LOOKUP.exists("main", "100")
    assert LOOKUP.exists("main", "100", 3)
    assert not LOOKUP.exists("main", "100", 4)
    assert LOOKUP.match("main", "100", 7) is None


def test_load_dialplan_reads_includes_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "extensions.conf").write_text('[c]\n#include "more.conf"\n')
    (tmp_path / "more.conf").write_text("exten => 1,1,NoOp(more)\n")
    dialplan = load_dialplan(tmp_path / "extensions.conf")
    found = dialplan.find("c", "1", 1)
    assert found is not None
    assert (found.data, found.filename, found.lineno) == ("more", str(tmp_path / "more.conf"), 1)


def test_load_dialplan_of_a_missing_file() -> None:
    with pytest.raises(DialplanError, match="cannot read"):
        load_dialplan("/nonexistent/extensions.conf")


def test_the_sample_dialplan() -> None:
    dialplan = load_dialplan(SAMPLE)
    assert dict(dialplan.general) == {"static": "yes", "writeprotect": "yes", "clearglobalvars": "no"}
    assert dict(dialplan.globals) == {}
    assert sorted(dialplan.contexts) == ["agents", "agi", "dtmfsrc", "queue", "queue2", "test"]
    shape = {
        name: [(e.pattern, [p.number for p in e.priorities]) for e in context.extensions]
        for name, context in dialplan.contexts.items()
    }
    assert shape == {
        "test": [
            ("100", [1, 2, 3, 4, 5]),
            ("200", [1, 2, 3, 4]),
            ("300", [1, 2, 3, 4, 5]),
            ("500", [1, 2, 3, 4]),
            ("600", [1, 2, 3, 4, 5, 6, 7, 8]),
            ("700", [1]),
            ("701", [1]),
        ],
        "agi": [("400", [1, 2, 3, 4, 5]), ("401", [1, 2, 3, 4, 5, 6])],
        "dtmfsrc": [("s", [1, 2, 3, 4, 5])],
        "queue": [("800", [1, 2, 3, 4, 5])],
        "agents": [("agent1", [1, 2, 3, 4, 5]), ("agent2", [1, 2, 3, 4, 5]), ("agent3", [1, 2, 3, 4])],
        "queue2": [("810", [1, 2, 3, 4, 5]), ("820", [1, 2, 3, 4, 5])],
    }
    assert dialplan.find("agi", "401", 4) == Priority(
        4, None, "AGI", "agi://127.0.0.1:4573/survey?lang=zh&id=42,first arg,second|x,3", str(SAMPLE), 62
    )
    assert dialplan.find("queue", "800", 3) == Priority(3, None, "Queue", "support,,,,60", str(SAMPLE), 78)


def test_only_newline_ends_a_line_in_a_file(tmp_path: Path) -> None:
    (tmp_path / "extensions.conf").write_bytes(b"[c]\r\nexten => 1,1,NoOp(a\rb)\r\nexten => 2,1,NoOp(\xff)\n")
    dialplan = load_dialplan(tmp_path / "extensions.conf")
    first, second = dialplan.contexts["c"].extensions
    assert (first.priorities[0].data, first.priorities[0].lineno) == ("a\rb", 2)
    assert (second.priorities[0].data, second.priorities[0].lineno) == ("\ufffd", 3)
