"""``bench/ivr.py`` runs end to end (a tiny load), and its caller scripts fit the shipped menu."""

from __future__ import annotations

import gc
import io
import random
from pathlib import Path

from prometheus_client import CollectorRegistry
from sqlalchemy import select

from bench.ivr import SCRIPTS, Pace, ScriptedLine, Window, run
from cti.agi.server import FastAgiServer
from ivr.actions.catalogue import VOCABULARY
from ivr.handler import build_ivr_handler
from ivr.menu_loader import load_menu
from ivr.settings import IvrSettings
from node.root import DEFAULT_MENU
from sim.agi.client import run_fastagi
from storage.db import create_engine_from_settings, session_factory
from storage.ivr_records import IvrOutcome, IvrSession
from storage.settings import StorageSettings
from tests.e2e.ivr.conftest import hotline_today
from tests.support.demo_databases import demo_sqlite_file

EXPECTED = {
    "agent": IvrOutcome.QUEUED,
    "knowledge": IvrOutcome.QUEUED,
    "bill": IvrOutcome.QUEUED,
    "bill_en": IvrOutcome.QUEUED,
    "complaint_vip": IvrOutcome.QUEUED,
    "suggestion": IvrOutcome.SELF_SERVED,
    "fault": IvrOutcome.QUEUED,
}


async def test_every_script_ends_its_call_the_way_it_should(tmp_path: Path) -> None:
    url = await demo_sqlite_file(tmp_path / "b.sqlite3", hotline_today())
    engine = create_engine_from_settings(StorageSettings(url=url))
    sessions = session_factory(engine)
    outcomes: dict[str, IvrOutcome] = {}
    base = build_ivr_handler(sessions, load_menu(DEFAULT_MENU, VOCABULARY), IvrSettings())
    fast = Pace(prompt_s=0.0, say_s=0.0, think_s=0.0)
    window = Window(0.0, float("inf"), [])
    try:
        async with FastAgiServer({"ivr": base}, port=0, registry=CollectorRegistry()) as server:
            for n, script in enumerate(SCRIPTS, 1):
                line = ScriptedLine(n, script, fast, random.Random(n), window)
                assert await run_fastagi(line, f"agi://127.0.0.1:{server.port}/ivr", []) == "SUCCESS"
                assert not line.keys, f"{script.name}: keys left over"
                async with sessions() as db:
                    record = (
                        await db.execute(select(IvrSession).where(IvrSession.uniqueid == line.uniqueid))
                    ).scalar_one()
                assert record.outcome is not None
                outcomes[script.name] = record.outcome
    finally:
        await engine.dispose()
    assert outcomes == EXPECTED
    assert window.gaps and all(gap >= 0 for gap, _ in window.gaps)


async def test_a_small_run_reports_its_levels() -> None:
    out = io.StringIO()
    pace = Pace(prompt_s=0.05, say_s=0.02, think_s=0.05)
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    result = await run(4, 1.0, start=2, pace=pace, bisections=0, progress=out)
    assert gc.get_threshold() == thresholds  # the heap settled for the levels only
    assert (gc.get_freeze_count() == 0) == (frozen == 0)  # (a process that froze its own: left so)
    levels = [lv["sessions"] for lv in result["levels"]]
    assert levels in ([2], [2, 4])  # doubling stops at the first level over the limit
    for level in result["levels"]:
        assert level["commands"] > 0 and level["failed_calls"] == 0
        assert level["p50_ms"] <= level["p99_ms"] <= level["max_ms"]
    assert result["limit_ms"] == 50.0 and result["database"] == "sqlite+aiosqlite"
    assert result["sessions"] == max([lv["sessions"] for lv in result["levels"] if lv["ok"]], default=0)
    assert out.getvalue().count("ivr bench:") == len(levels)
