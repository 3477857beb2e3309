"""Races at the telephony level, end to end on the simulator: the caller hangs up while the
agent's phone rings; the agent answers just as the caller leaves; nobody answers (the agent is
paused ``no-answer`` and the call goes back to the head of its line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from acd.agent_state import NO_ANSWER_REASON, AgentState
from acd.events import CallAbandoned, CallAnswered, CallEnded, CallRequeued
from sim.distributions import Fixed
from sim.phones import PhoneProfile

from .harness import Hotline, agent, hotline


async def settled(line: Hotline, agent_id: str = "agent-1001") -> None:
    """No call left in the ACD and the agent free again."""
    await line.until(lambda: all(c.done.is_set() for c in line.sim.callers))
    await line.until_state(agent_id, AgentState.AVAILABLE)
    store = line.acd.service.store
    await line.until(lambda: not line.sim.pbx.channels)
    assert await store.calls() == []


async def test_caller_hangs_up_while_the_agents_phone_rings(tmp_path: Path) -> None:
    phones = [PhoneProfile("1001", ring=Fixed(4.0), talk=Fixed(5.0))]
    async with hotline(tmp_path, phones=phones) as line:
        caller = line.call("100", hangup_after_s=2.0)
        await settled(line)
        assert caller.record is not None
        uid = caller.record.uniqueid
        (abandoned,) = line.of(CallAbandoned, uid)
        assert abandoned.while_ringing
        assert 0.8 < abandoned.waited_s < 2.0  # from the queue (after Answer()'s half second)
        assert line.of(CallAnswered) == []
        phone = line.sim.phones["1001"]
        assert len(phone.calls) == 1 and phone.calls[0].answered_at is None  # its ringing stopped
        assert phone.current is None


@pytest.mark.parametrize("leaves_at", [1.9, 1.97, 2.0, 2.03, 2.1])
async def test_agent_answers_as_the_caller_leaves(tmp_path: Path, leaves_at: float) -> None:
    """Whatever order the answer and the hang-up land in, the call ends once and the agent is free."""
    phones = [PhoneProfile("1001", ring=Fixed(2.0), talk=Fixed(30.0))]
    async with hotline(tmp_path, phones=phones, speed=2.0) as line:
        caller = line.call("100", hangup_after_s=leaves_at)
        await settled(line)
        assert caller.record is not None
        uid = caller.record.uniqueid
        answered, ended, abandoned = (line.of(kind, uid) for kind in (CallAnswered, CallEnded, CallAbandoned))
        assert (len(answered), len(ended), len(abandoned)) in ((1, 1, 0), (0, 0, 1))
        if caller.record.connected_at is not None:  # the bridge happened: the ACD saw the answer
            assert answered and ended
        assert line.sim.phones["1001"].current is None


async def test_nobody_answers_the_agent_is_paused_and_the_call_is_next(tmp_path: Path) -> None:
    phones = [
        PhoneProfile("1001", answers=False),
        PhoneProfile("1002", ring=Fixed(1.0), talk=Fixed(12.0)),
    ]
    agents = [agent("1002"), agent("1001")]  # 1002 logs in first: it is idle longest
    async with hotline(tmp_path, phones=phones, agents=agents) as line:
        busy = line.call("100", number="13800000001")  # to 1002 for 12 s
        await line.until_state("agent-1002", AgentState.ON_CALL)
        first = line.call("100", number="13800000002")  # to 1001, which never answers (Dial: 6 s)
        await line.until(lambda: bool(line.of(CallRequeued)))
        later = line.call("100", number="13800000003")
        await line.until(lambda: all(c.done.is_set() for c in (busy, first, later)), timeout_s=20)
        status = await line.acd.status("agent-1001")
        assert status.state is AgentState.PAUSED and status.reason == NO_ANSWER_REASON
        assert first.record is not None and later.record is not None
        (requeued,) = line.of(CallRequeued, first.record.uniqueid)
        assert (requeued.agent_id, requeued.reason) == ("agent-1001", "no-answer")
        order = [e.entry.uniqueid for e in line.of(CallAnswered)]
        assert order[1:] == [first.record.uniqueid, later.record.uniqueid]  # back at the head
        assert [h.kind for h in requeued.entry.history] == ["no-answer"]
        assert first.record.connected_to is not None and first.record.connected_to.startswith("PJSIP/1002-")


async def test_the_acd_ring_timeout_takes_the_caller_back_before_dial_gives_up(tmp_path: Path) -> None:
    """The ACD's own ring timeout (3 s) is shorter than the dialplan's (6 s): the caller is
    redirected back to [acd-wait] and served by the next agent."""
    phones = [PhoneProfile("1001", answers=False), PhoneProfile("1002", ring=Fixed(1.0), talk=Fixed(2.0))]
    agents = [agent("1001"), agent("1002")]
    async with hotline(tmp_path, phones=phones, agents=agents, login=False, ring_timeout_s=3.0) as line:
        await line.acd.login("agent-1001")
        caller = line.call("100")
        await line.until(lambda: bool(line.of(CallRequeued)))
        (requeued,) = line.of(CallRequeued)
        assert requeued.reason == "no-answer"
        await line.acd.login("agent-1002")
        await line.until(lambda: caller.done.is_set())
        assert caller.record is not None and caller.record.connected_to is not None
        assert caller.record.connected_to.startswith("PJSIP/1002-")
        (answered,) = line.of(CallAnswered)
        assert answered.agent_id == "agent-1002"
        phone = line.sim.phones["1001"]
        assert phone.calls and phone.calls[0].ended_at is not None  # its ringing was stopped
        assert phone.calls[0].ended_at - phone.calls[0].rang_at < 5.0  # before Dial's 6 s


async def test_an_unreachable_phone_pauses_its_agent_at_once_and_the_next_agent_answers(
    tmp_path: Path,
) -> None:
    """Dial() cannot reach the phone at all (no DialEnd): the dialplan brings the caller back to
    [acd-wait], whose AGI tells the ACD from DIALSTATUS long before any ring timeout."""
    phones = [PhoneProfile("1001", reachable=False), PhoneProfile("1002", ring=Fixed(1.0), talk=Fixed(2.0))]
    agents = [agent("1001"), agent("1002")]  # 1001 idle longest: offered first
    async with hotline(tmp_path, phones=phones, agents=agents, ring_timeout_s=60.0) as line:
        caller = line.call("100")
        await line.until(lambda: caller.done.is_set())
        (requeued,) = line.of(CallRequeued)
        assert (requeued.agent_id, requeued.reason) == ("agent-1001", "no-answer")
        status = await line.acd.status("agent-1001")
        assert status.state is AgentState.PAUSED and status.reason == NO_ANSWER_REASON
        (answered,) = line.of(CallAnswered)
        assert answered.agent_id == "agent-1002"
        assert answered.waited_s < 10.0  # not the 60 s ring timeout
