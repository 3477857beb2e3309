"""Several CTI nodes: presence that expires when a node dies, and state that outlives a service."""

from __future__ import annotations

import asyncio

from acd.agent_state import AgentState
from acd.clock import ManualClock
from acd.model import SkillRequirement
from acd.settings import AcdSettings, RedisSettings
from acd.store import CallPhase, open_store
from acd.store_memory import MemoryStore
from acd.telephony import OfferEnd

from .conftest import ServiceFactory
from .support import AgentHistory, FakeTelephony, agent

BILLING = SkillRequirement("billing")


async def test_a_dead_nodes_agents_go_and_its_ringing_call_returns_to_the_queue(
    make_service: ServiceFactory, clock: ManualClock, telephony: FakeTelephony, history: AgentHistory
) -> None:
    a = await make_service("node-a", presence_ttl_s=0.2)
    b = await make_service("node-b")
    for agent_id in ("x", "y"):
        await a.register_agent(agent(agent_id))
        await a.login(agent_id)
        clock.advance(1)
    await b.register_agent(agent("z"))
    await b.login("z")
    await b.pause("z", "break")
    await a.enqueue("u1", BILLING, "normal", "chengdu")
    assert telephony.offers() == [("u1", "x")]

    await asyncio.sleep(0.3)  # node-a stops heart-beating: its Redis presence key expires ...
    clock.advance(1)  # ... and so does its presence by the in-memory store's clock
    await b.tick()

    for agent_id in ("x", "y"):
        assert (await b.status(agent_id)).state is AgentState.LOGGED_OUT
    record = await b.store.call("u1")
    assert record is not None and record.phase is CallPhase.WAITING
    assert record.entry.history[-1].kind == "agent-left"
    assert ("u1", "x", OfferEnd.AGENT_GONE) in telephony.cancels
    assert await b.store.dead_nodes(clock.now()) == []
    await b.unpause("z")
    assert telephony.offers()[-1] == ("u1", "z")
    assert await b.store.audit(clock.now()) == []
    assert history.problems() == []


async def test_a_node_that_keeps_beating_is_not_reaped(
    make_service: ServiceFactory, clock: ManualClock, telephony: FakeTelephony
) -> None:
    a = await make_service("node-a", presence_ttl_s=30)
    b = await make_service("node-b", presence_ttl_s=30)
    await a.register_agent(agent("x"))
    await a.login("x")
    for _ in range(5):
        clock.advance(9)
        await a.tick()
        await b.tick()
    assert (await a.status("x")).state is AgentState.AVAILABLE


async def test_a_restarted_service_carries_on_from_the_stored_state(
    make_service: ServiceFactory, clock: ManualClock, telephony: FakeTelephony, history: AgentHistory
) -> None:
    """For Redis this is a CTI restart: a new process (new connection) on the same keys."""
    before = await make_service("node-1")
    for agent_id in ("j1", "j2", "j3"):
        await before.register_agent(agent(agent_id))
        await before.login(agent_id)
        clock.advance(1)
    await before.enqueue("u1", BILLING, "normal", "chengdu")  # rings j1
    await before.enqueue("u2", BILLING, "normal", "chengdu")  # rings j2 ...
    await before.agent_answered("u2", "j2")  # ... who answers
    await before.pause("j3", "break")
    clock.advance(1)
    await before.enqueue("u3", BILLING, "vip", "chengdu")  # waits
    statuses = await before.store.statuses()
    calls = await before.store.calls()

    after = await make_service("node-1")  # the restarted node
    assert await after.store.statuses() == statuses
    assert await after.store.calls() == calls
    assert after.stats.snapshot(clock.now()).total.waiting == 2  # u1 (ringing) and u3
    assert await after.position("u3") == (0, None)

    clock.advance(15)
    await after.tick()  # j1's ring timed out while the node was down
    assert (await after.status("j1")).reason == "no-answer"
    assert await after.call_hung_up("u2")
    clock.advance(10)
    await after.tick()  # j2's wrap-up ends: the requeued u1 is at the head, ahead of the VIP
    assert telephony.offers()[-1] == ("u1", "j2")
    assert await after.store.audit(clock.now()) == []
    assert history.problems() == []


async def test_open_store_follows_the_settings() -> None:
    store = await open_store(AcdSettings(store="memory"), RedisSettings())
    assert isinstance(store, MemoryStore)
