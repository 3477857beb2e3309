"""Call control from the agent's screen, carried out through AMI on the call's channels.

The dialplan contexts it relies on (``dialplan/extensions.conf``)::

    [hold]             the caller listens to music on hold
    [agent-park]       the agent's leg waits in silence (caller on hold, or consult over)
    [agent-consult]    the agent's leg Dials the consulted agent (option g: back to [agent-park])
    [agent-transfer]   the caller Dials one agent; no answer: back in line ([acd-wait])
    [conference-join]  the caller joins the bridge of ${CONF_WITH} (BridgeAdd)
    [acd-wait]         back in line for the ACD (HOTLINE_SKILL says for which skill)

=================  ==========================================================================
operation          AMI
=================  ==========================================================================
hold               Redirect caller → [hold], ExtraChannel agent leg → [agent-park]
unhold             Bridge caller + agent leg
hang up            Hangup agent leg (the caller's dialplan then ends); on hold: Hangup caller
to senior/manager  the ACD's escalation (its telephony sends the caller back in line)
to a skill         the ACD ends the agent's part; Setvar HOTLINE_SKILL; Redirect caller → [acd-wait]
to an agent        target paused ``transfer``; the ACD ends the agent's part; Redirect caller →
                   [agent-transfer] <target's extension>
consult            target paused ``consult``; Redirect caller → [hold], ExtraChannel agent leg →
                   [agent-consult] <target's extension>
consult: cancel    Hangup consult leg; Bridge caller + agent leg
consult: complete  Bridge caller + consult leg; Hangup agent leg; the ACD ends the agent's part
conference         Setvar CONF_WITH=<agent leg> on the caller; Redirect caller → [conference-join]
=================  ==========================================================================

An agent paused by us for a transfer or a consultation (:mod:`cti.calls.borrowed_agents`) is
unpaused when their leg of the call ends (:mod:`cti.calls.call_watch`).  Every operation runs
under the call's lock, so two clicks cannot interleave.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

import structlog

from acd.agent_state import AgentState
from acd.errors import AcdError
from acd.model import AgentLevel, CallbackRequest, WaitingCall, WaitingEntry
from acd.store import CallPhase
from cti.acd_bridge.link import AcdLink
from cti.ami.channels import Channel
from cti.ami.client import AmiClient
from cti.calls.borrowed_agents import CONSULT_REASON, TRANSFER_REASON, give_back, take_agent
from cti.calls.live_calls import Consult, LegRole, LiveCall, LiveCalls, agent_leg_of
from cti.calls.metrics import CallMetrics
from cti.errors import BadRequest, CallStateConflict, NoCurrentCall
from cti.notifier import Hub, agent_topic
from storage.agent_calls import CallOutcome

__all__ = ["CallControl"]

log = structlog.get_logger(__name__)

HOLD = "hold"
PARK = "agent-park"
CONSULT = "agent-consult"
TRANSFER = "agent-transfer"
CONFERENCE = "conference-join"
WAIT = "acd-wait"
SKILL_VARIABLE = "HOTLINE_SKILL"
CONFERENCE_VARIABLE = "CONF_WITH"

# (uniqueid, agent id, outcome): the call is about to leave this agent for this reason
OutcomeHint = Callable[[str, str, CallOutcome], None]


class CallControl:
    def __init__(
        self,
        ami: AmiClient,
        acd: AcdLink,
        calls: LiveCalls,
        hub: Hub,
        metrics: CallMetrics,
        clock: Callable[[], float],
        outcome_hint: OutcomeHint,
    ) -> None:
        self.ami = ami
        self.acd = acd
        self.calls = calls
        self._hub = hub
        self._metrics = metrics
        self._clock = clock
        self._hint = outcome_hint
        self._locks: dict[str, asyncio.Lock] = {}

    # -- which call ------------------------------------------------------------------------
    async def caller_of_agent(self, agent_id: str) -> tuple[str, str] | None:
        """The number and prefecture of the caller the agent is being rung for or talking to."""
        live = self.calls.of_agent(agent_id)
        entry: WaitingEntry | None = live.entry if live is not None else None
        if entry is None and self.acd.present:
            try:
                record = await self.acd.service.call_of_agent(agent_id)
            except AcdError:
                return None
            if record is not None and record.agent_id == agent_id:
                entry = record.entry
        if isinstance(entry, CallbackRequest):
            return entry.number, entry.prefecture
        if entry is None or not entry.caller_number:
            return None
        return entry.caller_number, entry.prefecture

    async def current(self, agent_id: str) -> LiveCall:
        """The call ``agent_id`` holds now; :class:`NoCurrentCall` if none."""
        call = self.calls.of_agent(agent_id)
        if call is not None and call.via_acd and not await self._acd_holds(call.caller, agent_id):
            self.calls.remove(call.caller)
            call = None
        if call is not None:
            return call
        if not self.acd.present:
            raise NoCurrentCall("no call")
        acd = self.acd.service
        status = await acd.status(agent_id)
        if status.state is not AgentState.ON_CALL or status.entry_id is None:
            raise NoCurrentCall("the agent is not on a call", state=status.state.value)
        record = await acd.call(status.entry_id)
        if record is None or record.phase is not CallPhase.CONNECTED or record.agent_id != agent_id:
            raise NoCurrentCall("the agent is not on a call")
        if not isinstance(record.entry, WaitingCall):
            raise CallStateConflict("call control is for callers' calls, not callbacks")
        entry = record.entry
        if self.ami.state.channel(entry.uniqueid) is None:
            raise NoCurrentCall("the caller's channel is gone")
        leg = agent_leg_of(self.ami.state, entry.uniqueid)
        call = LiveCall(entry.uniqueid, agent_id, entry, via_acd=True, started=self._clock())
        self.calls.add(call)
        self.calls.set_leg(call, LegRole.AGENT, leg.uniqueid if leg is not None else None)
        return call

    async def _acd_holds(self, caller: str, agent_id: str) -> bool:
        if not self.acd.present:
            return False
        status = await self.acd.service.status(agent_id)
        return status.state is AgentState.ON_CALL and status.entry_id == caller

    def locked(self, call: LiveCall) -> asyncio.Lock:
        """The lock every operation on ``call`` takes (``async with control.locked(call)``)."""
        return self._lock(call.caller)

    def _lock(self, caller: str) -> asyncio.Lock:
        lock = self._locks.get(caller)
        if lock is None:
            if len(self._locks) > 10_000:
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            lock = self._locks[caller] = asyncio.Lock()
        return lock

    # -- operations --------------------------------------------------------------------------
    async def hold(self, agent_id: str) -> LiveCall:
        async with self._operation("hold", agent_id) as call:
            self._expect(call, held=False, consult=False, conference=False)
            caller, leg = self._channel(call.caller), self._leg(call)
            await self.ami.redirect(
                caller.name, HOLD, "s", 1, extra_channel=leg.name, extra_context=PARK, extra_exten="s"
            )
            call.held = True
            return call

    async def unhold(self, agent_id: str) -> LiveCall:
        async with self._operation("unhold", agent_id) as call:
            self._expect(call, held=True, consult=False, conference=False)
            await self._bridge(self._channel(call.caller), self._leg(call))
            call.held = False
            return call

    async def hangup(self, agent_id: str) -> LiveCall:
        async with self._operation("hangup", agent_id) as call:
            leg = self._leg_or_none(call)
            if call.held or leg is None:
                await self.ami.hangup(self._channel(call.caller).name)
            else:
                await self.ami.hangup(leg.name)
            return call

    async def transfer_to_level(self, agent_id: str, level: AgentLevel, note: str) -> LiveCall:
        async with self._operation(f"transfer-{level.label}", agent_id) as call:
            self._expect(call, consult=False, conference=False)
            if not call.via_acd:
                raise CallStateConflict("only a call from the queue can go back to the queue")
            leg = self._leg_or_none(call)
            self._hint(call.caller, agent_id, CallOutcome.ESCALATED)
            await self.acd.service.escalate(call.caller, agent_id, level, note)
            self.calls.remove(call.caller)
            if call.held and leg is not None:
                await self._hangup_quietly(leg)
            return call

    async def transfer_to_skill(self, agent_id: str, skill: str) -> LiveCall:
        """Back in line for ``skill``, which some agent of the directory must have: a skill nobody
        serves would strand the caller in a queue no one answers."""
        if self.acd.present and not any(a.has_skill(skill) for a in await self.acd.service.agents()):
            raise BadRequest("no agent has that skill", skill=skill[:64])
        async with self._operation("transfer-skill", agent_id) as call:
            self._expect(call, consult=False, conference=False)
            caller, leg = self._channel(call.caller), self._leg_or_none(call)
            await self._release_from_agent(call, agent_id)
            await self.ami.setvar(SKILL_VARIABLE, skill, caller.name)
            await self.ami.redirect(caller.name, WAIT, "s", 1)
            self.calls.remove(call.caller)
            if call.held and leg is not None:
                await self._hangup_quietly(leg)
            return call

    async def transfer_to_agent(self, agent_id: str, target_id: str) -> LiveCall:
        if target_id == agent_id:
            raise BadRequest("a call cannot be transferred to its own agent")
        async with self._operation("transfer-agent", agent_id) as call:
            self._expect(call, consult=False, conference=False)
            caller, leg = self._channel(call.caller), self._leg_or_none(call)
            extension = await self._take_agent(target_id, TRANSFER_REASON)
            before = time.time()
            try:
                await self._release_from_agent(call, agent_id)
                await self.ami.redirect(caller.name, TRANSFER, extension, 1)
            except BaseException:
                await self._give_back(target_id, TRANSFER_REASON)
                raise
            self.calls.remove(call.caller)
            direct = LiveCall(
                call.caller, target_id, call.entry, via_acd=False, paused_for=TRANSFER_REASON,
                started=self._clock(), history=[*call.history, f"transfer:{agent_id}"],
            )  # fmt: skip
            self.calls.add(direct)
            self.calls.expect_leg(direct, call.caller, LegRole.AGENT, before)
            if call.held and leg is not None:
                await self._hangup_quietly(leg)
            self._publish(target_id, "call.transferred", direct, from_agent=agent_id)
            return call

    async def consult(self, agent_id: str, target_id: str) -> LiveCall:
        if target_id == agent_id:
            raise BadRequest("an agent cannot consult themselves")
        async with self._operation("consult", agent_id) as call:
            self._expect(call, consult=False, conference=False)
            caller, leg = self._channel(call.caller), self._leg(call)
            extension = await self._take_agent(target_id, CONSULT_REASON)
            call.consult = Consult(target_id, extension)
            self.calls.expect_leg(call, leg.uniqueid, LegRole.CONSULT, time.time())
            try:
                if call.held:
                    await self.ami.redirect(leg.name, CONSULT, extension, 1)
                else:
                    await self.ami.redirect(
                        caller.name, HOLD, "s", 1,
                        extra_channel=leg.name, extra_context=CONSULT, extra_exten=extension,
                    )  # fmt: skip
            except BaseException:
                call.consult = None
                await self._give_back(target_id, CONSULT_REASON)
                raise
            call.held = True
            self._publish(target_id, "call.consulted", call, from_agent=agent_id)
            return call

    async def cancel_consult(self, agent_id: str) -> LiveCall:
        async with self._operation("consult-cancel", agent_id) as call:
            consult = self._consulting(call)
            if consult.leg is not None and (gone := self.ami.state.channel(consult.leg)) is not None:
                await self._hangup_quietly(gone)
            await self._bridge(self._channel(call.caller), self._leg(call))
            self.calls.set_leg(call, LegRole.CONSULT, None)
            call.consult, call.held = None, False
            await self._give_back(consult.agent_id, CONSULT_REASON)
            return call

    async def complete_consult(self, agent_id: str) -> LiveCall:
        async with self._operation("consult-complete", agent_id) as call:
            consult, consult_leg = self._answered_consult(call)
            target_leg = self._channel(consult_leg)
            leg = self._leg_or_none(call)
            await self._bridge(self._channel(call.caller), target_leg)
            if leg is not None:
                await self._hangup_quietly(leg)
            await self._release_from_agent(call, agent_id)
            self.calls.set_leg(call, LegRole.CONSULT, None)
            call.consult, call.held, call.via_acd = None, False, False
            call.paused_for = CONSULT_REASON
            call.history.append(f"consult-complete:{agent_id}")
            self.calls.set_agent(call, consult.agent_id)
            self.calls.set_leg(call, LegRole.AGENT, target_leg.uniqueid)
            self._publish(consult.agent_id, "call.transferred", call, from_agent=agent_id)
            return call

    async def conference(self, agent_id: str) -> LiveCall:
        async with self._operation("conference", agent_id) as call:
            self._answered_consult(call)
            caller, leg = self._channel(call.caller), self._leg(call)
            await self.ami.setvar(CONFERENCE_VARIABLE, leg.name, caller.name)
            await self.ami.redirect(caller.name, CONFERENCE, "s", 1)
            call.conference, call.held = True, False
            return call

    # -- pieces ------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def _operation(self, name: str, agent_id: str) -> AsyncIterator[LiveCall]:
        """``async with self._operation(name, agent) as call``: the agent's call, locked; the
        outcome counted and the agent's page told of the call's new state."""
        call = await self.current(agent_id)
        lock = self._lock(call.caller)
        await lock.acquire()
        result = "ok"
        try:
            yield call
        except BaseException as exc:
            result = type(exc).__name__
            raise
        finally:
            lock.release()
            self._metrics.call_control.labels(name, result).inc()
            log.info("api call control", operation=name, agent=agent_id, uniqueid=call.caller, result=result)
        self._publish(agent_id, "call.updated", call, operation=name)

    def _expect(
        self,
        call: LiveCall,
        *,
        held: bool | None = None,
        consult: bool | None = None,
        conference: bool | None = None,
    ) -> None:
        if held is not None and call.held != held:
            raise CallStateConflict("the caller is on hold" if call.held else "the caller is not on hold")
        if consult is not None and (call.consult is not None) != consult:
            raise CallStateConflict("a consultation is under way" if call.consult else "no consultation")
        if conference is not None and call.conference != conference:
            raise CallStateConflict("the call is a conference" if call.conference else "not a conference")
        if call.agent_leg is None and not call.via_acd:
            raise CallStateConflict("the call is still ringing")

    def _consulting(self, call: LiveCall) -> Consult:
        if call.consult is None or call.conference:
            raise CallStateConflict("no consultation under way")
        return call.consult

    def _answered_consult(self, call: LiveCall) -> tuple[Consult, str]:
        """The consultation under way and the consulted agent's leg, once they have answered."""
        consult = self._consulting(call)
        if not consult.answered or consult.leg is None:
            raise CallStateConflict("the consulted agent has not answered")
        return consult, consult.leg

    def _channel(self, uniqueid: str) -> Channel:
        channel = self.ami.state.channel(uniqueid)
        if channel is None:
            raise CallStateConflict("that party has left the call")
        return channel

    def _leg(self, call: LiveCall) -> Channel:
        leg = self._leg_or_none(call)
        if leg is None:
            raise CallStateConflict("the agent's phone is not on the call")
        return leg

    def _leg_or_none(self, call: LiveCall) -> Channel | None:
        return None if call.agent_leg is None else self.ami.state.channel(call.agent_leg)

    async def _bridge(self, a: Channel, b: Channel) -> None:
        await self.ami.action("Bridge", Channel1=a.name, Channel2=b.name, Tone="no")

    async def _hangup_quietly(self, channel: Channel) -> None:
        try:
            await self.ami.hangup(channel.name)
        except Exception as exc:  # already gone: nothing to do
            log.info("api call control: hang-up of a leg failed", uniqueid=channel.uniqueid, error=repr(exc))

    async def _release_from_agent(self, call: LiveCall, agent_id: str) -> None:
        """The ACD's connected call ends for ``agent_id`` (they go to wrap-up)."""
        if call.via_acd and self.acd.present:
            self._hint(call.caller, agent_id, CallOutcome.TRANSFERRED)
            await self.acd.service.call_hung_up(call.caller)

    async def _take_agent(self, agent_id: str, reason: str) -> str:
        return await take_agent(self.acd, agent_id, reason)

    async def _give_back(self, agent_id: str, reason: str) -> None:
        await give_back(self.acd, agent_id, reason)

    def _publish(self, agent_id: str, kind: str, call: LiveCall, **extra: object) -> None:
        self._hub.publish(agent_topic(agent_id), kind, {**call.view(), **extra})
