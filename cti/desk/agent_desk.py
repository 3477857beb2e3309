"""An agent's own desk: signing in to the ACD at an extension, pauses, wrap-up, their statistics.

Every method acts on the principal's own agent (``who.agent_id``); there is no way to name
another agent here.  Supervisors act on others through :mod:`cti.desk.floor`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import AgentState
from cti.access.roles import Principal
from cti.acd_bridge.link import AcdLink
from cti.desk.agent_views import agent_view
from cti.errors import Conflict, Forbidden, NotFound, OutOfScope
from storage.agent_calls import Disposition, agent_stats, latest_call, set_disposition
from storage.tickets import ticket_by_number
from storage.users import user_with_phone

__all__ = ["AgentDesk"]

log = structlog.get_logger(__name__)


def own_agent(who: Principal) -> str:
    if who.agent_id is None:
        raise Forbidden("this user is not an agent")
    return who.agent_id


class AgentDesk:
    def __init__(
        self,
        acd: AcdLink,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], float],
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self._acd = acd
        self._sessions = sessions
        self._clock = clock
        self._tz = ZoneInfo(timezone)

    async def state(self, who: Principal) -> dict[str, Any]:
        acd = self._acd.service
        agent_id = own_agent(who)
        agent = await acd.agent(agent_id)
        return agent_view(agent, await acd.status(agent_id))

    async def peers(self, who: Principal) -> list[dict[str, Any]]:
        """Agents a call can be transferred to or consulted with (signed in), with their state."""
        acd = self._acd.service
        statuses = await acd.statuses()
        return [
            agent_view(agent, statuses.get(agent.id))
            for agent in sorted(await acd.agents(), key=lambda a: (a.prefecture, a.id))
            if agent.id != who.agent_id
            and (s := statuses.get(agent.id)) is not None
            and s.state is not AgentState.LOGGED_OUT
        ]

    async def login(self, who: Principal, extension: str) -> dict[str, Any]:
        acd = self._acd.service
        agent_id = own_agent(who)
        agent = await acd.agent(agent_id)
        status = await acd.status(agent_id)
        if agent.extension != extension:
            if status.logged_in:
                raise Conflict(
                    "already signed in at another extension; sign out first", extension=agent.extension
                )
            if any(a.extension == extension and a.id != agent_id for a in await acd.agents()):
                raise Conflict(f"extension {extension} belongs to another agent")
            async with self._sessions() as db:
                if await user_with_phone(db, extension) is not None:  # a QA phone (finding 6)
                    raise Conflict(f"extension {extension} is a QA listening phone")
            # a hot desk: the running ACD dials this extension until the agent's next change
            agent = replace(agent, extension=extension)
            await acd.register_agent(agent)
        if status.logged_in:
            return agent_view(agent, status)
        new = await self._acd.moves.login(agent_id)
        log.info("api agent login", agent=agent_id, user_id=who.user_id)
        return agent_view(agent, new)

    async def logout(self, who: Principal) -> dict[str, Any]:
        acd = self._acd.service
        agent_id = own_agent(who)
        new = await self._acd.moves.logout(agent_id)
        return agent_view(await acd.agent(agent_id), new)

    async def pause(self, who: Principal, reason: str) -> dict[str, Any]:
        acd = self._acd.service
        agent_id = own_agent(who)
        new = await self._acd.moves.pause(agent_id, reason)
        return agent_view(await acd.agent(agent_id), new)

    async def unpause(self, who: Principal) -> dict[str, Any]:
        acd = self._acd.service
        agent_id = own_agent(who)
        new = await self._acd.moves.unpause(agent_id)
        return agent_view(await acd.agent(agent_id), new)

    async def wrap_up(
        self, who: Principal, disposition: Disposition, ticket_number: str | None, note: str
    ) -> dict[str, Any]:
        """Record the last call's disposition and end wrap-up (the agent is ready for the next)."""
        acd = self._acd.service
        agent_id = own_agent(who)
        status = await acd.status(agent_id)
        if status.state in (AgentState.RESERVED, AgentState.ON_CALL):
            raise Conflict("finish the call first", state=status.state.value)
        uniqueid = status.entry_id if status.state is AgentState.WRAP_UP else None
        now = datetime.fromtimestamp(self._clock(), UTC)
        async with self._sessions() as db:
            if ticket_number is not None:
                await self._check_ticket(db, who, agent_id, uniqueid, ticket_number)
            row = await set_disposition(
                db, agent_id=agent_id, disposition=disposition, ticket_number=ticket_number, note=note,
                now=now, uniqueid=uniqueid,
            )  # fmt: skip
            await db.commit()
        if row is None:
            raise Conflict("no call to wrap up")
        if status.state is AgentState.WRAP_UP:
            status = await self._acd.moves.ready(agent_id)
        log.info("api wrap-up", agent=agent_id, uniqueid=row.uniqueid, disposition=disposition.value)
        view = agent_view(await acd.agent(agent_id), status)
        view["wrapped_up"] = {"uniqueid": row.uniqueid, "disposition": disposition.value}
        return view

    @staticmethod
    async def _check_ticket(
        db: AsyncSession, who: Principal, agent_id: str, uniqueid: str | None, number: str
    ) -> None:
        """A wrap-up names a ticket that exists and that the agent may see: one of their
        prefecture, or of the prefecture of the call they are wrapping up (security finding 6)."""
        ticket = await ticket_by_number(db, number)
        if ticket is None:
            raise NotFound("no such ticket")
        if who.covers(ticket.prefecture):
            return
        call = await latest_call(db, agent_id, uniqueid)
        if call is None or call.prefecture != ticket.prefecture:
            raise OutOfScope("that ticket belongs to another prefecture")

    async def stats(self, who: Principal) -> dict[str, Any]:
        """The agent's figures since local midnight, and their state now."""
        agent_id = own_agent(who)
        now = datetime.fromtimestamp(self._clock(), UTC)
        local = now.astimezone(self._tz)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        async with self._sessions() as db:
            figures = await agent_stats(db, agent_id, midnight.astimezone(UTC))
        view: dict[str, Any] = {
            "agent_id": agent_id,
            "since": midnight.isoformat(),
            "calls": figures.calls,
            "talk_s_total": figures.talk_s_total,
            "talk_s_mean": figures.talk_s_mean,
            "wait_s_mean": figures.wait_s_mean,
            "dispositions": {d.value: figures.dispositions.get(d.value, 0) for d in Disposition},
            "outcomes": figures.outcomes,
        }
        if self._acd.present:
            status = await self._acd.service.status(agent_id)
            view["state"] = status.state.value
            view["state_for_s"] = round(max(0.0, self._clock() - status.since), 1)
        return view
