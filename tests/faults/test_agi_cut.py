"""A FastAGI connection cut in the middle of a command (a TCP proxy between the simulator's AGI
client and the node's FastAGI server drops it while a command waits for its reply).

Asterisk ends ``AGI()`` with ``AGISTATUS=SUCCESS`` when the connection closes, whatever was in
flight, so the dialplan is what keeps the caller: a caller whose IVR did not finish (no
``HOTLINE_OUTCOME``) goes to an agent, and a caller in ``[acd-wait]`` whose AGI ended without a
callback is put back in line (the ACD still holds their place) instead of being hung up on.
The node side must survive it too: the session ends, nothing is left running.
"""

from __future__ import annotations

from pathlib import Path

from acd.events import CallAnswered, CallQueued
from sim.callers import CallerScript
from sim.distributions import Fixed
from sim.phones import PhoneProfile
from tests.cti.acd_bridge.harness import Hotline, hotline
from tests.cti.ami.tcp_proxy import TcpProxy
from tests.e2e.ivr.sounds import Pace, write_placeholders

from .traffic import until_settled

PROMPTS = Pace(per_char_s=0.05, shortest_s=0.3, longest_s=3.0)  # simulated seconds


async def agi_through_proxy(line: Hotline) -> TcpProxy:
    proxy = TcpProxy("127.0.0.1", line.node.agi.port)
    await proxy.start()
    line.sim.pbx.agi_override = f"127.0.0.1:{proxy.port}"
    return proxy


async def test_a_cut_in_the_ivr_sends_the_caller_to_an_agent(tmp_path: Path) -> None:
    phones = [PhoneProfile("4001", ring=Fixed(1.0), talk=Fixed(5.0))]
    write_placeholders(tmp_path / "sounds", PROMPTS)  # the folder the harness gives the simulator
    async with hotline(tmp_path, phones=phones, speed=5.0, wrapup_s=0.0) as line:
        proxy = await agi_through_proxy(line)
        try:
            # a caller who keys nothing: the IVR waits in a command for digits
            caller = line.sim.call(CallerScript(number="13900000001", dial="10000", patience=Fixed(120.0)))
            await line.until(lambda: line.node.agi.active_sessions >= 1 and proxy.accepted >= 1)
            await line.sim.clock.sleep(2.0)  # into the greeting: a STREAM FILE waits for its reply
            assert line.node.agi.active_sessions >= 1 and not caller.done.is_set()
            proxy.kill_all()  # mid-command: the IVR's command never gets its reply
            await line.until(lambda: bool(line.of(CallAnswered)), timeout_s=30)
            assert caller.record is not None
            (answered,) = line.of(CallAnswered, caller.record.uniqueid)
            assert answered.agent_id == "agent-4001"
            await line.until(lambda: caller.done.is_set(), timeout_s=30)
            await until_settled(line)
            await line.until(lambda: line.node.agi.active_sessions == 0)
        finally:
            await proxy.stop()


async def test_a_cut_while_waiting_keeps_the_caller_in_line(tmp_path: Path) -> None:
    phones = [PhoneProfile("4001", ring=Fixed(1.0), talk=Fixed(5.0))]
    async with hotline(tmp_path, phones=phones, login=False, speed=5.0, wrapup_s=0.0) as line:
        proxy = await agi_through_proxy(line)
        try:
            caller = line.call("100", patience=Fixed(300.0))
            await line.until(lambda: bool(line.of(CallQueued)) and line.node.agi.active_sessions >= 1)
            await line.sim.clock.sleep(2.0)  # music on hold, the announcements: a command in flight
            proxy.kill_all()
            # longer than the command in flight (a wait between announcements: 20 s), so the
            # simulator has ended the AGI and the dialplan has gone on
            await line.sim.clock.sleep(30.0)
            assert not caller.done.is_set(), "the caller was hung up on"
            await line.acd.login("agent-4001")
            await line.until(lambda: bool(line.of(CallAnswered)), timeout_s=30)
            await line.until(lambda: caller.done.is_set(), timeout_s=30)
            assert caller.record is not None and caller.record.connected_to is not None
            await until_settled(line)
        finally:
            await proxy.stop()
