"""The dialer's rules, with phones that answer, are busy, do not answer (tests/outbound/fake_phones.py)
and a clock the test sets: calling windows and their edges, holidays and makeup working days,
retries exactly per policy, do-not-call, once a day across campaigns, a paused campaign, a restart
that resumes without re-dialling, and (on PostgreSQL) two nodes that never dial one contact twice.
Each test runs on SQLite and on PostgreSQL, but two nodes only on PostgreSQL (SQLite serves one)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outbound.attempt_store import AttemptStore
from outbound.calendar import HolidayCalendar
from outbound.campaign import Campaign, CampaignEvent, CampaignKind
from outbound.campaign_store import CampaignStore
from outbound.contact import Contact, ContactStatus
from outbound.dialer import Dialer
from outbound.metrics import DialerMetrics
from outbound.outcomes import Outcome
from outbound.pacing import AutomatedPacing
from outbound.settings import OutboundSettings
from storage.db import create_engine_from_settings, create_schema, drop_schema, session_factory
from storage.settings import StorageSettings
from tests.outbound.fake_phones import ANSWERS, BUSY, HANGS_UP_IN_SCRIPT, NO_ANSWER, Clock, FakePhones, Phone

SH = ZoneInfo("Asia/Shanghai")
A, B, C = "13800000001", "13800000002", "13800000003"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


class Rig:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        phones: dict[str, Phone],
        node: str = "n1",
    ) -> None:
        self.campaigns = CampaignStore(sessions, HolidayCalendar())
        self.attempts = AttemptStore(sessions)
        self.phones = FakePhones(phones, self.attempts)
        self.clock = clock
        self.registry = CollectorRegistry()
        self.dialer = Dialer(
            OutboundSettings(channel="Local/{number}@callee", channel_cap=200),
            self.campaigns, self.attempts, self.phones.client(), node_id=node, clock=clock,
            metrics=DialerMetrics(self.registry),
        )  # fmt: skip
        self._tracker: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Rig:
        self._tracker = asyncio.create_task(self.dialer.tracker.run())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._tracker is not None
        self._tracker.cancel()
        await asyncio.gather(self._tracker, return_exceptions=True)

    async def campaign(
        self, cid: str, numbers: list[str], *, start: bool = True, max_calls: int = 50
    ) -> None:
        campaign = Campaign(cid, cid, CampaignKind.ARREARS_REMINDER, AutomatedPacing(max_calls))
        await self.campaigns.create(campaign, prefecture=None, created_by="test", now=self.clock())
        contacts = [Contact(n, f"name {n}", "lanzhou", f"{cid}-{n}") for n in numbers]
        await self.campaigns.add_contacts(cid, contacts, self.clock())
        if start:
            await self.campaigns.move(cid, CampaignEvent.START, self.clock())

    async def round(self) -> int:
        """One tick and the end of every call it started."""
        started = await self.dialer.tick()
        await self.dialer.drain()
        return started

    async def contact(self, cid: str) -> Contact:
        (stored,) = await self.campaigns.contacts(cid)
        return stored.contact


@pytest.fixture
def clock() -> Clock:
    return Clock(at("2025-10-13T10:00:00"))  # a Monday


@pytest.fixture
async def rig(db_sessions: async_sessionmaker[AsyncSession], clock: Clock) -> AsyncIterator[Rig]:
    async with Rig(db_sessions, clock, {A: ANSWERS, B: BUSY, C: NO_ANSWER}) as r:
        yield r


@pytest.mark.parametrize(
    ("moment", "calls"),
    [
        ("2025-10-13T09:00:00", 1),  # a window opens (inclusive)
        ("2025-10-13T08:59:59", 0),
        ("2025-10-13T11:59:59", 1),  # the last second of the morning window
        ("2025-10-13T12:00:00", 0),  # the window's end is excluded
        ("2025-10-13T14:00:00", 1),
        ("2025-10-13T20:00:00", 0),
        ("2025-10-01T10:00:00", 0),  # National Day, a public holiday
        ("2025-10-05T10:00:00", 0),  # a Sunday inside the holiday
        ("2025-10-11T10:00:00", 1),  # Saturday, a makeup working day (调休)
        ("2025-10-18T10:00:00", 0),  # an ordinary Saturday
    ],
)
async def test_no_call_outside_a_window_or_on_a_holiday(
    rig: Rig, clock: Clock, moment: str, calls: int
) -> None:
    clock.now = at(moment)
    await rig.campaign("c1", [A])
    assert await rig.round() == calls
    assert len(rig.phones.placed) == calls


async def test_busy_is_retried_exactly_per_policy(rig: Rig, clock: Clock) -> None:
    """Busy: again after one day, at most 4 attempts (the default rule)."""
    await rig.campaign("c1", [B])
    times = []
    for _ in range(6):
        contact = await rig.contact("c1")
        if contact.status is not ContactStatus.PENDING:
            break
        if contact.next_attempt_at is not None:
            clock.now = contact.next_attempt_at.astimezone(SH)
            clock.advance(seconds=-1)
            assert await rig.round() == 0  # a second early: nothing
            clock.advance(seconds=1)
        assert await rig.round() == 1
        times.append(clock.now)
    contact = await rig.contact("c1")
    assert times == [at(f"2025-10-{d}T10:00:00") for d in (13, 14, 15, 16)]
    assert (contact.status, contact.attempts, contact.last_outcome) == (
        ContactStatus.GAVE_UP,
        4,
        Outcome.BUSY,
    )


async def test_no_answer_backs_off_and_skips_the_weekend(rig: Rig, clock: Clock) -> None:
    """No answer: 1, 2, 4 days; a retry falling on Sunday waits for Monday's first window."""
    clock.now = at("2025-10-16T10:00:00")  # Thursday
    await rig.campaign("c1", [C])
    times = [clock.now]
    assert await rig.round() == 1
    while (contact := await rig.contact("c1")).status is ContactStatus.PENDING:
        assert contact.next_attempt_at is not None
        clock.now = contact.next_attempt_at.astimezone(SH)
        assert await rig.round() == 1
        times.append(clock.now)
    expected = ["2025-10-16T10:00:00", "2025-10-17T10:00:00", "2025-10-20T09:00:00", "2025-10-24T09:00:00"]
    assert times == [at(t) for t in expected]
    assert (await rig.contact("c1")).status is ContactStatus.GAVE_UP


