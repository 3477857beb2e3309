"""Orders from the agent's screen (业务受理, seed 001 §7.3): the catalogue, placing any item it allows
an agent (the IVR-only ones too, for a caller who would rather talk), an order and its history,
suspending a lost phone (挂失停机: the caller's PIN or ID digits, or the agent's own questions,
noted), resuming a line suspended as lost (复机: only after the agent checked who is calling, with
the PIN or the ID document's last digits the caller tells them — wrong answers count towards the
same lock as in the IVR), and the callback requests left in the VIP menu.

Scope: as :class:`cti.desk.customer_view.CustomerDesk` (the customer's prefecture, or the
caller on the agent's current call).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.access.roles import Principal
from cti.desk.customer_view import CustomerDesk, order_view
from cti.desk.self_service_schemas import PlaceOrderBody, ResumeLineBody, SuspendLineBody
from cti.errors import BadRequest, Conflict, Forbidden, NotFound, OutOfScope
from orders.catalogue import CatalogueItem, Who
from orders.service import NewOrder, OrderRefused, OrderService
from storage.callback_requests import CallbackStatus, CustomerCallback, open_callbacks
from storage.customers import Customer, PinCheck, PinPolicy, check_id_tail, check_pin
from storage.lines import LineStatus, line_by_number
from storage.service_orders import OrderAction, order_by_number, order_history

__all__ = ["OrderDesk"]

log = structlog.get_logger(__name__)

NOTE_MIN = 8  # characters: how the agent checked who is calling, when not by PIN or ID


class OrderDesk:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        orders: OrderService,
        customers: CustomerDesk,
        clock: Callable[[], float],
        policy: PinPolicy | None = None,
    ) -> None:
        self._sessions = sessions
        self._orders = orders
        self._customers = customers
        self._clock = clock
        self._policy = policy or PinPolicy()

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def catalogue(self) -> dict[str, Any]:
        lines: dict[str, list[dict[str, Any]]] = {}
        for item in self._orders.catalogue.items.values():
            lines.setdefault(item.business.value, []).append(_item_view(item))
        return {"business_lines": lines}

    async def place(self, who: Principal, body: PlaceOrderBody) -> dict[str, Any]:
        action = OrderAction.ORDER if body.action == "order" else OrderAction.CANCEL
        return await self._place(who, body.line_number, action, body.item, body.note)

    async def resume(self, who: Principal, body: ResumeLineBody) -> dict[str, Any]:
        """复机 after the identity check; the check is made here, against the customer record."""
        await self._checked(who, body.line_number, body.method, body.secret, suspended=True)
        note = f"复机: identity checked by {body.method}. {body.note}".strip()
        return await self._place(who, body.line_number, OrderAction.RESUME, "", note)

    async def suspend(self, who: Principal, body: SuspendLineBody) -> dict[str, Any]:
        """挂失停机 at the desk, at once, through the same adapter as the IVR's."""
        if body.method == "questions":
            if len(body.note.strip()) < NOTE_MIN:
                raise BadRequest("say in the note how the caller's identity was checked")
            await self._checked(who, body.line_number, None, None, suspended=False)
        else:
            if body.secret is None:
                raise BadRequest(f"the {body.method} the caller gave is missing")
            await self._checked(who, body.line_number, body.method, body.secret, suspended=False)
        note = f"挂失停机 at the desk: identity checked by {body.method}. {body.note}".strip()
        return await self._place(who, body.line_number, OrderAction.SUSPEND_LOST, "", note)

    async def _checked(
        self, who: Principal, number: str, method: str | None, secret: str | None, *, suspended: bool
    ) -> None:
        """The line is the customer's, in scope, in the state the action needs, and — with a
        ``method`` — the caller's PIN or ID digits match (a wrong answer counts towards the lock)."""
        async with self._sessions() as db:
            customer = await self._customers.customer_of(db, who, number)
            line = await line_by_number(db, number)
            if line is None or line.customer_id != customer.id:
                raise NotFound("no such line")
            if suspended and line.status is not LineStatus.SUSPENDED_LOST:
                raise Conflict(f"the line is {line.status.value}, not suspended as lost")
            if not suspended and line.status is LineStatus.SUSPENDED_LOST:
                raise Conflict("the line is already suspended as lost")
            if method is None or secret is None:
                return
            check = check_pin if method == "pin" else check_id_tail
            result = await check(db, customer.id, secret, self._now(), self._policy)
            await db.commit()
        log.info("desk identity check", user_id=who.user_id, method=method, result=result.value)
        if result is PinCheck.NOT_SET:
            raise Conflict(f"the customer has no {'PIN' if method == 'pin' else 'ID document'} on file")
        if result is PinCheck.LOCKED:
            raise Conflict("identity checks are locked after too many wrong answers; try later or at a hall")
        if result is not PinCheck.OK:
            raise Forbidden("the identity check failed: nothing was changed")

    async def _place(
        self, who: Principal, line_number: str, action: OrderAction, item: str, note: str
    ) -> dict[str, Any]:
        async with self._sessions() as db:
            customer = await self._customers.customer_of(db, who, line_number)
        new = NewOrder(
            customer_id=customer.id, line_number=line_number, action=action, channel="agent",
            actor=f"user-{who.user_id}", caller_number=line_number, item=item, note=note,
        )  # fmt: skip
        try:
            outcome = await self._orders.place(new)
        except OrderRefused as exc:
            raise BadRequest(f"the order cannot be placed: {exc}", reason=exc.reason) from None
        log.info("desk order", order=outcome.number, status=outcome.status.value, user_id=who.user_id)
        return await self.get(who, outcome.number)

    async def get(self, who: Principal, number: str) -> dict[str, Any]:
        if not number.isdigit() or len(number) > 16:
            raise NotFound("no such order")
        async with self._sessions() as db:
            order = await order_by_number(db, number)
            if order is None:
                raise NotFound("no such order")
            customer = await db.get(Customer, order.customer_id)
            assert customer is not None
            await self._customers.customer_of(db, who, customer.number)
            history = await order_history(db, order.id)
            return {
                **order_view(order, self._orders.catalogue),
                "customer": {"number": customer.number, "name": customer.name},
                "history": [
                    {
                        "at": e.at.isoformat(), "from_status": e.from_status.value if e.from_status else None,
                        "to_status": e.to_status.value, "actor": e.actor, "note": e.note,
                    }
                    for e in history
                ],
            }  # fmt: skip

    async def callbacks(self, who: Principal) -> list[dict[str, Any]]:
        async with self._sessions() as db:
            rows = await open_callbacks(db, who.scope)
            now = self._now()
            out = []
            for c in rows:
                customer = await db.get(Customer, c.customer_id)
                out.append(
                    {
                        "id": c.id,
                        "number": c.number,
                        "prefecture": c.prefecture,
                        "for_whom": c.for_whom,
                        "requested_at": c.requested_at.isoformat(),
                        "waited_h": round((now - c.requested_at) / timedelta(hours=1), 1),
                        "customer": customer.name if customer else "",
                        "segment": customer.segment.value if customer else "",
                    }
                )
            return out

    async def callback_done(self, who: Principal, callback_id: int, note: str) -> dict[str, Any]:
        async with self._sessions() as db:
            row = await db.get(CustomerCallback, callback_id)
            if row is None:
                raise NotFound("no such callback request")
            if not who.covers(row.prefecture):
                raise OutOfScope("that callback request belongs to another prefecture")
            if row.status is CallbackStatus.DONE:
                raise Conflict("already done")
            row.status, row.done_at, row.done_by, row.note = (
                CallbackStatus.DONE,
                self._now(),
                who.username,
                note,
            )
            await db.commit()
            return {"id": row.id, "status": row.status.value, "done_by": row.done_by}


def _item_view(item: CatalogueItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": {"zh": item.name_zh, "en": item.name_en},
        "order": item.order.value,
        "cancel": item.cancel.value,
        "monthly_fen": item.monthly_fen,
        "one_off_fen": item.one_off_fen,
        "effective": item.effective.value,
        "cancel_effective": item.cancel_effective.value,
        "segments": sorted(s.value for s in item.segments) if item.segments else None,
        "agent_may_order": item.order is not Who.NONE,
        "agent_may_cancel": item.cancel is not Who.NONE,
    }
