"""The wallboards' figures over shared state: two services (two nodes) on one store show the same
figures, though each hears only its own events; each event is counted once, even when retried."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from acd.clock import ManualClock
from acd.events import CallAnswered
from acd.model import Segment, SkillRequirement, WaitingCall
from acd.settings import AcdSettings
from acd.stats import TALLY_SEEN_S, LiveStats, TallyStep, tally_step
from acd.store_memory import MemoryStore

from .conftest import Backend, ServiceFactory
from .support import agent

BILLING = SkillRequirement("billing")
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_a_retried_step_is_counted_once(backend: Backend) -> None:
    store = await backend.new_store()
    step = TallyStep("answered:u1:1.0", ("skill:billing", "*"), {"answered": 1, "wait_total": 2.5})
    assert await store.add_tally(step, 2)
    assert not await store.add_tally(step, 2)  # the same event again (a retry after a failover)
    for i in range(3):
        await store.add_tally(TallyStep(f"ended:u{i}:9.0", ("*",), {}, 10.0 + i), 2)
    tally = await store.tally()
    assert tally.counts["skill:billing"] == {"answered": 1.0, "wait_total": 2.5}
    assert tally.handle["*"] == (12.0, 11.0)  # the newest two, newest first
    assert "skill:billing" not in tally.handle


def test_an_answer_counts_within_the_threshold() -> None:
    call = WaitingCall("u1", BILLING, Segment.NORMAL, "lanzhou", 0.0)
    step = tally_step(CallAnswered(12.0, call, "j1", 12.0), threshold_s=20.0, wrapup_s=5.0)
    assert step is not None
    assert step.groups == ("skill:billing", "prefecture:lanzhou", "*")
    assert dict(step.counts) == {"answered": 1, "wait_total": 12.0, "within": 1}
    late = tally_step(CallAnswered(40.0, call, "j1", 40.0), threshold_s=20.0, wrapup_s=5.0)
    assert late is not None and late.counts["within"] == 0 and late.key != step.key


async def test_two_nodes_show_the_same_figures(make_service: ServiceFactory, clock: ManualClock) -> None:
    a = await make_service("node-a", ring_timeout_s=60.0)
    b = await make_service("node-b", ring_timeout_s=60.0)
    for agent_id in ("j1", "j2", "j3"):
        await a.register_agent(agent(agent_id))
    await a.login("j1")
    await b.login("j2")
    await b.login("j3")
    await b.pause("j3", "lunch")
    await a.enqueue("u1", BILLING, "normal", "chengdu")  # offered to j1 by node a
    await b.enqueue("u2", BILLING, "normal", "chengdu")  # offered to j2 by node b
    await b.enqueue("u3", BILLING, "normal", "mianyang")  # waits for its prefecture
    clock.advance(4)
    assert await a.agent_answered("u1", "j1")
    clock.advance(30)
    assert await b.agent_answered("u2", "j2")
    assert await b.call_hung_up("u2")
    clock.advance(10)
    assert await a.call_hung_up("u1")
    # each node's own counters differ: each heard its own events only
    own = [n.stats.snapshot(clock.now()).total for n in (a, b)]
    assert (own[0].answered, own[1].answered) == (1, 1)
    for node in (a, b):  # what each node's running ACD writes as it goes (SharedStats.run)
        await node.board.flush()
    board_a, board_b = [await n.board.snapshot(clock.now()) for n in (a, b)]
    assert board_a == board_b
    total = board_a.total
    assert (total.answered, total.answered_within_threshold, total.waiting) == (2, 1, 1)
    assert total.asa_s == (4.0 + 34.0) / 2
    assert total.agents["paused"] == 1
    assert board_a.by_prefecture["mianyang"].waiting == 1
    assert board_a.by_prefecture["chengdu"].answered == 2
    assert total.aht_s is not None


async def test_the_counters_start_again_at_the_centres_midnight(
    make_service: ServiceFactory, clock: ManualClock
) -> None:
    """The wallboards' answered/abandoned/service level are today's (Asia/Shanghai): at local
    midnight they start from zero on every node; calls waiting, agents and AHT go on."""
    before_midnight = datetime(2026, 12, 6, 23, 59, 0, tzinfo=SHANGHAI).timestamp()
    clock.advance(before_midnight - clock.now())
    a = await make_service("node-a", ring_timeout_s=60.0)
    b = await make_service("node-b", ring_timeout_s=60.0)
    await a.register_agent(agent("j1"))
    await a.login("j1")
    await a.enqueue("u1", BILLING, "normal", "chengdu")
    clock.advance(5)
    assert await a.agent_answered("u1", "j1")
    clock.advance(10)
    assert await a.call_hung_up("u1")
    await b.enqueue("u2", BILLING, "normal", "mianyang")  # waits: no agent of that prefecture
    await a.board.flush()
    late = await b.board.snapshot(clock.now())
    assert (late.total.answered, late.total.waiting) == (1, 1)
    assert a.stats.snapshot(clock.now()).total.answered == 1

    clock.advance(60)  # 00:00:15 on the 7th
    for node in (a, b):
        board = await node.board.snapshot(clock.now())
        assert (board.total.answered, board.total.service_level, board.total.waiting) == (0, None, 1)
        assert board.total.aht_s is not None  # the handle times run on
        assert node.stats.snapshot(clock.now()).total.answered == 0
    assert (await b.board.snapshot(clock.now())).by_prefecture["chengdu"].answered == 0

    await a.register_agent(agent("j2"))
    await a.login("j2")
    await a.enqueue("u3", BILLING, "normal", "chengdu")
    clock.advance(3)
    assert await a.agent_answered("u3", "j2")
    await a.board.flush()
    assert (await b.board.snapshot(clock.now())).total.answered == 1  # the new day's first


def test_an_event_of_yesterday_heard_after_midnight_is_not_counted_today() -> None:
    stats = LiveStats(20.0, 0.0, tz=SHANGHAI)
    midnight = datetime(2026, 12, 7, tzinfo=SHANGHAI).timestamp()
    c1 = WaitingCall("u1", BILLING, Segment.NORMAL, "lanzhou", midnight - 10)
    c2 = WaitingCall("u2", BILLING, Segment.NORMAL, "lanzhou", midnight - 5)
    stats.apply(CallAnswered(midnight + 1, c2, "j1", 6.0))
    stats.apply(CallAnswered(midnight - 1, c1, "j2", 9.0))  # late news of yesterday
    assert stats.snapshot(midnight + 2).total.answered == 1
    step = tally_step(CallAnswered(midnight - 1, c1, "j2", 9.0), 20.0, 0.0, SHANGHAI)
    assert step is not None and step.day == "2026-12-06"


def test_the_centres_time_zone_is_checked_and_may_be_left_out() -> None:
    assert AcdSettings(timezone="").timezone == ""  # counted from the start (the benches' simulated days)
    with pytest.raises(ValidationError, match="unknown time zone"):
        AcdSettings(timezone="Asia/Lanzhou")


async def test_the_memory_store_forgets_counted_keys_after_ten_minutes() -> None:
    # as the Redis store's keys expire: a node running for months keeps no key per call
    now = [0.0]
    store = MemoryStore(monotonic=lambda: now[0])
    step = TallyStep("answered:u1:1.0", ("*",), {"answered": 1})
    assert await store.add_tally(step, 2)
    now[0] = TALLY_SEEN_S - 1
    assert not await store.add_tally(step, 2)  # a retry within the window
    await store.add_tally(TallyStep("answered:u2:2.0", ("*",), {"answered": 1}), 2)
    now[0] = 2 * TALLY_SEEN_S
    await store.add_tally(TallyStep("answered:u3:3.0", ("*",), {"answered": 1}), 2)
    assert await store.add_tally(step, 2)  # forgotten: counted again, as Redis would
    assert (await store.tally()).counts["*"]["answered"] == 4
