"""An agent calls a ticket's customer from the agent page (click-to-call): the reply (回复) or a
manual 回访.

``Originate`` of the agent's own phone (``${AGENT_TECH}/<ext>${AGENT_SUFFIX}``, the dialplan's
globals) into ``[agent-dial-out]`` with the customer's number as the extension: once the agent
answers, the dialplan records the call (MixMonitor, as inbound calls) and dials the customer through
``${CALLBACK_TECH}``.  An agent available in the ACD is first paused with reason ``dial-out`` so no
inbound call is offered meanwhile; the agent resumes from the page when done.  The call is a note
on the ticket's history (who called, why, the channel).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import AgentState
from cti.access.roles import Principal
from cti.acd_bridge.dialplan import AGENT_SUFFIX, AGENT_TECH, DIALLED_AGENT
from cti.acd_bridge.link import AcdLink
from cti.ami.client import AmiClient
from cti.ami.errors import AmiError
from cti.errors import BadRequest, Conflict, Forbidden, NotFound, OutOfScope
from outbound.errors import InvalidNumber
from outbound.phone_number import normalize_number
from storage.ticket_lifecycle import TicketActionKind
from storage.tickets import TicketAction, ticket_by_number

__all__ = ["DIAL_OUT_CONTEXT", "DialOut", "Purpose"]

log = structlog.get_logger(__name__)

DIAL_OUT_CONTEXT = "agent-dial-out"
PAUSE_REASON = "dial-out"


class Purpose(enum.StrEnum):
    REPLY = "reply"  # 回复: the ticket's answer, told to the customer
    CALLBACK = "callback"  # a manual 回访


class DialOut:
    def __init__(
        self,
        ami: AmiClient,
        acd: AcdLink,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], float],
        *,
        ring_timeout_s: float = 30.0,
    ) -> None:
        self._ami = ami
        self._acd = acd
        self._sessions = sessions
        self._clock = clock
        self._ring_timeout_s = ring_timeout_s

    async def call(self, who: Principal, ticket_number: str, purpose: Purpose) -> dict[str, Any]:
        if who.agent_id is None:
            raise Forbidden("only agents call customers from their phone")
        if not ticket_number.isdigit() or len(ticket_number) > 16:
            raise NotFound("no such ticket")
        async with self._sessions() as db:
            ticket = await ticket_by_number(db, ticket_number)
            if ticket is None:
                raise NotFound("no such ticket")
            if not who.covers(ticket.prefecture):
                raise OutOfScope("that ticket belongs to another prefecture")
            try:
                number = normalize_number(ticket.caller_number)
            except InvalidNumber as exc:
                raise BadRequest(f"the ticket's number cannot be dialled: {exc.reason}") from None
            prefecture = ticket.prefecture
        service = self._acd.service
        agent = await service.agent(who.agent_id)
        status = await service.status(who.agent_id)
        if status.state in (AgentState.RESERVED, AgentState.ON_CALL):
            raise Conflict("finish the current call first")
        if status.state is AgentState.AVAILABLE:
            await self._acd.moves.pause(who.agent_id, PAUSE_REASON)
        try:
            tech = await self._ami.getvar(AGENT_TECH) or "PJSIP"
            suffix = await self._ami.getvar(AGENT_SUFFIX) or ""
            pending = await self._ami.originate(
                f"{tech}/{agent.extension}{suffix}",
                context=DIAL_OUT_CONTEXT, exten=number, priority=1,
                caller_id=f'"{purpose.value} {ticket_number}" <{number}>',
                timeout_ms=int(self._ring_timeout_s * 1000),
                variables={
                    DIALLED_AGENT: agent.extension, "HOTLINE_TICKET_ID": ticket_number,
                    "HOTLINE_PREFECTURE": prefecture, "HOTLINE_DIAL_OUT": purpose.value,
                },
            )  # fmt: skip
        except AmiError as exc:
            raise Conflict(f"the call could not be placed: {exc}") from None
        now = datetime.fromtimestamp(self._clock(), UTC)
        async with self._sessions() as db:
            ticket = await ticket_by_number(db, ticket_number)
            assert ticket is not None
            db.add(
                TicketAction(
                    ticket_id=ticket.id, at=now, action=TicketActionKind.NOTE, actor=f"user-{who.user_id}",
                    from_status=ticket.status, to_status=ticket.status,
                    note=f"{purpose.value} call to the customer by {who.agent_id} ({pending.action_id})",
                )
            )  # fmt: skip
            await db.commit()
        log.info("agent dial-out", agent=who.agent_id, ticket=ticket_number, purpose=purpose.value)
        return {"ticket": ticket_number, "purpose": purpose.value, "action_id": pending.action_id}
