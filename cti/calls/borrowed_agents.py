"""Agents borrowed from the ACD for a call it does not route: the target of a transfer to one
agent, or the agent being consulted.

The ACD would otherwise offer them a call while they talk, so they are paused with a reason of
ours (``transfer``, ``consult``) while their phone is on that call, and given back (unpaused)
when their leg of it ends — unless someone paused them since for another reason, which stands.
Only an agent who is available now can be borrowed.
"""

from __future__ import annotations

import structlog

from acd.agent_state import AgentState
from cti.acd_bridge.link import AcdLink
from cti.errors import AgentBusy

__all__ = ["CONSULT_REASON", "TRANSFER_REASON", "give_back", "take_agent"]

log = structlog.get_logger(__name__)

CONSULT_REASON = "consult"
TRANSFER_REASON = "transfer"


async def take_agent(acd: AcdLink, agent_id: str, reason: str) -> str:
    """Pause an available agent for ``reason``; their extension.  :class:`AgentBusy` otherwise."""
    service = acd.service
    agent = await service.agent(agent_id)
    status = await service.status(agent_id)
    if status.state is not AgentState.AVAILABLE:
        raise AgentBusy(f"agent {agent_id} is not available", state=status.state.value)
    paused = await acd.moves.pause(agent_id, reason)
    if paused.state is not AgentState.PAUSED:  # a call was offered to them meanwhile
        await acd.moves.unpause(agent_id)
        raise AgentBusy(f"agent {agent_id} was just given a call", state=paused.state.value)
    log.info("api agent borrowed", agent=agent_id, reason=reason)
    return agent.extension


async def give_back(acd: AcdLink, agent_id: str, reason: str) -> None:
    """Unpause an agent we paused for ``reason``, unless someone paused them since for another."""
    if not acd.present:
        return
    try:
        status = await acd.service.status(agent_id)
        if status.state is AgentState.PAUSED and status.reason == reason:
            await acd.moves.unpause(agent_id)
            log.info("api agent given back", agent=agent_id, reason=reason)
    except Exception as exc:
        log.warning("api: could not unpause agent", agent=agent_id, error=repr(exc))
