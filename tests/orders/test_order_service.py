"""Placing orders through the built-in adapter and through adapters that fail, on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orders.builtin_provisioning import BuiltinProvisioning
from orders.catalogue import load_catalogue
from orders.plug_in import ProvisioningConfigError, provisioning_for
from orders.provisioning import Provisioned, ProvisioningRequest
from orders.service import NewOrder, OrderRefused, OrderService
from orders.settings import OrderSettings
from storage.billing import Charge
from storage.lines import Line, LineService, LineStatus, ProvisioningRecord, ServiceStatus
from storage.service_orders import OrderAction, OrderStatus, ServiceOrder, is_order_number, order_history

Sessions = async_sessionmaker[AsyncSession]
Clock = Callable[[], datetime]


def service(sessions: Sessions, clock: Clock, adapter: Any = None, **settings: Any) -> OrderService:
    return OrderService(
        sessions,
        load_catalogue(),
        adapter or BuiltinProvisioning(sessions, clock),
        OrderSettings(**settings),
        clock,
    )


async def customer_id(sessions: Sessions, number: str) -> int:
    async with sessions() as db:
        line = (await db.execute(select(Line).where(Line.number == number))).scalar_one()
        return line.customer_id


def order(cid: int, line: str, action: OrderAction, item: str = "", channel: str = "ivr") -> NewOrder:
    actor = "ivr" if channel == "ivr" else "user-7"
    return NewOrder(cid, line, action, channel, actor, caller_number=line, item=item)


async def services_on(sessions: Sessions, number: str, code: str) -> list[LineService]:
    async with sessions() as db:
        stmt = (
            select(LineService)
            .join(Line, Line.id == LineService.line_id)
            .where(Line.number == number, LineService.code == code)
        )
        return list((await db.execute(stmt)).scalars())


async def count(sessions: Sessions, model: Any) -> int:
    async with sessions() as db:
        return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


async def test_an_ivr_order_is_recorded_provisioned_and_done(seeded: Sessions, clock: Clock) -> None:
    cid = await customer_id(seeded, "13800000001")
    outcome = await service(seeded, clock).place(
        order(cid, "13800000001", OrderAction.ORDER, "ring_back_tone")
    )
    assert outcome.done and outcome.failure == "" and is_order_number(outcome.number)
    assert outcome.effective_on == date(2024, 6, 10)  # immediately: today in Beijing
    [added] = await services_on(seeded, "13800000001", "ring_back_tone")
    assert (added.status, added.monthly_fee_fen, added.order_number) == (
        ServiceStatus.ACTIVE,
        500,
        outcome.number,
    )
    async with seeded() as db:
        row = await db.get(ServiceOrder, outcome.order_id)
        assert row is not None and row.reference == f"local-{outcome.number}" and row.channel == "ivr"
        history = [(e.from_status, e.to_status) for e in await order_history(db, outcome.order_id)]
    assert history == [
        (None, OrderStatus.ACCEPTED),
        (OrderStatus.ACCEPTED, OrderStatus.PROVISIONING),
        (OrderStatus.PROVISIONING, OrderStatus.DONE),
    ]


async def test_the_same_service_twice_fails_and_changes_nothing(seeded: Sessions, clock: Clock) -> None:
    cid = await customer_id(seeded, "13800000001")
    outcome = await service(seeded, clock).place(order(cid, "13800000001", OrderAction.ORDER, "caller_id"))
    assert outcome.status is OrderStatus.FAILED and outcome.failure.startswith("already_active")
    assert len(await services_on(seeded, "13800000001", "caller_id")) == 1


async def test_agent_only_items_and_segments(seeded: Sessions, clock: Clock) -> None:
    orders = service(seeded, clock)
    cid = await customer_id(seeded, "09311234567")
    before = await count(seeded, ServiceOrder)
    with pytest.raises(OrderRefused) as refused:
        await orders.place(order(cid, "09311234567", OrderAction.ORDER, "broadband_speed_up"))
    assert refused.value.reason == "not_allowed"
    with pytest.raises(OrderRefused) as refused:
        await orders.place(order(cid, "09311234567", OrderAction.ORDER, "private_line_upgrade", "agent"))
    assert refused.value.reason == "not_for_segment"
    with pytest.raises(OrderRefused) as refused:
        await orders.place(order(cid, "09311234567", OrderAction.ORDER, "caller_id", "agent"))
    assert refused.value.reason == "wrong_business_line"
    with pytest.raises(OrderRefused) as refused:
        await orders.place(order(cid, "13800000004", OrderAction.ORDER, "caller_id", "agent"))
    assert refused.value.reason == "no_such_line"  # not this customer's line
    assert await count(seeded, ServiceOrder) == before  # refusals are not recorded
    speed_up = await orders.place(order(cid, "09311234567", OrderAction.ORDER, "broadband_speed_up", "agent"))
    assert speed_up.done and speed_up.effective_on == date(2024, 7, 1)


async def test_a_one_off_fee_is_charged_and_a_cancellation_ends_the_service(
    seeded: Sessions, clock: Clock
) -> None:
    orders = service(seeded, clock)
    cid = await customer_id(seeded, "13800000001")
    charges = await count(seeded, Charge)
    sim = await orders.place(order(cid, "13800000001", OrderAction.ORDER, "sim_replacement", "agent"))
    assert sim.done and await count(seeded, Charge) == charges + 1
    async with seeded() as db:
        fee = (await db.execute(select(Charge).order_by(Charge.id.desc()).limit(1))).scalar_one()
    assert fee.amount_fen == 1000 and sim.number in fee.description
    cancel = await orders.place(order(cid, "13800000001", OrderAction.CANCEL, "caller_id"))
    assert cancel.done and cancel.effective_on == date(2024, 7, 1)
    [ended] = await services_on(seeded, "13800000001", "caller_id")
    assert (ended.status, ended.ended_on, ended.cancel_order_number) == (
        ServiceStatus.CANCELLED, date(2024, 7, 1), cancel.number,
    )  # fmt: skip
    again = await orders.place(order(cid, "13800000001", OrderAction.CANCEL, "caller_id"))
    assert again.status is OrderStatus.FAILED and again.failure.startswith("not_active")


async def line_status(sessions: Sessions, number: str) -> LineStatus:
    async with sessions() as db:
        return (await db.execute(select(Line.status).where(Line.number == number))).scalar_one()


async def test_a_lost_phone_is_suspended_at_once_and_only_an_agent_resumes_it(
    seeded: Sessions, clock: Clock
) -> None:
    orders = service(seeded, clock)
    cid = await customer_id(seeded, "13800000002")
    lost = await orders.place(order(cid, "13800000002", OrderAction.SUSPEND_LOST))
    assert lost.done and await line_status(seeded, "13800000002") is LineStatus.SUSPENDED_LOST
    twice = await orders.place(order(cid, "13800000002", OrderAction.SUSPEND_LOST))
    assert twice.failure.startswith("already_suspended")
    with pytest.raises(OrderRefused) as refused:
        await orders.place(order(cid, "13800000002", OrderAction.RESUME))
    assert refused.value.reason == "not_allowed"
    # a suspended line takes no new services
    blocked = await orders.place(order(cid, "13800000002", OrderAction.ORDER, "ring_back_tone"))
    assert blocked.failure.startswith("line_not_active")
    resumed = await orders.place(order(cid, "13800000002", OrderAction.RESUME, channel="agent"))
    assert resumed.done and await line_status(seeded, "13800000002") is LineStatus.ACTIVE


@pytest.fixture
def charges_break() -> Iterator[None]:
    """The database refuses the next charge in the middle of a transaction."""

    class Refused(Exception):
        pass

    def refuse(*args: object) -> None:
        raise Refused("disk full")

    event.listen(Charge, "before_insert", refuse)
    try:
        yield
    finally:
        event.remove(Charge, "before_insert", refuse)


async def test_a_failure_half_way_leaves_nothing_applied(
    seeded: Sessions, clock: Clock, charges_break: None
) -> None:
    """The built-in adapter adds the service, then the fee; the fee fails: neither stays."""
    cid = await customer_id(seeded, "13800000001")
    charges = await count(seeded, Charge)
    outcome = await service(seeded, clock).place(
        order(cid, "13800000001", OrderAction.ORDER, "sim_replacement", "agent")
    )
    assert outcome.status is OrderStatus.FAILED
    assert outcome.failure.startswith("error: Refused: disk full") and outcome.failure.endswith("not applied")
    assert await services_on(seeded, "13800000001", "sim_replacement") == []
    assert await count(seeded, Charge) == charges and await count(seeded, ProvisioningRecord) == 0
    async with seeded() as db:  # the order stays visible, failed, with its history
        row = await db.get(ServiceOrder, outcome.order_id)
        assert row is not None and row.status is OrderStatus.FAILED and row.finished_at is not None


class SlowBss:
    """A BSS that takes too long; ``applies`` says whether it gets the order done meanwhile, and
    ``lookup`` whether it answers the question afterwards."""

    name = "slow-bss"

    def __init__(self, inner: BuiltinProvisioning, applies: bool, lookup: bool = True) -> None:
        self.inner, self.applies, self.lookup = inner, applies, lookup

    async def apply(self, request: ProvisioningRequest) -> Provisioned:
        if self.applies:
            await self.inner.apply(request)
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def applied(self, order_number: str) -> Provisioned | None:
        if not self.lookup:
            await asyncio.sleep(3600)
        return await self.inner.applied(order_number)


@pytest.mark.parametrize(
    ("applies", "lookup", "status", "failure"),
    [
        (False, True, OrderStatus.FAILED, "timeout; not applied"),
        (True, True, OrderStatus.DONE, ""),
        (False, False, OrderStatus.FAILED, "timeout; outcome unknown, check the order with provisioning"),
    ],
)
async def test_a_provisioning_time_out_is_settled_by_asking_the_adapter(
    seeded: Sessions, clock: Clock, applies: bool, lookup: bool, status: OrderStatus, failure: str
) -> None:
    bss = SlowBss(BuiltinProvisioning(seeded, clock), applies, lookup)
    orders = service(seeded, clock, bss, timeout_s=0.05, lookup_timeout_s=0.05)
    cid = await customer_id(seeded, "13800000005")
    outcome = await orders.place(order(cid, "17951000005", OrderAction.ORDER, "ip_discount_pack"))
    assert (outcome.status, outcome.failure) == (status, failure)
    assert len(await services_on(seeded, "17951000005", "ip_discount_pack")) == (1 if applies else 0)


def make_bss(sessions: Sessions, settings: OrderSettings) -> SlowBss:
    return SlowBss(BuiltinProvisioning(sessions), applies=False)


def not_an_adapter(sessions: Sessions, settings: OrderSettings) -> object:
    return object()


def test_a_deployment_names_its_own_adapter(seeded: Sessions, clock: Clock) -> None:
    here = __name__
    assert isinstance(provisioning_for(OrderSettings(), seeded, clock), BuiltinProvisioning)
    assert isinstance(
        provisioning_for(OrderSettings(provisioning=f"{here}:make_bss"), seeded, clock), SlowBss
    )
    for name, message in (
        ("bss", "neither builtin nor module:factory"),
        ("no.such.module:x", "cannot load"),
        (f"{here}:missing", "cannot load"),
        (f"{here}:not_an_adapter", "without apply()"),
    ):
        with pytest.raises(ProvisioningConfigError, match=message):
            provisioning_for(OrderSettings(provisioning=name), seeded, clock)