async def test_a_number_on_the_do_not_call_list_is_never_dialled(rig: Rig, clock: Clock) -> None:
    await rig.attempts.add_dnc("+86 138-0000-0001", by="test", reason="asked", at=clock())
    await rig.campaign("c1", [A])
    assert await rig.round() == 0
    assert rig.phones.placed == []
    contact = await rig.contact("c1")
    assert (contact.status, contact.attempts) == (ContactStatus.DO_NOT_CALL, 0)


async def test_one_call_per_day_across_campaigns(rig: Rig, clock: Clock) -> None:
    await rig.campaign("c1", [A])
    assert await rig.round() == 1
    await rig.campaign("c2", [A])
    clock.advance(hours=4)  # 14:00, same day
    assert await rig.round() == 0
    later = await rig.contact("c2")
    assert (later.status, later.next_attempt_at) == (ContactStatus.PENDING, at("2025-10-14T09:00:00"))
    clock.now = at("2025-10-14T09:00:00")
    assert await rig.round() == 1
    assert [p.number for p in rig.phones.placed] == [A, A]


async def test_a_paused_campaign_dials_nothing(rig: Rig, clock: Clock) -> None:
    await rig.campaign("c1", [A, B, C])
    await rig.campaigns.move("c1", CampaignEvent.PAUSE, clock())
    assert await rig.round() == 0
    await rig.campaigns.move("c1", CampaignEvent.RESUME, clock())
    assert await rig.round() == 3


