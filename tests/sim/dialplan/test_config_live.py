"""Our reading of extensions.conf against what a real Asterisk loads (``dialplan show``).

Skipped with a message where no Asterisk is available (``tests/support/real_asterisk.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.dialplan.config import Dialplan, load_dialplan, parse_dialplan
from sim.dialplan.patterns import strip_fluff
from tests.sim.dialplan.asterisk_cli import wait_until_booted
from tests.support.real_asterisk import real_asterisk
from tests.support.shared import shared_path

pytestmark = pytest.mark.conformance

SAMPLE = shared_path("conf", "extensions.sample.conf")

INCLUDED = """\
exten => 800,1,NoOp(an included file continues the section it is included in)
 same => n,Wait(1)
[incctx]
exten => 850,1,NoOp(a section of the included file)
"""

RICH = """\
[general]
static=yes
writeprotect=no

[globals]
TRUNK=Local
_INHERITED=yes
DEST=${TRUNK}/500@inner

[main]
exten => 100,1,NoOp(first ${CHANNEL})
 same => n,Set(A=1)
 same => n(check),GotoIf($[${A} = 1]?done)
 same => n,NoOp(skipped)
 same => n(done),Hangup()
exten => 101,1(start),Answer
exten => 101,n,Wait(1)
exten => 101,10,NoOp(ten)
exten => 101,n(eleven),NoOp(eleven)
exten => 101,start+5,NoOp(six)
exten => 102,n,NoOp(n counts from the previous line of the section)
exten => 1-03,1,NoOp(dashes stay in the name)
exten => 4 04,1,NoOp(spaces do not)
exten => _1XX,1,NoOp(pattern)
 same => n(two),NoOp(pattern two)
exten => _[1-3]X.,1,NoOp(set)
exten => _X.,1,NoOp(catch-all)
exten => _[0-9].,2,NoOp(the same extension as _X.)
exten => _1NXX!,1,NoOp(bang)
exten => _1X,1,NoOp(two digits)
exten => _1.,1,NoOp(one and more)
exten => _ZXX,1,NoOp(z)
exten => _age[n]t.,1,NoOp(agents)
exten => _NXXNXXXXXX,1,NoOp(ten digits)
exten => _1-800-NXX-XXXX,1,NoOp(toll free)
exten => 200/1234,1,NoOp(vip)
exten => 200/_0X.,1,NoOp(national)
exten => 200,1,NoOp(anyone)
exten => 300,hint,${DEST}
exten => 300,1,Dial(${DEST},20,tT)
 same => n,Hangup
exten => 400,1,NoOp(four hundred)
exten => 401,1,NoOp(four oh one)
 same => n,NoOp(same follows the latest exten)
exten => s,1,NoOp(a\\;semicolon) ; a comment
exten => s,2,Set(X="quoted, with comma")
exten => s,3,NoOp(nested(parens,and),commas)
;-- a block comment
exten => 999,1,NoOp(hidden)
--;
exten => i,1,Playback(invalid) ;-- inline --;
exten => t,1,NoOp(in;-- x --;line)
exten => ${TRUNK},1,NoOp(name from a global)
include => inner
include => other
#include "{included}"

[inner]
exten => 500,1,NoOp(inner)
include => deeper

[deeper]
exten => 600,1,NoOp(deeper)
include => main

[other]
exten => _5XX,1,NoOp(other pattern)

[tpl](!)
exten => 900,1,NoOp(from the template)

[derived](tpl)
exten => 901,1,NoOp(own)

[main](+)
exten => 700,1,NoOp(appended to main)
 same => n,NoOp(numbering goes on)
"""

LINE = re.compile(
    r"^  (?:'(?P<ext>.*?)'(?: \(CID match '(?P<cid>.*?)'\))? =>|\s*(?:\[(?P<label>[^\]]*)\])?)"
    r"\s*(?P<body>(?:\d+\. |hint: ).*?)\s+\[(?P<where>[^\]]*)\]$"
)
INCLUDE = re.compile(r"^  Include =>\s+'(?P<name>[^']*)'")


Shown = dict[str, list[tuple[str, ...]]]


def shown_by_asterisk(output: str) -> Shown:
    """``dialplan show`` as (extension, cid, label, "N. App(data)", file:line) rows per context."""
    contexts: Shown = {}
    rows: list[tuple[str, ...]] = []
    extension = cid = ""
    for line in output.splitlines():
        header = re.match(r"^\[ Context '(?P<name>.*)' created by '(?P<registrar>.*)' \]$", line)
        if header:
            rows = contexts.setdefault(header["name"], []) if header["registrar"] == "pbx_config" else []
            continue
        include = INCLUDE.match(line)
        if include:
            rows.append(("include", include["name"]))
            continue
        match = LINE.match(line)
        if match:
            if match["ext"] is not None:
                extension, cid = match["ext"], match["cid"] or ""
            rows.append((extension, cid, match["label"] or "", match["body"], match["where"]))
    return contexts


def shown_by_us(dialplan: Dialplan) -> Shown:
    contexts: Shown = {}
    for name, context in dialplan.contexts.items():
        rows: list[tuple[str, ...]] = []
        for extension in context.extensions:
            cid = strip_fluff(extension.callerid) if extension.callerid is not None else ""
            lines: list[tuple[str, str, str]] = []
            if extension.hint is not None:
                lines.append(("", f"hint: {extension.hint}", ""))
            for p in extension.priorities:
                body = f"{p.number}. {p.app}({p.data})"
                lines.append((p.label or "", body, f"{Path(p.filename).name}:{p.lineno}"))
            for i, (label, body, where) in enumerate(lines):
                rows.append((extension.pattern, cid, "" if i == 0 else label, body, where))
        rows += [("include", included) for included in context.includes]
        contexts[name] = rows
    return contexts


def without_hint_places(shown: Shown) -> Shown:
    """Hint rows carry the line of the hint, which our model does not keep: compare them without it."""
    return {
        name: [(*row[:4], "") if len(row) > 3 and row[3].startswith("hint: ") else row for row in rows]
        for name, rows in shown.items()
    }


def test_numbering_labels_includes_and_order_match_the_real_asterisk(tmp_path: Path) -> None:
    included = tmp_path / "included.conf"
    included.write_text(INCLUDED)
    extensions = tmp_path / "extensions.conf"
    extensions.write_text(RICH.replace("{included}", str(included)))
    ours = shown_by_us(load_dialplan(extensions))
    with real_asterisk(extensions=extensions) as ast:
        wait_until_booted(ast)
        theirs = shown_by_asterisk(ast.cli("dialplan show"))
        errors = [
            line for line in ast.console_log().splitlines() if "pbx_config" in line and "WARNING" in line
        ]
    assert errors == []
    assert sorted(theirs) == ["deeper", "derived", "incctx", "inner", "main", "other"]
    assert without_hint_places(ours) == without_hint_places(theirs)
    assert ("300", "", "", "hint: Local/500@inner", "") in without_hint_places(ours)["main"]


def test_the_sample_dialplan_matches_the_real_asterisk() -> None:
    ours = shown_by_us(parse_dialplan(SAMPLE.read_text(), "extensions.conf"))  # start.sh copies it so
    with real_asterisk() as ast:
        wait_until_booted(ast)
        theirs = shown_by_asterisk(ast.cli("dialplan show"))
    assert ours == theirs
