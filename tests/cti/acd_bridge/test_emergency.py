"""An emergency (a lost phone the IVR could not suspend) through the simulated hotline and the ACD
with the shipped rules: it jumps every line, and after a short wait an agent of any prefecture
takes it — before ordinary callers who were queued earlier."""

from __future__ import annotations

from pathlib import Path

from acd.agent_state import AgentState
from acd.events import CallAnswered, CallQueued
from bench.hotline_calls import Line
from sim.distributions import Fixed
from sim.phones import PhoneProfile

from .harness import agent, hotline

LINES = {
    "100": Line("general", prefecture="lanzhou"),
    "119": Line("emergency", prefecture="tianshui"),  # the caller's line is in another prefecture
}


async def test_an_emergency_is_answered_before_ordinary_calls_queued_earlier(tmp_path: Path) -> None:
    phones = [PhoneProfile("1001", ring=Fixed(0.5), talk=None)]
    agents = [agent("1001", skills="general,emergency")]  # Lanzhou
    async with hotline(tmp_path, phones=phones, agents=agents, lines=LINES) as line:
        busy = line.call("100", number="13800000001", talk=Fixed(15.0))
        await line.until_state("agent-1001", AgentState.ON_CALL)
        ordinary = [line.call("100", number=f"1380000001{n}", talk=Fixed(1.0)) for n in range(3)]
        await line.until(lambda: len(line.of(CallQueued)) == 4)
        emergency = line.call("119", number="13912345678", talk=Fixed(1.0))
        await line.until(lambda: len(line.of(CallQueued)) == 5)
        await line.until(lambda: all(c.done.is_set() for c in (busy, emergency, *ordinary)), timeout_s=60)
        answered = [e.entry.uniqueid for e in line.of(CallAnswered)]
    uniqueid = {c: c.record.uniqueid for c in (busy, emergency, *ordinary) if c.record is not None}
    assert answered[:2] == [uniqueid[busy], uniqueid[emergency]]  # the first free agent: the emergency
    assert answered[2:] == [uniqueid[c] for c in ordinary]
    queued = {e.entry.uniqueid: e.entry for e in line.of(CallQueued)}
    assert queued[uniqueid[emergency]].rule == "emergency"
    assert queued[uniqueid[emergency]].enqueued_at > max(queued[uniqueid[c]].enqueued_at for c in ordinary)
