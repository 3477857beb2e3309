"""The AMI connection is cut while calls are up: what happened meanwhile reaches the ACD once the
session is back (the call state is re-read with CoreShowChannels and compared with the ACD)."""

from __future__ import annotations

from pathlib import Path

from acd.agent_state import AgentState
from acd.events import CallAbandoned, CallAnswered, CallEnded, CallOffered
from acd.model import Segment, SkillRequirement, WaitingCall
from acd.store import CallPhase, CallPut, Change
from sim.distributions import Fixed
from sim.phones import PhoneProfile

from .harness import Hotline, hotline


async def cut(line: Hotline) -> None:
    assert line.proxy is not None
    line.proxy.refuse = True
    line.proxy.kill_all()
    await line.until(lambda: not line.node.ami.connected.is_set())


async def restore(line: Hotline) -> None:
    assert line.proxy is not None
    line.proxy.refuse = False
    await line.node.ami.wait_connected(timeout_s=10)


async def test_a_caller_who_left_during_the_cut_is_an_abandonment(tmp_path: Path) -> None:
    phones = [PhoneProfile("1001")]
    async with hotline(tmp_path, phones=phones, login=False, proxy=True) as line:
        caller = line.call("100")
        await line.until(
            lambda: caller.record is not None and bool(line.acd.service.stats.snapshot(0).total.waiting)
        )
        await cut(line)
        caller.hangup()
        await line.until(lambda: caller.done.is_set())
        assert line.of(CallAbandoned) == []  # nobody told the ACD yet
        await restore(line)
        await line.until(lambda: bool(line.of(CallAbandoned)))
        assert caller.record is not None
        (abandoned,) = line.of(CallAbandoned, caller.record.uniqueid)
        assert not abandoned.while_ringing
        assert await line.acd.service.store.calls() == []


async def test_an_answer_during_the_cut_is_seen_after_it(tmp_path: Path) -> None:
    phones = [PhoneProfile("1001", ring=Fixed(3.0), talk=Fixed(8.0))]
    async with hotline(tmp_path, phones=phones, proxy=True, ring_timeout_s=30.0) as line:
        caller = line.call("100")
        phone = line.sim.phones["1001"]
        # cut once the agent's phone rings: the offer's Redirect has gone through by then (cutting
        # right after CallOffered can lose the Redirect itself: the telephony-error case of tests/acd)
        await line.until(lambda: bool(line.of(CallOffered)) and bool(phone.calls))
        await cut(line)
        await line.until(lambda: bool(phone.calls) and phone.calls[0].answered_at is not None)
        assert line.of(CallAnswered) == []
        await restore(line)
        await line.until(lambda: bool(line.of(CallAnswered)))
        assert (await line.acd.status("agent-1001")).state is AgentState.ON_CALL
        await line.until(lambda: caller.done.is_set(), timeout_s=10)
        await line.until(lambda: bool(line.of(CallEnded)))
        await line.until_state("agent-1001", AgentState.AVAILABLE)
        assert line.acd.feed.resyncs >= 2


async def test_a_caller_of_another_server_is_left_to_its_node(tmp_path: Path) -> None:
    """With several Asterisk servers on one ACD (issue 17), a call waiting on another server is
    not among this server's channels: a resync leaves it alone instead of ending it."""
    async with hotline(tmp_path, phones=[PhoneProfile("1001")], login=False) as line:
        service = line.acd.service
        now = line.acd.clock.now()
        requirement = SkillRequirement("general")
        for uniqueid, server in (("9.1", "pbx-other"), ("9.2", service.node_id)):
            call = WaitingCall(uniqueid, requirement, Segment.NORMAL, "lanzhou", now, server=server)
            rule = service.routing.rule_for(call.segment, requirement)
            put = CallPut(call, CallPhase.WAITING, None, 0.0, now, rule.state_at(call, now))
            assert await service.store.commit(Change(calls=(put,)))
        await line.acd.feed.resync()
        # this server's caller has no channel: gone; the other server's is still waiting
        assert [c.entry_id for c in await service.store.calls()] == ["9.1"]
        assert [e.entry.uniqueid for e in line.of(CallAbandoned)] == ["9.2"]
