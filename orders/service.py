"""Placing an order: check it against the catalogue, record it, have it provisioned, record the end.

The steps, each committed before the next so the order is always visible on the desk:

1. **check** — the item exists for the line's business line, the channel may do it (the IVR only
   what the catalogue opens to it), the customer's segment may have it, the line is theirs;
   a refused order is not recorded (:class:`OrderRefused`, with a reason code);
2. **accepted** — the order row and its first history row; it now has its number;
3. **provisioning** — the adapter is called, bounded by ``timeout_s``;
4. **done** (with the adapter's reference) or **failed** (with the reason). When the adapter
   fails, times out or the connection breaks, the service asks it whether the order was applied
   (bounded by ``lookup_timeout_s``): yes → done; no → failed, nothing applied; no answer → failed,
   and the failure says the outcome must be checked (it is logged as an error too).

The adapter promises all-or-nothing (:mod:`orders.provisioning`), so a failed order never leaves
anything half-applied.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orders.catalogue import Catalogue, CatalogueItem, Effective, Who, effective_on
from orders.provisioning import Provisioned, Provisioning, ProvisioningFailed, ProvisioningRequest
from orders.settings import OrderSettings
from storage.customers import Customer
from storage.lines import line_by_number
from storage.service_orders import (
    OrderAction,
    OrderEvent,
    OrderStatus,
    ServiceOrder,
    move_order,
    order_number_for,
)

__all__ = ["NewOrder", "OrderOutcome", "OrderRefused", "OrderService"]

log = structlog.get_logger(__name__)

# what only an agent may do, whatever the catalogue says: resuming a line suspended as lost needs
# an identity check by a person (seed 001 §4.5)
LINE_ACTIONS: dict[OrderAction, Who] = {OrderAction.SUSPEND_LOST: Who.IVR, OrderAction.RESUME: Who.AGENT}


class OrderRefused(Exception):
    """The order cannot be placed at all (nothing recorded); ``reason`` is a stable code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class NewOrder:
    customer_id: int
    line_number: str
    action: OrderAction
    channel: str  # ivr | agent
    actor: str  # "ivr" or "user-<id>"
    caller_number: str
    item: str = ""  # catalogue code (order / cancel)
    note: str = ""
    ivr_session_id: int | None = None


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    order_id: int
    number: str
    status: OrderStatus
    item: CatalogueItem | None
    effective_on: date
    failure: str = ""

    @property
    def done(self) -> bool:
        return self.status is OrderStatus.DONE


def _ensure_channel(who: Who, channel: str, what: str) -> None:
    if not who.allows(channel):
        raise OrderRefused("not_allowed", f"{what} by {channel}: {who.value}")


