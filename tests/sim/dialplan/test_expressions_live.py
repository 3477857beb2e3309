"""The recorded substitution cases, re-checked against a running Asterisk (skipped when there is none).

Each batch of cases is evaluated with one ``dialplan eval function "PASSTHRU(...)"`` call, the cases
separated by a control character no case contains.  Only cases whose brackets and braces balance are
batched (substituting them side by side gives what substituting each alone gives); the others, like
``$[abc =~ "["]`` whose ``$[`` is never closed, are evaluated one by one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sim.dialplan.expressions import substitute
from sim.dialplan.functions import StaticResolver
from tests.sim.dialplan.asterisk_cli import cli_quote, wait_until_booted
from tests.sim.dialplan.asterisk_expressions import CASES, GLOBALS
from tests.support.real_asterisk import RealAsterisk, real_asterisk

pytestmark = pytest.mark.conformance

SEPARATOR = "\x1f"
BATCH_CHARS = 380  # a remote CLI command longer than about 450 bytes is not run at all


def evaluate(ast: RealAsterisk, text: str) -> str:
    output = ast.cli(f'dialplan eval function "PASSTHRU({cli_quote(text)})"')
    lines = output.split("\n")
    assert lines[0].startswith("Return Value: Success"), output
    assert lines[1].startswith("Result: "), output
    return lines[1][len("Result: ") :]


def balanced(text: str) -> bool:
    return text.count("[") == text.count("]") and text.count("{") == text.count("}")


def batches() -> Iterator[list[tuple[str, str]]]:
    batch: list[tuple[str, str]] = []
    size = 0
    for text, expected in CASES:
        if not balanced(text):
            yield [(text, expected)]
            continue
        length = len(cli_quote(text).encode()) + 1
        if batch and size + length > BATCH_CHARS:
            yield batch
            batch, size = [], 0
        batch.append((text, expected))
        size += length
    if batch:
        yield batch


@pytest.fixture(scope="module")
def asterisk() -> Iterator[RealAsterisk]:
    with real_asterisk() as ast:
        wait_until_booted(ast)
        for name, value in GLOBALS.items():
            ast.cli(f'dialplan set global {name} "{cli_quote(value)}"')
        yield ast


def test_recorded_cases_still_hold_on_the_real_asterisk(asterisk: RealAsterisk) -> None:
    assert all(SEPARATOR not in text for text, _ in CASES)
    mismatches = []
    for batch in batches():
        results = evaluate(asterisk, SEPARATOR.join(text for text, _ in batch)).split(SEPARATOR)
        assert len(results) == len(batch)
        mismatches += [
            (text, expected, got)
            for (text, expected), got in zip(batch, results, strict=True)
            if got != expected
        ]
    assert mismatches == []


def test_more_expressions_agree_with_the_real_asterisk(asterisk: RealAsterisk) -> None:
    texts = [
        "$[ (3 + 4) * 2 - 1 ]",
        "$[ ${N} % 3 = 2 ? two :: other ]",
        '$[ "${G}" =~ "l+" ]',
        "$[ 12 : (1)(2) ]",
        "$[ 99999999999999999999 / 7 ]",
        "${IF($[ ${LEN(${G})} > 4 ]?long:short)}",
        "${CUT(LIST,-,2-3&1)}",
        "$[ 0.1 * 0.1 ]",
    ]
    resolver = StaticResolver(dict(GLOBALS))
    assert [evaluate(asterisk, text) for text in texts] == [substitute(text, resolver) for text in texts]
