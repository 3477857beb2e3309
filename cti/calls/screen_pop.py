"""The screen pop: what an agent sees when a call is offered to them.

Built from three sources: the ACD's waiting entry (number, prefecture, segment, skill, when it
started waiting, what happened to it on the way), the IVR's hand-off variables on the caller's
channel (:mod:`ivr.handoff`: customer id, IVR path, IVR session, the ticket opened in the IVR),
read from the AMI state model or, when the model no longer holds them, with ``Getvar``; and the
database (the customer record, the caller's open tickets, the IVR session).  Each source may be
missing (an unknown caller, a channel already gone, a database hiccup): the pop then shows what
is known rather than failing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.model import CallbackRequest, WaitingCall, WaitingEntry
from cti.ami.client import AmiClient
from ivr import handoff
from storage.customers import Customer, find_customer_by_number
from storage.db import row_id
from storage.ivr_records import IvrSession
from storage.prefectures import BY_CODE
from storage.tickets import Ticket, open_tickets_for_number, ticket_by_number

__all__ = ["ScreenPops", "ticket_view"]

log = structlog.get_logger(__name__)

_WANTED = (handoff.CUSTOMER_ID, handoff.IVR_PATH, handoff.IVR_SESSION, handoff.TICKET_ID, handoff.LANGUAGE)
GETVAR_TIMEOUT_S = 2.0


def ticket_view(t: Ticket, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    return {
        "number": t.number,
        "kind": t.kind.value,
        "category": t.category,
        "subcategory": t.subcategory,
        "severity": t.severity.value,
        "status": t.status.value,
        "prefecture": t.prefecture,
        "caller_number": t.caller_number,
        "description": t.description,
        "created_at": t.created_at.isoformat(),
        "updated_at": t.updated_at.isoformat(),
        "due_at": t.due_at.isoformat() if t.due_at else None,
        "closed_at": t.closed_at.isoformat() if t.closed_at else None,
        "overdue": t.is_overdue(now),
    }


def _customer_view(c: Customer) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "number": c.number,
        "prefecture": c.prefecture,
        "segment": c.segment.value,
        "important": c.important,
        "language": c.language.value,
    }


def _prefecture_names(code: str) -> dict[str, str]:
    p = BY_CODE.get(code)
    return {"zh": p.name_zh, "en": p.name_en} if p is not None else {"zh": code, "en": code}


class ScreenPops:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], ami: AmiClient) -> None:
        self._sessions = sessions
        self._ami = ami

    async def build(self, entry: WaitingEntry, offered_at: float) -> dict[str, Any]:
        uniqueid = entry.uniqueid
        number = entry.number if isinstance(entry, CallbackRequest) else (entry.caller_number or "")
        variables = await self._variables(uniqueid) if isinstance(entry, WaitingCall) else {}
        pop: dict[str, Any] = {
            "uniqueid": uniqueid,
            "entry_id": entry.entry_id,
            "kind": "callback" if isinstance(entry, CallbackRequest) else "call",
            "caller_number": number,
            "prefecture": entry.prefecture,
            "prefecture_name": _prefecture_names(entry.prefecture),
            "segment": entry.segment.value,
            "skill": entry.requirement.skill,
            "min_level": entry.requirement.min_level.label,
            "language": variables.get(handoff.LANGUAGE) or entry.requirement.language,
            "enqueued_at": entry.enqueued_at,
            "wait_s": round(max(0.0, offered_at - entry.enqueued_at), 1),
            "history": [
                {"at": h.at, "kind": h.kind, "agent_id": h.agent_id, "detail": h.detail}
                for h in entry.history
            ],
            "ivr": {"path": variables.get(handoff.IVR_PATH) or "", "session_id": None},
            "customer": None,
            "tickets": [],
            "ivr_ticket": variables.get(handoff.TICKET_ID) or None,
        }
        try:
            await self._from_database(pop, number, variables)
        except Exception as exc:  # the pop still shows what the ACD and the channel said
            log.warning("api screen pop: database look-up failed", uniqueid=uniqueid, error=repr(exc))
        return pop

    async def _variables(self, uniqueid: str) -> dict[str, str]:
        channel = self._ami.state.channel(uniqueid)
        found: dict[str, str] = {}
        if channel is not None:
            for name in _WANTED:
                value = channel.variable(name)
                if value is not None:
                    found[name] = value
            missing = [n for n in _WANTED if n not in found]
            if missing:
                found.update(await self._getvars(channel.name, missing))
        return found

    async def _getvars(self, channel: str, names: list[str]) -> Mapping[str, str]:
        async def one(name: str) -> tuple[str, str]:
            try:
                return name, await self._ami.getvar(name, channel, timeout_s=GETVAR_TIMEOUT_S)
            except Exception:
                return name, ""

        return {n: v for n, v in await asyncio.gather(*(one(n) for n in names)) if v}

    async def _from_database(self, pop: dict[str, Any], number: str, variables: Mapping[str, str]) -> None:
        async with self._sessions() as db:
            customer: Customer | None = None
            customer_id = row_id(variables.get(handoff.CUSTOMER_ID, ""))
            if customer_id is not None:
                customer = await db.get(Customer, customer_id)
            if customer is None and number:
                customer = await find_customer_by_number(db, number)
            if customer is not None:
                pop["customer"] = _customer_view(customer)
            tickets = (
                await open_tickets_for_number(db, customer.number if customer else number) if number else []
            )
            ivr_ticket = pop["ivr_ticket"]
            if ivr_ticket and all(t.number != ivr_ticket for t in tickets):
                extra = await ticket_by_number(db, ivr_ticket)
                if extra is not None:
                    tickets.insert(0, extra)
            pop["tickets"] = [ticket_view(t) for t in tickets[:20]]
            session_id = row_id(variables.get(handoff.IVR_SESSION, ""))
            if session_id is not None:
                session = await db.get(IvrSession, session_id)
                if session is not None:
                    pop["ivr"] = {
                        "path": pop["ivr"]["path"] or session.path,
                        "session_id": session.id,
                        "menu": session.menu,
                        "outcome": session.outcome.value if session.outcome else None,
                    }