class OrderService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalogue: Catalogue,
        provisioning: Provisioning,
        settings: OrderSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self.catalogue = catalogue
        self._sessions = sessions
        self._provisioning = provisioning
        self._settings = settings
        self._clock = clock
        self._zone = ZoneInfo(settings.timezone)

    async def place(self, new: NewOrder) -> OrderOutcome:
        """Check, record, provision (see the module docstring); raises :class:`OrderRefused`."""
        now = self._clock()
        item = self._check_item(new)
        order = await self._record(new, item, now)
        assert order.number is not None
        request = ProvisioningRequest(
            order_number=order.number, action=new.action, customer_id=new.customer_id,
            line_number=new.line_number, business=order.business, item=new.item,
            monthly_fen=order.monthly_fee_fen, one_off_fen=order.fee_fen, effective_on=order.effective_on,
            actor=new.actor,
        )  # fmt: skip
        provisioned, failure = await self._provision(request)
        status = OrderStatus.DONE if provisioned is not None else OrderStatus.FAILED
        async with self._sessions() as db:
            row = await db.get(ServiceOrder, order.id)
            assert row is not None
            if provisioned is not None:
                row.reference = provisioned.reference[:64]
            row.failure = failure
            await move_order(db, row, status, self._provisioning.name, self._clock(), failure)
            await db.commit()
        log.info(
            "order finished", order=order.number, action=new.action.value, item=new.item, status=status.value
        )
        return OrderOutcome(order.id, order.number, status, item, order.effective_on, failure)

    def _check_item(self, new: NewOrder) -> CatalogueItem | None:
        if new.channel not in ("ivr", "agent"):
            raise OrderRefused("unknown_channel", new.channel)
        if new.action in LINE_ACTIONS:
            _ensure_channel(LINE_ACTIONS[new.action], new.channel, new.action.value)
            return None
        item = self.catalogue.item(new.item)
        if item is None:
            raise OrderRefused("unknown_item", new.item)
        _ensure_channel(item.who(new.action), new.channel, f"{new.action.value} {item.code}")
        return item

    async def _record(self, new: NewOrder, item: CatalogueItem | None, now: datetime) -> ServiceOrder:
        today = now.astimezone(self._zone).date()
        async with self._sessions() as db:
            customer = await db.get(Customer, new.customer_id)
            line = await line_by_number(db, new.line_number)
            if customer is None or line is None or line.customer_id != customer.id:
                raise OrderRefused("no_such_line", new.line_number)
            if item is not None:
                if item.business is not line.business:
                    raise OrderRefused(
                        "wrong_business_line", f"{item.code} is for {item.business.value} lines"
                    )
                if new.action is OrderAction.ORDER and not item.open_to(customer.segment):
                    raise OrderRefused("not_for_segment", customer.segment.value)
            rule = item.rule(new.action) if item is not None else Effective.IMMEDIATELY
            order = ServiceOrder(
                customer_id=customer.id, line_id=line.id, business=line.business,
                item=item.code if item else "", action=new.action, status=OrderStatus.ACCEPTED,
                prefecture=customer.prefecture, channel=new.channel, actor=new.actor,
                caller_number=new.caller_number[:32],
                fee_fen=item.one_off_fen if item is not None and new.action is OrderAction.ORDER else 0,
                monthly_fee_fen=item.monthly_fen if item is not None else 0,
                effective_on=effective_on(rule, today), note=new.note, failure="", reference="",
                ivr_session_id=new.ivr_session_id, created_at=now, updated_at=now,
            )  # fmt: skip
            db.add(order)
            await db.flush()
            order.number = order_number_for(order.id)
            db.add(OrderEvent(order_id=order.id, at=now, from_status=None, to_status=OrderStatus.ACCEPTED,
                              actor=new.actor, note=new.note))  # fmt: skip
            await move_order(db, order, OrderStatus.PROVISIONING, new.actor, now)
            await db.commit()
        log.info(
            "order accepted",
            order=order.number,
            action=new.action.value,
            item=order.item,
            channel=new.channel,
        )
        return order

    async def _provision(self, request: ProvisioningRequest) -> tuple[Provisioned | None, str]:
        """(what the adapter applied, or None; the failure text)."""
        try:
            async with asyncio.timeout(self._settings.timeout_s):
                return await self._provisioning.apply(request), ""
        except ProvisioningFailed as exc:
            return None, exc.reason + (f": {exc.detail}" if exc.detail else "")
        except Exception as exc:  # a time-out, a broken connection, a fault in the adapter
            problem = "timeout" if isinstance(exc, TimeoutError) else f"error: {type(exc).__name__}: {exc}"
            log.warning("provisioning did not answer", order=request.order_number, problem=problem)
        try:
            async with asyncio.timeout(self._settings.lookup_timeout_s):
                applied = await self._provisioning.applied(request.order_number)
        except Exception as exc:
            log.error("provisioning outcome unknown", order=request.order_number, error=repr(exc))
            return None, f"{problem}; outcome unknown, check the order with provisioning"
        if applied is not None:
            return applied, ""
        return None, f"{problem}; not applied"
