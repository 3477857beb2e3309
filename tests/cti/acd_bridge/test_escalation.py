"""An agent escalates the call: the caller goes back to waiting with the new requirement and its
history, and is connected to a senior (or the manager hotline); escalations are counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from acd.agent_state import AgentState
from acd.errors import CallNotInPhase
from acd.events import CallAnswered, CallEnded, CallEscalated
from acd.model import AgentLevel
from sim.distributions import Fixed
from sim.phones import PhoneProfile

from .harness import agent, hotline


@pytest.mark.parametrize("level", [AgentLevel.SENIOR, AgentLevel.MANAGER])
async def test_a_junior_escalates_to_a_senior_or_the_manager_hotline(
    tmp_path: Path, level: AgentLevel
) -> None:
    phones = [
        PhoneProfile("1001", ring=Fixed(1.0), talk=Fixed(120.0)),
        PhoneProfile("1002", ring=Fixed(1.0), talk=Fixed(3.0)),
    ]
    agents = [agent("1001"), agent("1002", level)]
    sounds = ["hotline/acd_escalated"]
    async with hotline(tmp_path, phones=phones, agents=agents, sounds=sounds, login=False) as line:
        await line.acd.login("agent-1001")
        caller = line.call("100")
        await line.until_state("agent-1001", AgentState.ON_CALL)
        with pytest.raises(CallNotInPhase):
            await line.acd.escalate("agent-1002", "manager")  # not on a call
        entry = await line.acd.escalate("agent-1001", level.label, "billing dispute over 500 yuan")
        assert entry.requirement.min_level is level
        assert caller.channel is not None
        chan = caller.channel
        await line.until(lambda: any(i.what == "hotline/acd_escalated" for i in chan.heard))
        await line.acd.login("agent-1002")  # a senior (or the manager) comes
        await line.until(lambda: caller.done.is_set())
        assert caller.record is not None and caller.channel is not None
        uid = caller.record.uniqueid
        assert [a.agent_id for a in line.of(CallAnswered, uid)] == ["agent-1001", "agent-1002"]
        (escalated,) = line.of(CallEscalated, uid)
        assert (escalated.from_agent, escalated.to_level) == ("agent-1001", level)
        assert [(h.kind, h.agent_id) for h in escalated.entry.history] == [("escalated", "agent-1001")]
        assert "billing dispute" in escalated.entry.history[0].detail
        await line.until(lambda: bool(line.of(CallEnded, uid)))  # the node hears the hang-up
        (ended,) = line.of(CallEnded, uid)
        assert ended.agent_id == "agent-1002"
        # the caller was told, and the junior's phone was released when the caller left it
        assert [i.what for i in caller.channel.heard if i.kind == "file"] == ["hotline/acd_escalated"]
        junior = line.sim.phones["1001"]
        assert junior.calls[0].ended_at is not None and junior.current is None
        stats = await line.acd.wallboard.snapshot()
        assert stats.total.escalations == 1 and stats.by_skill["general"].escalations == 1
        await line.until_state("agent-1001", AgentState.AVAILABLE)
        assert await line.acd.service.store.calls() == []
