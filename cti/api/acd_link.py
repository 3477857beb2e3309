"""How the API reaches the ACD of its node: the one place that knows how the ACD is attached.

The ACD node extension (:mod:`cti.acd.node`) sets ``node.acd`` to an :class:`~cti.acd.node.AcdNode`:
its :class:`~acd.service.AcdService` is ``node.acd.service``, and agents' moves (sign in and out,
pauses) go through the ``AcdNode`` so that what it caches about staffing is refreshed.  Agents'
profiles (skills) are kept in the agent directory (:mod:`cti.storage.agents`) and in the running
ACD.  A node without an ACD still serves the API: what needs the ACD answers
``503 service-unavailable``.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import AgentStatus
from acd.model import Agent
from acd.service import AcdService
from cti.api.errors import Unavailable
from cti.storage.agents import upsert_agent

__all__ = ["AcdLink", "AgentMoves", "acd_of"]


class AgentMoves(Protocol):
    """What an agent (or a supervisor for them) does: :class:`AcdService` and ``AcdNode`` both have it."""

    async def login(self, agent_id: str) -> AgentStatus: ...
    async def logout(self, agent_id: str) -> AgentStatus: ...
    async def pause(self, agent_id: str, reason: str) -> AgentStatus: ...
    async def unpause(self, agent_id: str) -> AgentStatus: ...
    async def ready(self, agent_id: str) -> AgentStatus: ...
    async def force_logout(self, agent_id: str, by: str) -> AgentStatus: ...


def acd_of(node: Any) -> AcdService | None:
    """The ACD service of ``node`` (a :class:`~cti.app.CtiNode`), if it runs one."""
    attached = getattr(node, "acd", None)
    for candidate in (attached, getattr(attached, "service", None)):
        if isinstance(candidate, AcdService):
            return candidate
    return None


class AcdLink:
    def __init__(
        self,
        service: AcdService | None,
        *,
        node_acd: Any = None,
        sessions: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self._service = service
        self._node_acd = node_acd if node_acd is not None and hasattr(node_acd, "add_agent") else None
        self._sessions = sessions

    @classmethod
    def of_node(cls, node: Any) -> AcdLink:
        return cls(acd_of(node), node_acd=getattr(node, "acd", None), sessions=node.sessions)

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
        moves: AgentMoves = self._node_acd if self._node_acd is not None else service
        return moves

    async def save_agent(self, agent: Agent) -> None:
        """Keep a changed profile: in the directory (so a restart keeps it) and in the running ACD."""
        service = self.service
        if self._node_acd is None or self._sessions is None:
            await service.register_agent(agent)
            return
        name = str(getattr(self._node_acd, "names", {}).get(agent.id, agent.id))
        async with self._sessions() as db:
            await upsert_agent(db, agent, name)
            await db.commit()
        await self._node_acd.add_agent(agent, name)
