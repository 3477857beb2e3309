"""Keeps the controlled calls (:mod:`cti.calls.live_calls`) in step with the channels, from AMI changes.

* A channel dialled by a channel we expect a leg from becomes that leg (the consulted agent's
  phone, the phone of an agent a call was transferred to); once up, the consultation is answered.
* The caller's channel ends: the call is over; an agent leg left waiting in ``[agent-park]`` is
  hung up; agents we paused for it are given back when their own legs end.
* The agent's leg ends: on hold, the caller (alone with the music) is hung up; in a conference,
  the call goes on with the consulted agent, whose call it now is; on a direct call, the agent we
  paused is given back.
* The consult leg ends: the consultation is over (the caller stays on hold), or the conference
  goes on between the caller and the agent.

Changes may be lost when the subscription overflows, so :meth:`CallWatch.sweep` (run every few
seconds) forgets calls whose caller's channel is gone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog

from cti.acd_bridge.link import AcdLink
from cti.ami.channels import Change, Channel, ChannelAdded, ChannelRemoved, ChannelUpdated
from cti.ami.client import AmiClient
from cti.calls.borrowed_agents import CONSULT_REASON, give_back
from cti.calls.live_calls import LegRole, LiveCall, LiveCalls
from cti.notifier import Hub, agent_topic
from storage.agent_calls import CallOutcome

__all__ = ["CallWatch"]

log = structlog.get_logger(__name__)

SWEEP_S = 5.0
# where a caller is left alone when its last agent goes (a multi-party bridge does not dissolve)
ALONE_CONTEXTS = frozenset({"conference-join", "hold"})


class CallWatch:
    def __init__(
        self,
        ami: AmiClient,
        acd: AcdLink,
        calls: LiveCalls,
        hub: Hub,
        outcome_hint: Callable[[str, str, CallOutcome], None],
    ) -> None:
        self._ami = ami
        self._acd = acd
        self._calls = calls
        self._hub = hub
        self._hint = outcome_hint
        self._orphans: dict[str, tuple[str, str]] = {}  # leg uniqueid -> (agent id, pause reason)

    async def run(self) -> None:
        """Follow the AMI changes until cancelled (one task of the API's background)."""
        async with self._ami.changes() as changes:
            sweeper = asyncio.get_running_loop().time() + SWEEP_S
            while True:
                try:
                    async with asyncio.timeout(SWEEP_S):
                        change = await changes.__anext__()
                except TimeoutError:
                    change = None
                except StopAsyncIteration:
                    return
                if change is not None:
                    await self.apply(change)
                if asyncio.get_running_loop().time() >= sweeper:
                    await self.sweep()
                    sweeper = asyncio.get_running_loop().time() + SWEEP_S

    async def apply(self, change: Change) -> None:
        try:
            if isinstance(change, ChannelAdded):
                self._seen(change.channel)
            elif isinstance(change, ChannelUpdated):
                self._seen(change.after)
            elif isinstance(change, ChannelRemoved):
                await self._gone(change.channel)
        except Exception:
            log.exception("api call watch failed on a change")

    async def sweep(self) -> None:
        state = self._ami.state
        for call in self._calls:
            if state.channel(call.caller) is None:
                await self._caller_gone(call)
        for leg in [u for u in self._orphans if state.channel(u) is None]:
            agent_id, reason = self._orphans.pop(leg)
            await give_back(self._acd, agent_id, reason)

    # -- channels ----------------------------------------------------------------------------
    def _seen(self, channel: Channel) -> None:
        found = self._calls.dialled(channel) or self._calls.leg(channel.uniqueid)
        if found is None:
            return
        call, role = found
        if (
            role is LegRole.CONSULT
            and call.consult is not None
            and channel.is_up
            and not call.consult.answered
        ):
            call.consult.answered = True
            self._tell(call, "call.updated", call.agent_id, call.consult.agent_id)
        elif role is LegRole.AGENT and not call.via_acd and channel.is_up and "answered" not in call.history:
            call.history.append("answered")
            self._tell(call, "call.updated", call.agent_id)

    async def _gone(self, channel: Channel) -> None:
        uniqueid = channel.uniqueid
        orphan = self._orphans.pop(uniqueid, None)
        if orphan is not None:
            await give_back(self._acd, *orphan)
        call = self._calls.get(uniqueid)
        if call is not None:
            await self._caller_gone(call)
            return
        found = self._calls.dialled(channel) or self._calls.leg(uniqueid)  # a leg seen only as it ends
        if found is None:
            return
        call, role = found
        if role is LegRole.CONSULT:
            await self._consult_leg_gone(call)
        else:
            await self._agent_leg_gone(call)

    async def _caller_gone(self, call: LiveCall) -> None:
        self._calls.remove(call.caller)
        if call.via_acd and self._acd.present:
            # the ACD's own feed knows a caller gone from [acd-wait]/[acd-connect]; from [hold] or a
            # conference only we do (a second report is a no-op)
            try:
                await self._acd.service.call_hung_up(call.caller)
            except Exception as exc:
                log.warning("api call watch: hang-up not reported", uniqueid=call.caller, error=repr(exc))
        state = self._ami.state
        leg = None if call.agent_leg is None else state.channel(call.agent_leg)
        if call.held and call.consult is None and leg is not None and leg.context == "agent-park":
            await self._hangup(leg)
        elif call.paused_for is not None:
            await self._adopt_orphan(leg, call.agent_id, call.paused_for)
        if call.consult is not None:
            consult_leg = None if call.consult.leg is None else state.channel(call.consult.leg)
            await self._adopt_orphan(consult_leg, call.consult.agent_id, CONSULT_REASON)
        self._tell(call, "call.ended", call.agent_id)

    async def _adopt_orphan(self, leg: Channel | None, agent_id: str, reason: str) -> None:
        """Give the agent back once ``leg`` (their phone's part of the call) ends."""
        if leg is None:
            await give_back(self._acd, agent_id, reason)
        else:
            self._orphans[leg.uniqueid] = (agent_id, reason)

    async def _agent_leg_gone(self, call: LiveCall) -> None:
        caller = self._ami.state.channel(call.caller)
        if not call.via_acd:  # the agent of a direct call hung up, or never answered
            self._calls.remove(call.caller)
            if call.paused_for is not None:
                await give_back(self._acd, call.agent_id, call.paused_for)
            if caller is not None and caller.context in ALONE_CONTEXTS:
                await self._hangup(caller)  # nobody left to talk to
            self._tell(call, "call.ended", call.agent_id)
            return
        if call.conference and (consult := call.consult) is not None and consult.leg is not None:
            await self._conference_goes_on(call, consult.agent_id, consult.leg)
            return
        self._calls.set_leg(call, LegRole.AGENT, None)
        if call.held and caller is not None:
            await self._hangup(caller)

    async def _conference_goes_on(self, call: LiveCall, consulted: str, consulted_leg: str) -> None:
        """The agent left a conference: the call is the consulted agent's now (their leg, the agent's)."""
        old_agent = call.agent_id
        if self._acd.present:
            self._hint(call.caller, old_agent, CallOutcome.TRANSFERRED)
            await self._acd.service.call_hung_up(call.caller)
        self._calls.set_leg(call, LegRole.CONSULT, None)
        call.consult, call.conference, call.via_acd = None, False, False
        call.paused_for = CONSULT_REASON
        self._calls.set_agent(call, consulted)
        self._calls.set_leg(call, LegRole.AGENT, consulted_leg)
        call.history.append(f"conference-left:{old_agent}")
        self._tell(call, "call.transferred", consulted)
        self._tell(call, "call.updated", old_agent)

    async def _consult_leg_gone(self, call: LiveCall) -> None:
        consult = call.consult
        if consult is None:
            return
        self._calls.set_leg(call, LegRole.CONSULT, None)
        call.consult = None
        call.conference = False
        await give_back(self._acd, consult.agent_id, CONSULT_REASON)
        self._tell(call, "call.updated", call.agent_id)
        self._tell(call, "call.ended", consult.agent_id)

    async def _hangup(self, channel: Channel) -> None:
        try:
            await self._ami.hangup(channel.name)
        except Exception as exc:
            log.info("api call watch: hang-up failed", uniqueid=channel.uniqueid, error=repr(exc))

    def _tell(self, call: LiveCall, kind: str, *agent_ids: str) -> None:
        for agent_id in agent_ids:
            self._hub.publish(agent_topic(agent_id), kind, call.view())
