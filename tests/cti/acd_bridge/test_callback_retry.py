"""A callback whose customer does not answer is retried per the policy, keeping its place in line,
instead of ending as handled; after the policy's last try it is given up.  On the in-memory and the
Redis ACD store, with the retries kept in SQLite and in PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.clock import ManualClock
from acd.model import CallbackRequest, SkillRequirement
from acd.overflow import load_routing
from acd.service import AcdService
from acd.settings import AcdSettings
from acd.store import AcdStore, CallPhase
from acd.store_memory import MemoryStore
from acd.store_redis import RedisStore
from cti.acd_bridge.callback_retries import UNANSWERED, CallbackRetries
from cti.acd_bridge.feed import AmiFeed
from cti.acd_bridge.signals import CallbackEnded
from cti.ami.client import AmiClient
from cti.ami.settings import AmiSettings
from storage.callback_retries import CallbackRetry
from tests.acd.conftest import redis_url, require_redis
from tests.acd.support import FakeTelephony, agent

BILLING = SkillRequirement("billing")


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[AcdStore]:
    if request.param == "memory":
        yield MemoryStore()
        return
    await require_redis()
    redis_store = RedisStore(
        aioredis.Redis.from_url(redis_url(), decode_responses=True), f"t-{secrets.token_hex(6)}"
    )
    try:
        yield redis_store
    finally:
        await redis_store.delete_everything()
        await redis_store.close()


class Rig:
    def __init__(self, store: AcdStore, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.clock = ManualClock()
        self.telephony = FakeTelephony()
        self.service = AcdService(
            store=store, telephony=self.telephony, routing=load_routing(),
            settings=AcdSettings(wrapup_s=0.0), clock=self.clock,
        )  # fmt: skip
        self.feed = AmiFeed(AmiClient(AmiSettings(port=9)), self.service, self.telephony)  # never started
        self.retries = CallbackRetries(self.service, sessions, self.clock, [300.0, 900.0])
        self.feed.on_callback_unanswered = self.retries.unanswered
        self.sessions = sessions

    async def callback_connected(self, request_id: str) -> None:
        """The agent is offered the callback and answers (the customer's phone then rings)."""
        _, agent_id = self.telephony.offers()[-1]
        assert await self.service.agent_answered(request_id, agent_id)

    async def rows(self) -> list[CallbackRetry]:
        async with self.sessions() as db:
            return list((await db.execute(select(CallbackRetry))).scalars())


async def test_an_unanswered_callback_is_retried_in_its_place_then_given_up(
    store: AcdStore, db_sessions: async_sessionmaker[AsyncSession]
) -> None:
    rig = Rig(store, db_sessions)
    await rig.service.register_agent(agent("j1"))
    await rig.service.enqueue("u1", BILLING, "normal", "chengdu", caller_number="13800000001")
    request = await rig.service.request_callback("u1", "13800000001")
    record = await rig.service.call(request.request_id)
    assert record is not None
    place = record.score
    await rig.service.login("j1")
    await rig.callback_connected(request.request_id)

    await rig.feed.handle(CallbackEnded(request.request_id, "j1", True, "NOANSWER"))
    assert await rig.service.call(request.request_id) is None  # not connected any more, not "handled"
    (row,) = await rig.rows()
    assert (row.due_at, row.attempt, row.score) == (rig.clock.now() + 300, 1, place)

    rig.clock.advance(299)
    assert await rig.retries.tick() == 0
    rig.clock.advance(1)
    assert await rig.retries.tick() == 1
    assert await rig.rows() == []
    again = await rig.service.call(request.request_id)
    assert again is not None and again.phase is CallPhase.OFFERED and again.score == place  # j1 is free
    assert isinstance(again.entry, CallbackRequest)
    assert [h.kind for h in again.entry.history].count(UNANSWERED) == 1

    await rig.callback_connected(request.request_id)
    await rig.feed.handle(CallbackEnded(request.request_id, "j1", True, "BUSY"))
    (row,) = await rig.rows()
    assert (row.due_at, row.attempt) == (rig.clock.now() + 900, 2)
    rig.clock.advance(900)
    assert await rig.retries.tick() == 1
    await rig.callback_connected(request.request_id)
    await rig.feed.handle(CallbackEnded(request.request_id, "j1", True, "NOANSWER"))
    assert await rig.rows() == []  # the policy's tries are used up: given up
    assert await rig.service.call(request.request_id) is None


async def test_an_answered_callback_ends_as_before(
    store: AcdStore, db_sessions: async_sessionmaker[AsyncSession]
) -> None:
    rig = Rig(store, db_sessions)
    await rig.service.register_agent(agent("j1"))
    await rig.service.enqueue("u1", BILLING, "normal", "chengdu", caller_number="13800000001")
    request = await rig.service.request_callback("u1", "13800000001")
    await rig.service.login("j1")
    await rig.callback_connected(request.request_id)
    await rig.feed.handle(CallbackEnded(request.request_id, "j1", True, "ANSWER"))
    assert await rig.service.call(request.request_id) is None
    assert await rig.rows() == []