async def test_answered_outcomes_come_from_the_script(rig: Rig, clock: Clock) -> None:
    rig.phones.phones[C] = HANGS_UP_IN_SCRIPT
    await rig.campaign("c1", [A, C])
    assert await rig.round() == 2
    outcomes = {a.number: a.outcome for a in await rig.attempts.of_campaign("c1")}
    assert outcomes == {A: "completed", C: "hung_up_in_script"}
    for outcome in ("completed", "hung_up_in_script"):
        labels = {"campaign": "c1", "outcome": outcome}
        assert rig.registry.get_sample_value("hotline_outbound_attempts_total", labels) == 1.0
    completed, hung_up = (s.contact for s in await rig.campaigns.contacts("c1"))
    assert completed.status is ContactStatus.COMPLETED
    assert hung_up.status is ContactStatus.PENDING and hung_up.next_attempt_at == at("2025-10-15T10:00:00")


async def test_a_restart_resumes_without_redialling_finished_contacts(
    db_sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    async with Rig(db_sessions, clock, {A: ANSWERS, B: ANSWERS}) as first:
        first.phones.hold.add(B)  # B's call is under way when the node stops
        await first.campaign("c1", [A, B])
        await first.dialer.tick()
        await asyncio.sleep(0.2)
        for task in list(first.dialer._tasks):  # the node stops
            task.cancel()
        await asyncio.sleep(0)
    assert {s.contact.number: s.contact.status for s in await first.campaigns.contacts("c1")} == {
        A: ContactStatus.COMPLETED,
        B: ContactStatus.DIALLING,
    }
    async with Rig(db_sessions, clock, {A: ANSWERS, B: ANSWERS}) as second:
        assert await second.dialer.recover() == 1
        b = next(s.contact for s in await second.campaigns.contacts("c1") if s.contact.number == B)
        assert (b.status, b.last_outcome, b.attempts) == (ContactStatus.PENDING, Outcome.NO_ANSWER, 1)
        assert await second.round() == 0  # A is finished; B waits for tomorrow
        clock.now = at("2025-10-14T10:00:00")
        assert await second.round() == 1
        assert [p.number for p in second.phones.placed] == [B]


@pytest.fixture
async def postgres_sessions(postgres_database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Several nodes share PostgreSQL (SQLite serves a single node only)."""
    engine = create_engine_from_settings(StorageSettings(url=postgres_database))
    try:
        await drop_schema(engine)
        await create_schema(engine)
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_two_nodes_never_dial_one_contact_twice(
    postgres_sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    db_sessions = postgres_sessions
    numbers = [f"1390000{i:04d}" for i in range(120)]
    async with (
        Rig(db_sessions, clock, dict.fromkeys(numbers, ANSWERS), node="n1") as one,
        Rig(db_sessions, clock, dict.fromkeys(numbers, ANSWERS), node="n2") as two,
    ):
        await one.campaign("c1", numbers, max_calls=200)
        started = await asyncio.gather(
            one.dialer.tick(), two.dialer.tick(), one.dialer.tick(), two.dialer.tick()
        )
        await asyncio.gather(one.dialer.drain(), two.dialer.drain())
        dialled = [p.number for p in one.phones.placed + two.phones.placed]
        assert sum(started) == len(dialled) == 120
        assert sorted(dialled) == sorted(numbers)
        statuses = {s.contact.status for s in await one.campaigns.contacts("c1")}
        assert statuses == {ContactStatus.COMPLETED}


async def test_the_claims_of_a_node_that_died_are_taken_back_after_a_while(
    db_sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    async with Rig(db_sessions, clock, {A: ANSWERS, B: ANSWERS}, node="dead") as dead:
        dead.phones.hold.update({A, B})
        await dead.campaign("c1", [A, B])
        await dead.dialer.tick()
        await asyncio.sleep(0.1)
        for task in list(dead.dialer._tasks):
            task.cancel()
        await asyncio.sleep(0)
    async with Rig(db_sessions, clock, {A: ANSWERS, B: ANSWERS}, node="alive") as alive:
        clock.advance(minutes=30)
        assert await alive.dialer.recover(restarted=False) == 0  # half an hour: maybe still talking
        clock.advance(minutes=31)
        assert await alive.dialer.recover(restarted=False) == 2  # over an hour: the node is gone
        statuses = {s.contact.status for s in await alive.campaigns.contacts("c1")}
        assert statuses == {ContactStatus.PENDING}
