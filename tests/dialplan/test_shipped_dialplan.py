"""The shipped ``dialplan/extensions.conf``: it loads in the real Asterisk without a complaint,
and our reader sees exactly the contexts and priorities Asterisk does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.dialplan.config import load_dialplan
from tests.support.real_asterisk import real_asterisk

DIALPLAN = Path(__file__).resolve().parents[2] / "dialplan" / "extensions.conf"


def test_our_reader_loads_it() -> None:
    plan = load_dialplan(DIALPLAN)
    for context in ("from-pstn", "hotline", "acd-wait", "acd-connect", "qa-spy", "hold", "agent-park"):
        assert context in plan.contexts
    assert plan.exists("from-pstn", "10000")
    assert plan.exists("acd-connect", "1001")  # any agent extension
    assert plan.globals["HOTLINE_AGI"].startswith("agi://")


@pytest.mark.conformance
def test_it_loads_in_the_real_asterisk_without_errors() -> None:
    with real_asterisk(extensions=DIALPLAN) as ast:
        ast.cli("core waitfullybooted")
        log = ast.console_log()
        problems = [
            line
            for line in log.splitlines()
            if ("pbx_config" in line or "extensions.conf" in line) and re.search(r"WARNING|ERROR", line)
        ]
        assert problems == []
        plan = load_dialplan(DIALPLAN)
        for name, context in plan.contexts.items():
            shown = ast.cli(f"dialplan show {name}")
            assert f"[ Context '{name}' created by 'pbx_config' ]" in shown
            total = sum(len(ext.priorities) for ext in context.extensions)
            m = re.search(r"-= (\d+) extensions? \((\d+) priorit(?:y|ies)\) in 1 context\. =-", shown)
            assert m is not None, shown
            assert (int(m.group(1)), int(m.group(2))) == (len(context.extensions), total), name
