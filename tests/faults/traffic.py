"""Steady simulated traffic through a simulated hotline, and what must hold once it has drained.

:func:`run_traffic` places ``calls`` callers on ``[acd-callers]`` one every ``every_s`` simulated
seconds while ``during`` (the fault) runs beside it, then waits until every caller is done and
the ACD has settled.  :func:`check_nothing_lost` then checks the invariants a fault must not break:
every caller the ACD queued ended exactly once (answered and ended, or abandoned), no agent's
phone carried two calls at once, the ACD holds no call, and every agent is available again.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Awaitable, Callable

from acd.agent_state import AgentState
from acd.events import CallAbandoned, CallEnded, CallQueued
from sim.callers import Caller
from sim.distributions import Fixed
from tests.cti.acd_bridge.harness import Hotline


async def run_traffic(
    line: Hotline,
    *,
    calls: int,
    every_s: float,
    patience_s: float,
    during: Callable[[], Awaitable[None]] | None = None,
    drain_timeout_s: float = 60.0,
) -> list[Caller]:
    """Place the callers (simulated seconds apart), run ``during`` beside them, wait till all are done."""
    callers: list[Caller] = []

    async def place() -> None:
        for i in range(calls):
            callers.append(line.call("100", f"1380000{i:04d}", patience=Fixed(patience_s)))
            await line.sim.clock.sleep(every_s)

    async with asyncio.TaskGroup() as group:
        group.create_task(place())
        if during is not None:
            group.create_task(during())
    await line.until(lambda: all(c.done.is_set() for c in callers), timeout_s=drain_timeout_s)
    return callers


def terminal_counts(line: Hotline) -> Counter[str]:
    """How many times each queued caller's call ended (answered and ended, or abandoned)."""
    ended: Counter[str] = Counter()
    for event in line.events:
        if isinstance(event, CallEnded | CallAbandoned):
            ended[event.entry.entry_id] += 1
    return ended


async def settled(line: Hotline) -> bool:
    """The ACD holds no call and every logged-in agent is available."""
    if await line.acd.service.store.calls():
        return False
    statuses = await line.acd.service.store.statuses()
    return all(s.state is AgentState.AVAILABLE for s in statuses.values())


async def until_settled(line: Hotline, timeout_s: float = 30.0) -> None:
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                if await settled(line):
                    return
                await asyncio.sleep(0.05)  # polled: the simulator and the node change it
    except TimeoutError:
        calls = await line.acd.service.store.calls()
        statuses = await line.acd.service.store.statuses()
        stuck = {a: str(s.state) for a, s in statuses.items() if s.state is not AgentState.AVAILABLE}
        held = [(c.entry.entry_id, str(c.phase)) for c in calls]
        raise AssertionError(
            f"not settled after {timeout_s} s: calls held {held}, agents not available {stuck}"
        ) from None


def check_nothing_lost(line: Hotline, callers: list[Caller]) -> None:
    queued = {e.entry.entry_id for e in line.events if isinstance(e, CallQueued)}
    placed = {c.record.uniqueid for c in callers if c.record is not None}
    assert queued <= placed
    assert len(queued) >= len(placed) * 0.9, "most callers reach the ACD"
    ended = terminal_counts(line)
    assert set(ended) == queued, f"calls queued but never ended: {sorted(queued - set(ended))}"
    assert [uid for uid, n in ended.items() if n > 1] == [], "a call ended twice"
    answered = {c.record.uniqueid for c in callers if c.record is not None and c.record.connected_to}
    assert answered, "some callers were answered"
    for phone in line.sim.phones.values():
        spans = sorted(
            (call.answered_at, call.ended_at or float("inf"))
            for call in phone.calls
            if call.answered_at is not None
        )
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end, f"phone {phone.profile.extension} carried two calls at once"
