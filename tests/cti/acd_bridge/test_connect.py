"""A caller handed over by the IVR reaches an agent on the simulator: redirect into
[acd-connect], Dial of the agent's phone, DialEnd ANSWER and Hangup driving the agent's state."""

from __future__ import annotations

from pathlib import Path

from acd.agent_state import AgentState
from acd.events import CallAnswered, CallEnded, CallOffered, CallQueued
from sim.distributions import Fixed
from sim.phones import PhoneProfile

from .harness import hotline


async def test_a_waiting_caller_is_connected_to_the_agent_and_the_call_ends(tmp_path: Path) -> None:
    phones = [PhoneProfile("1001", ring=Fixed(2.0), talk=Fixed(5.0))]
    async with hotline(tmp_path, phones=phones) as line:
        caller = line.call("100")
        await line.until(lambda: caller.done.is_set(), timeout_s=10)
        await line.until(lambda: bool(line.of(CallEnded)))
        assert caller.record is not None
        uid = caller.record.uniqueid
        assert [type(e) for e in line.events if getattr(e, "entry", None) is not None] == [
            CallQueued,
            CallOffered,
            CallAnswered,
            CallEnded,
        ]
        (answered,) = line.of(CallAnswered, uid)
        assert answered.agent_id == "agent-1001"
        assert 1.5 < answered.waited_s < 4.0  # the ring time, in simulated seconds
        (ended,) = line.of(CallEnded, uid)
        assert 4.0 < ended.talk_s < 7.0
        assert caller.record.connected_to is not None and caller.record.connected_to.startswith("PJSIP/1001-")
        await line.until_state("agent-1001", AgentState.AVAILABLE)
        assert await line.acd.service.store.calls() == []
