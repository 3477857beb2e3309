"""The recorder on the simulated Asterisk: a call answered by an agent and a caller who gives up
in the queue are written as call records as they end, consistent with Asterisk's ``Cdr`` events
(duration, billsec, disposition of the caller's channel), with the pre-aggregates kept."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from acd.agent_state import AgentState
from acd.events import CallEnded
from sim.distributions import Fixed
from sim.phones import PhoneProfile
from storage.call_records import CALL_LEGS, CALL_RECORDS
from storage.report_cubes import CUBES
from tests.cti.acd_bridge.harness import Hotline, hotline


async def _rows(line: Hotline, table: Any) -> list[dict[str, Any]]:
    async with line.node.sessions() as db:
        return [dict(r) for r in (await db.execute(select(table))).mappings()]


async def _written(line: Hotline, n: int) -> list[dict[str, Any]]:
    reports = line.node.reports
    assert reports is not None
    async with asyncio.timeout(30):
        while True:
            await reports.flush()
            rows = await _rows(line, CALL_RECORDS)
            if len(rows) >= n:
                return rows
            await asyncio.sleep(0.1)  # polled: calls finish on the simulator's clock


async def test_an_answered_and_an_abandoned_call_agree_with_asterisks_cdr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_REPORTS__SETTLE_S", "5")
    monkeypatch.setenv("HOTLINE_REPORTS__FLUSH_EVERY_S", "0.2")
    phones = [PhoneProfile("1001", ring=Fixed(2.0), talk=Fixed(5.0))]
    async with hotline(tmp_path, phones=phones) as line:
        caller = line.call("100")
        await line.until(lambda: caller.done.is_set(), timeout_s=15)
        await line.until(lambda: bool(line.of(CallEnded)))
        await line.until_state("agent-1001", AgentState.AVAILABLE)
        await line.acd.pause("agent-1001", "meeting")
        quitter = line.call("100", number="13800000002", patience=Fixed(3.0))
        await line.until(lambda: quitter.done.is_set(), timeout_s=15)
        rows = await _written(line, 2)
        legs = await _rows(line, CALL_LEGS)
        async with line.node.sessions() as db:
            cube = (await db.execute(select(CUBES["calls"]["day"].table))).mappings().all()

    by_outcome = {r["outcome"]: r for r in rows}
    answered, abandoned = by_outcome["answered"], by_outcome["abandoned_in_queue"]
    for row in (answered, abandoned):
        assert row["direction"] == "inbound" and row["prefecture"] == "lanzhou" and row["skill"] == "general"
        assert row["cdr_duration_s"] is not None, "Asterisk's Cdr came"
        lasted = (row["hung_up_at"] - row["arrived_at"]).total_seconds()
        assert abs(lasted - row["cdr_duration_s"]) <= 1.0, (lasted, row["cdr_duration_s"])
        if row["channel_answered_at"] is not None:
            billed = (row["hung_up_at"] - row["channel_answered_at"]).total_seconds()
            assert abs(billed - row["cdr_billsec_s"]) <= 1.0, (billed, row["cdr_billsec_s"])
            assert row["cdr_disposition"] == "ANSWERED"
        else:
            assert row["cdr_billsec_s"] == 0
    assert answered["first_agent"] == "agent-1001" and answered["hung_up_by"] in ("caller", "agent")
    assert abandoned["first_agent"] == "" and abandoned["queue_wait_ms"] >= 2000
    (leg,) = [leg for leg in legs if leg["call_id"] == answered["call_id"]]
    assert 4_000 <= leg["talk_ms"] <= 7_000
    assert sum(r["offered"] for r in cube) == 2 and sum(r["answered"] for r in cube) == 1
