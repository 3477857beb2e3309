"""How the services reach the ACD of their node: the one place that knows how the ACD is attached.

A node's running ACD is an :class:`~cti.acd_bridge.node.AcdNode`: its
:class:`~acd.service.AcdService` is ``AcdNode.service``, and agents' moves (sign in and out,
pauses) go through the ``AcdNode`` so that what it caches about staffing is refreshed.  Agents'
profiles (skills) are kept in the agent directory (:mod:`storage.agents`) and in the running
ACD.  Tests and benchmarks may link a bare ``AcdService`` (no directory, no staffing cache).  A
node without an ACD still serves the API: what needs the ACD answers ``503 service-unavailable``.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import AgentState, AgentStatus
from acd.errors import UnknownAgent
from acd.model import Agent
from acd.service import AcdService
from cti.acd_bridge.node import AcdNode
from cti.errors import AgentBusy, Unavailable
from storage.agents import upsert_agent

__all__ = ["AcdLink", "AgentMoves"]


class AgentMoves(Protocol):
    """What an agent (or a supervisor for them) does: :class:`AcdService` and ``AcdNode`` both have it."""

    async def login(self, agent_id: str) -> AgentStatus: ...
    async def logout(self, agent_id: str) -> AgentStatus: ...
    async def pause(self, agent_id: str, reason: str) -> AgentStatus: ...
    async def unpause(self, agent_id: str) -> AgentStatus: ...
    async def ready(self, agent_id: str) -> AgentStatus: ...
    async def force_logout(self, agent_id: str, by: str) -> AgentStatus: ...


class AcdLink:
    def __init__(
        self,
        service: AcdService | None,
        *,
        node: AcdNode | None = None,
        sessions: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self._service = node.service if node is not None else service
        self._node = node
        self._sessions = sessions

    @classmethod
    def of(cls, node: AcdNode | None, sessions: async_sessionmaker[AsyncSession]) -> AcdLink:
        """The link to a node's running ACD (``None``: the node runs none)."""
        return cls(None, node=node, sessions=sessions)

    @property
    def present(self) -> bool:
        return self._service is not None

    @property
    def service(self) -> AcdService:
        if self._service is None:
            raise Unavailable("this node runs no ACD")
        return self._service

    @property
    def moves(self) -> AgentMoves:
        service = self.service
        moves: AgentMoves = self._node if self._node is not None else service
        return moves

    async def save_agent(self, agent: Agent) -> None:
        """Keep a changed profile: in the directory (so a restart keeps it) and in the running ACD."""
        service = self.service
        if self._node is None or self._sessions is None:
            await service.register_agent(agent)
            return
        name = self._node.names.get(agent.id, agent.id)
        async with self._sessions() as db:
            await upsert_agent(db, agent, name)
            await db.commit()
        await self._node.add_agent(agent, name)

    async def put_in_acd(self, agent: Agent, name: str) -> None:
        """Add or update an agent in the running ACD (the directory row is the caller's business)."""
        if self._node is not None:
            await self._node.add_agent(agent, name)
        else:
            await self.service.register_agent(agent)

    async def retire(self, agent_id: str, by: str) -> bool:
        """Take a retired agent out of the running ACD: signed out first, refused while a call
        rings for them or they are on one (:class:`AgentBusy`); False when the ACD did not know them."""
        service = self.service
        try:
            status = await service.status(agent_id)
        except UnknownAgent:
            return False
        if status.state in (AgentState.RESERVED, AgentState.ON_CALL):
            raise AgentBusy(f"agent {agent_id} is on a call: retire them when it is over")
        if status.state is not AgentState.LOGGED_OUT:
            await self.moves.force_logout(agent_id, by=by)
        removed = await service.remove_agent(agent_id)
        if self._node is not None:
            self._node.names.pop(agent_id, None)
        return removed
