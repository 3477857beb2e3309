"""Races, with real concurrency: asyncio tasks, and for Redis two services (two nodes) on two
connections to the same state.  After each race every agent and call must be in a consistent
state (store audit), each agent's history one chain of versions, and after draining the timers
no agent or call may be left ringing, talking or wrapping up."""

from __future__ import annotations

import asyncio
import random

import pytest

from acd.agent_state import AgentState
from acd.clock import ManualClock
from acd.errors import IllegalTransition
from acd.model import Segment, SkillRequirement, WaitingCall
from acd.service import AcdService
from acd.store import CallPhase, CallPut, Change

from .conftest import ServiceFactory
from .support import AgentHistory, FakeTelephony, agent, drain

BILLING = SkillRequirement("billing")


async def nodes(make_service: ServiceFactory) -> tuple[AcdService, AcdService]:
    return await make_service("node-a"), await make_service("node-b")


async def check(services: list[AcdService], clock: ManualClock, history: AgentHistory) -> None:
    store = services[0].store
    assert await store.audit(clock.now()) == []
    await drain(services, clock)
    assert await store.audit(clock.now()) == []
    assert history.problems() == []
    for agent_id, status in (await store.statuses()).items():
        assert status.state in (AgentState.AVAILABLE, AgentState.PAUSED, AgentState.LOGGED_OUT), agent_id
    assert all(c.phase is CallPhase.WAITING for c in await store.calls())


async def test_caller_hangs_up_while_the_dial_is_under_way(
    service: AcdService, clock: ManualClock, telephony: FakeTelephony, history: AgentHistory
) -> None:
    await service.register_agent(agent("j1"))
    await service.login("j1")
    telephony.hold = asyncio.Event()
    routing = asyncio.create_task(service.enqueue("u1", BILLING, "normal", "chengdu"))
    await asyncio.wait_for(telephony.dialling.wait(), 5)  # the dial has started
    telephony.caller_gone.add("u1")
    assert await service.call_hung_up("u1")  # Hangup arrives before connect() returns
    telephony.hold.set()
    await routing
    status = await service.status("j1")
    assert status.state is AgentState.AVAILABLE and status.entry_id is None
    assert await service.store.call("u1") is None
    assert service.stats.snapshot(clock.now()).total.abandoned == 1
    await check([service], clock, history)


@pytest.mark.parametrize("round_", range(4))
async def test_caller_hangs_up_as_the_ring_times_out(
    make_service: ServiceFactory, clock: ManualClock, history: AgentHistory, round_: int
) -> None:
    a, b = await nodes(make_service)
    await a.register_agent(agent("j1"))
    await a.login("j1")
    await a.enqueue("u1", BILLING, "normal", "chengdu")
    clock.advance(15)
    results = await asyncio.gather(b.tick(), a.call_hung_up("u1"), return_exceptions=True)
    assert not any(isinstance(r, BaseException) for r in results), results
    assert await a.store.call("u1") is None
    assert (await a.status("j1")).state in (AgentState.AVAILABLE, AgentState.PAUSED)
    await check([a, b], clock, history)


@pytest.mark.parametrize("round_", range(6))
async def test_agent_answers_as_the_caller_leaves(
    make_service: ServiceFactory, clock: ManualClock, history: AgentHistory, round_: int
) -> None:
    a, b = await nodes(make_service)
    await a.register_agent(agent("j1"))
    await a.login("j1")
    await a.enqueue("u1", BILLING, "normal", "chengdu")
    clock.advance(3)
    first, second = (a.agent_answered("u1", "j1"), b.call_hung_up("u1"))
    if round_ % 2:
        answered, hung_up = await asyncio.gather(first, second)
    else:
        hung_up, answered = await asyncio.gather(second, first)
    assert hung_up
    status = await a.status("j1")
    if answered:  # answer first, then the hang-up ended the conversation
        assert status.state is AgentState.WRAP_UP
        answers = [n.stats.snapshot(clock.now()).total.answered for n in (a, b)]
        assert sum(answers) == 1
    else:  # the caller left first: the late answer is refused, the agent is free again
        assert status.state is AgentState.AVAILABLE
    assert await a.store.call("u1") is None
    await check([a, b], clock, history)


async def test_two_offers_for_one_agent_at_once(
    make_service: ServiceFactory, clock: ManualClock, telephony: FakeTelephony, history: AgentHistory
) -> None:
    a, b = await nodes(make_service)
    await a.register_agent(agent("j1"))
    await a.login("j1")
    await a.pause("j1", "break")
    for i in range(10):
        await (a if i % 2 else b).enqueue(f"u{i}", BILLING, "normal", "chengdu")
        clock.advance(1)
    # the agent comes back on one node while both nodes route new calls for it
    await asyncio.gather(
        a.unpause("j1"),
        *[(a if i % 2 else b).enqueue(f"n{i}", BILLING, "normal", "chengdu") for i in range(10)],
    )
    assert len(telephony.offers()) == 1
    assert telephony.offers()[0][0] == "u0"  # the best-placed call, whichever node decided
    assert history.problems() == []
    await check([a, b], clock, history)


