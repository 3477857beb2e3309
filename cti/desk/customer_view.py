"""The agent's view of a customer (seed 000: "customer master data, look-up by phone number"): who
they are, their lines and services, their account and itemised charges, their orders, tickets,
callback requests and recent calls — for the caller on the agent's line or any number the agent
looks up.

Scope: staff see the customers of their prefecture (provincial staff: all), an agent also the
customer on their current call, whatever the prefecture. A number that is one of a customer's
lines (not only their main number) finds them too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.access.roles import Principal
from cti.calls.screen_pop import ticket_view
from cti.errors import NotFound, OutOfScope
from orders.catalogue import Catalogue
from storage.agent_calls import AgentCall
from storage.billing import Account, Charge, latest_bill, recent_charges
from storage.callback_requests import CustomerCallback, callbacks_of
from storage.customers import Customer, find_customer_by_number, normalise_number, pin_state
from storage.ivr_records import IvrSession
from storage.lines import Line, line_by_number, lines_of, services_on
from storage.prefectures import BY_CODE
from storage.service_orders import ServiceOrder, orders_of
from storage.tickets import Ticket

__all__ = ["CurrentCaller", "CustomerDesk", "order_view"]

CurrentCaller = Callable[[str], Awaitable[tuple[str, str] | None]]
LIMIT = 20


def order_view(order: ServiceOrder, catalogue: Catalogue) -> dict[str, Any]:
    item = catalogue.item(order.item)
    return {
        "number": order.number,
        "action": order.action.value,
        "item": order.item,
        "item_name": {"zh": item.name_zh, "en": item.name_en} if item else None,
        "business": order.business.value,
        "status": order.status.value,
        "channel": order.channel,
        "actor": order.actor,
        "fee_fen": order.fee_fen,
        "monthly_fee_fen": order.monthly_fee_fen,
        "effective_on": order.effective_on.isoformat(),
        "failure": order.failure,
        "reference": order.reference,
        "note": order.note,
        "created_at": order.created_at.isoformat(),
        "finished_at": order.finished_at.isoformat() if order.finished_at else None,
    }


class CustomerDesk:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalogue: Catalogue,
        current_caller: CurrentCaller,
        clock: Callable[[], float],
    ) -> None:
        self._sessions = sessions
        self._catalogue = catalogue
        self._current_caller = current_caller
        self._clock = clock

    async def customer_of(self, db: AsyncSession, who: Principal, number: str) -> Customer:
        """The customer of ``number`` (a main number or a line), if in the user's scope."""
        wanted = normalise_number(number)
        customer = await find_customer_by_number(db, wanted) if wanted else None
        if customer is None and wanted:
            line = await line_by_number(db, wanted)
            customer = await db.get(Customer, line.customer_id) if line is not None else None
        if customer is None:
            raise NotFound("no customer has that number")
        if who.covers(customer.prefecture):
            return customer
        current = await self._current_caller(who.agent_id) if who.agent_id else None
        if current is not None:
            numbers = {customer.number, *(line.number for line in await lines_of(db, customer.id))}
            if normalise_number(current[0]) in numbers:
                return customer
        raise OutOfScope("that customer belongs to another prefecture")

    async def view(self, who: Principal, number: str) -> dict[str, Any]:
        now = datetime.fromtimestamp(self._clock(), UTC)
        async with self._sessions() as db:
            customer = await self.customer_of(db, who, number)
            lines = await lines_of(db, customer.id)
            services = await services_on(db, [line.id for line in lines], active_only=False)
            return {
                "customer": self._master_data(customer, now),
                "account": await self._account(db, customer),
                "lines": [self._line(line, [s for s in services if s.line_id == line.id]) for line in lines],
                "orders": [
                    order_view(o, self._catalogue) for o in await orders_of(db, customer.id, limit=LIMIT)
                ],
                "tickets": [ticket_view(t, now) for t in await self._tickets(db, customer, lines)],
                "callbacks": [_callback_view(c) for c in await callbacks_of(db, customer.id)],
                "calls": await self._calls(db, customer, lines),
            }

    def _master_data(self, customer: Customer, now: datetime) -> dict[str, Any]:
        prefecture = BY_CODE.get(customer.prefecture)
        return {
            "id": customer.id,
            "number": customer.number,
            "name": customer.name,
            "prefecture": customer.prefecture,
            "prefecture_name": {"zh": prefecture.name_zh, "en": prefecture.name_en} if prefecture else None,
            "segment": customer.segment.value,
            "important": customer.important,
            "language": customer.language.value,
            "address": customer.address,
            "account_manager": customer.account_manager,
            "account_manager_phone": customer.account_manager_phone,
            "pin": pin_state(customer, now).value,
            "id_document_on_file": customer.id_tail_hash is not None,
        }

    async def _account(self, db: AsyncSession, customer: Customer) -> dict[str, Any] | None:
        if customer.account_id is None:
            return None
        account = await db.get(Account, customer.account_id)
        if account is None:
            return None
        bill = await latest_bill(db, account.id)
        charges = await recent_charges(db, account.id, limit=LIMIT)
        return {
            "number": account.number,
            "balance_fen": account.balance_fen,
            "bill": None
            if bill is None
            else {
                "period": bill.period,
                "amount_due_fen": bill.amount_due_fen,
                "due_date": bill.due_date.isoformat(),
                "by_service": {s.value: fen for s, fen in bill.totals().items()},
            },
            "charges": [_charge_view(c) for c in charges],
        }

    def _line(self, line: Line, services: list[Any]) -> dict[str, Any]:
        def service(s: Any) -> dict[str, Any]:
            item = self._catalogue.item(s.code)
            return {
                "code": s.code,
                "name": {"zh": item.name_zh, "en": item.name_en} if item else {"zh": s.code, "en": s.code},
                "status": s.status.value,
                "monthly_fee_fen": s.monthly_fee_fen,
                "effective_from": s.effective_from.isoformat(),
                "ended_on": s.ended_on.isoformat() if s.ended_on else None,
                "order_number": s.order_number,
            }

        return {
            "number": line.number,
            "business": line.business.value,
            "status": line.status.value,
            "status_since": line.status_since.isoformat(),
            "services": [service(s) for s in services],
        }

    async def _tickets(self, db: AsyncSession, customer: Customer, lines: list[Line]) -> list[Ticket]:
        numbers = {customer.number, *(line.number for line in lines)}
        stmt = (
            select(Ticket)
            .where((Ticket.customer_id == customer.id) | Ticket.caller_number.in_(numbers))
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(LIMIT)
        )
        return list((await db.execute(stmt)).scalars())

    async def _calls(self, db: AsyncSession, customer: Customer, lines: list[Line]) -> list[dict[str, Any]]:
        """The customer's recent calls to the hotline: the IVR's record, and the agent who took it."""
        numbers = {customer.number, *(line.number for line in lines)}
        stmt = (
            select(IvrSession)
            .where((IvrSession.customer_id == customer.id) | IvrSession.caller_number.in_(numbers))
            .order_by(IvrSession.started_at.desc(), IvrSession.id.desc())
            .limit(LIMIT)
        )
        sessions = list((await db.execute(stmt)).scalars())
        uniqueids = [s.uniqueid for s in sessions]
        agents: dict[str, AgentCall] = {}
        if uniqueids:
            rows = (await db.execute(select(AgentCall).where(AgentCall.uniqueid.in_(uniqueids)))).scalars()
            agents = {row.uniqueid: row for row in rows}
        return [_call_view(s, agents.get(s.uniqueid)) for s in sessions]


def _callback_view(c: CustomerCallback) -> dict[str, Any]:
    return {
        "id": c.id,
        "number": c.number,
        "for_whom": c.for_whom,
        "status": c.status.value,
        "requested_at": c.requested_at.isoformat(),
        "requested_via": c.requested_via,
        "done_by": c.done_by,
        "note": c.note,
    }


def _charge_view(c: Charge) -> dict[str, Any]:
    return {
        "at": c.occurred_at.isoformat(),
        "service": c.service.value,
        "description": c.description,
        "counterpart": c.counterpart,
        "duration_s": c.duration_s,
        "amount_fen": c.amount_fen,
    }


def _call_view(s: IvrSession, agent: AgentCall | None) -> dict[str, Any]:
    return {
        "uniqueid": s.uniqueid,
        "started_at": s.started_at.isoformat(),
        "ended_at": s.ended_at.isoformat() if s.ended_at else None,
        "caller_number": s.caller_number,
        "outcome": s.outcome.value if s.outcome else None,
        "ivr_path": s.path,
        "skill": s.skill,
        "agent_id": agent.agent_id if agent else None,
        "talk_s": agent.talk_s if agent else None,
        "disposition": agent.disposition.value if agent and agent.disposition else None,
    }