async def test_a_new_call_finds_an_agent_with_a_better_call_waiting(
    make_service: ServiceFactory, clock: ManualClock, telephony: FakeTelephony, history: AgentHistory
) -> None:
    """The window of the test above, made deterministic: another node has stored a call and not
    yet routed it when this node routes a newer one.  The agent chosen for the newer call takes
    the older call, and the newer call goes on to the next agent."""
    a, b = await nodes(make_service)
    for agent_id in ("j1", "j2"):
        await a.register_agent(agent(agent_id))
        await a.login(agent_id)
        clock.advance(1)
    now = clock.now()
    rule = b.routing.rule_for(Segment.NORMAL, BILLING)
    call = WaitingCall("u0", BILLING, Segment.NORMAL, "chengdu", now, rule.name)
    score = b.routing.priority.score(Segment.NORMAL, now)
    put = CallPut(call, CallPhase.WAITING, None, score, now, rule.state_at(call, now))
    assert await b.store.commit(Change(calls=(put,)))  # node b's enqueue, before its routing
    clock.advance(1)
    await a.enqueue("n1", BILLING, "normal", "chengdu")
    assert telephony.offers() == [("u0", "j1"), ("n1", "j2")]
    assert history.problems() == []
    await check([a, b], clock, history)


async def test_many_agents_many_calls_two_nodes_never_double_book(
    make_service: ServiceFactory, clock: ManualClock, telephony: FakeTelephony, history: AgentHistory
) -> None:
    a, b = await nodes(make_service)
    for i in range(8):
        await a.register_agent(agent(f"j{i}"))
    await asyncio.gather(*[(a if i % 2 else b).login(f"j{i}") for i in range(8)])
    await asyncio.gather(
        *[(a if i % 2 else b).enqueue(f"u{i}", BILLING, "normal", "chengdu") for i in range(30)]
    )
    offers = telephony.offers()
    assert len(offers) == 8 and len({agent_id for _, agent_id in offers}) == 8
    assert len({entry for entry, _ in offers}) == 8
    await check([a, b], clock, history)


@pytest.mark.parametrize("round_", range(4))
async def test_pause_during_ringing_races_the_answer(
    make_service: ServiceFactory, clock: ManualClock, history: AgentHistory, round_: int
) -> None:
    a, b = await nodes(make_service)
    await a.register_agent(agent("j1"))
    await a.login("j1")
    await a.enqueue("u1", BILLING, "normal", "chengdu")
    pause, answer = a.pause("j1", "break"), b.agent_answered("u1", "j1")
    results = await (asyncio.gather(pause, answer) if round_ % 2 else asyncio.gather(answer, pause))
    assert all(not isinstance(r, BaseException) for r in results)
    status = await a.status("j1")
    assert (status.state, status.pending_pause) == (AgentState.ON_CALL, "break")
    await b.call_hung_up("u1")
    clock.advance(10)
    await a.tick()
    status = await a.status("j1")
    assert (status.state, status.reason) == (AgentState.PAUSED, "break")
    await check([a, b], clock, history)


@pytest.mark.parametrize("other", ["ring-timeout", "caller-leaves"])
async def test_pause_during_ringing_races_the_end_of_the_offer(
    make_service: ServiceFactory, clock: ManualClock, history: AgentHistory, other: str
) -> None:
    a, b = await nodes(make_service)
    await a.register_agent(agent("j1"))
    await a.login("j1")
    await a.enqueue("u1", BILLING, "normal", "chengdu")
    if other == "ring-timeout":
        clock.advance(15)
    ending = b.tick() if other == "ring-timeout" else b.call_hung_up("u1")
    await asyncio.gather(a.pause("j1", "break"), ending)
    status = await a.status("j1")
    assert status.state is AgentState.PAUSED
    assert status.reason in ("break", "no-answer")
    await check([a, b], clock, history)


@pytest.mark.parametrize("seed", [7, 11])
async def test_random_storm_on_two_nodes(
    make_service: ServiceFactory,
    clock: ManualClock,
    telephony: FakeTelephony,
    history: AgentHistory,
    seed: int,
) -> None:
    """Agents and callers act at random, concurrently, through both nodes."""
    rng = random.Random(seed)
    services = list(await nodes(make_service))
    agents = [f"j{i}" for i in range(12)]
    for agent_id in agents:
        await services[0].register_agent(agent(agent_id, rng.choice(["junior", "senior"])))
        await rng.choice(services).login(agent_id)

    async def caller(i: int) -> None:
        node = rng.choice(services)
        await node.enqueue(f"u{i}", BILLING, rng.choice(["normal", "vip"]), "chengdu")
        await asyncio.sleep(0)
        if rng.random() < 0.2:
            await rng.choice(services).call_hung_up(f"u{i}")

    async def phone(agent_id: str) -> None:
        for _ in range(20):
            await asyncio.sleep(0)
            node = rng.choice(services)
            status = await node.status(agent_id)
            roll = rng.random()
            if status.state is AgentState.RESERVED and status.entry_id:
                if roll < 0.6:
                    await node.agent_answered(status.entry_id, agent_id)
                elif roll < 0.8:
                    await node.agent_not_answered(status.entry_id, agent_id)
                else:
                    await node.pause(agent_id, "break")
            elif status.state is AgentState.ON_CALL and status.entry_id:
                await node.call_hung_up(status.entry_id)
            elif status.state is AgentState.PAUSED:
                await node.unpause(agent_id)
            elif status.state is AgentState.WRAP_UP:
                await node.ready(agent_id)

    async def supervisor() -> None:
        for _ in range(3):
            await asyncio.sleep(0)
            agent_id = rng.choice(agents)
            if (await services[0].status(agent_id)).logged_in:
                await services[0].force_logout(agent_id, by="sup")

    results = await asyncio.gather(
        *[caller(i) for i in range(100)],
        *[phone(agent_id) for agent_id in agents],
        supervisor(),
        return_exceptions=True,
    )
    # an agent command can lose a race (e.g. unpause after a forced logout): an illegal
    # transition is a refused command, not a failure; anything else is
    unexpected = [r for r in results if isinstance(r, BaseException) and not isinstance(r, IllegalTransition)]
    assert unexpected == []
    await check(services, clock, history)
