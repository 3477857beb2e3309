"""The calls agents control from their screens: which channels make up each, and what state it is in.

A :class:`LiveCall` is keyed by the **caller's channel** (its uniqueid, which is also the ACD's
entry id).  It names the agent who holds it, the agent's own channel (*leg*), and whether the
caller is on hold, the agent is consulting someone (the *consult leg*) or the three are in
conference.  A call connected by the ACD is known here from the first call-control request on
it; a call the ACD no longer holds (straight transfer to an agent, completed consultation) is a
*direct* call and lives only here.

Legs are recognised from the AMI state model: a Dial's new channel names its dialler
(``dialed_by``), so the consult leg is the channel dialled by the agent's leg, and a direct
transfer's leg the channel dialled by the caller.  :class:`LiveCalls` keeps the indexes from
channel ids to calls; it does no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

from acd.model import WaitingCall
from cti.ami.channels import Channel
from cti.ami.state import CallState

__all__ = ["Consult", "LegRole", "LiveCall", "LiveCalls", "agent_leg_of"]


class LegRole(enum.StrEnum):
    AGENT = "agent"  # the channel of the agent holding the call
    CONSULT = "consult"  # the channel of the agent being consulted


@dataclass(slots=True)
class Consult:
    agent_id: str
    extension: str
    leg: str | None = None  # uniqueid, once dialled
    answered: bool = False


@dataclass(slots=True)
class LiveCall:
    caller: str  # uniqueid of the caller's channel
    agent_id: str
    entry: WaitingCall | None  # what the ACD knew of the call (screen pops); None if never known
    via_acd: bool  # the ACD holds this call as connected to ``agent_id``
    agent_leg: str | None = None
    held: bool = False
    consult: Consult | None = None
    conference: bool = False
    # a direct call's agent was paused by us for it (reason) and is given back when its leg ends
    paused_for: str | None = None
    started: float = 0.0
    recording_paused: bool = False  # the agent paused the call's recording (MixMonitorMute)
    history: list[str] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.conference:
            return "conference"
        if self.consult is not None:
            return "consulting"
        if self.held:
            return "held"
        if self.agent_leg is None and not self.via_acd:
            return "ringing"
        return "talking"

    def view(self) -> dict[str, object]:
        return {
            "uniqueid": self.caller,
            "agent_id": self.agent_id,
            "state": self.state,
            "held": self.held,
            "conference": self.conference,
            "direct": not self.via_acd,
            "recording_paused": self.recording_paused,
            "consult": None
            if self.consult is None
            else {"agent_id": self.consult.agent_id, "answered": self.consult.answered},
        }


def agent_leg_of(state: CallState, caller: str) -> Channel | None:
    """The agent's channel of an ACD-connected call: the caller's bridge peer, else the newest live
    channel the caller dialled."""
    peers = state.bridge_peers(caller)
    if len(peers) == 1:
        return peers[0]
    dialled = [c for c in state if c.dialed_by == caller]
    return max(dialled, key=lambda c: c.created_at) if dialled else None


class LiveCalls:
    def __init__(self) -> None:
        self._calls: dict[str, LiveCall] = {}
        self._by_agent: dict[str, str] = {}  # agent id -> caller uniqueid
        self._legs: dict[str, tuple[str, LegRole]] = {}  # leg uniqueid -> (caller, role)
        self._dialers: dict[str, tuple[str, LegRole]] = {}  # uniqueid whose next Dial makes a leg
        self._since: dict[str, float] = {}  # ...and from when its new channels count

    def __iter__(self) -> Iterator[LiveCall]:
        return iter(list(self._calls.values()))

    def __len__(self) -> int:
        return len(self._calls)

    def get(self, caller: str) -> LiveCall | None:
        return self._calls.get(caller)

    def of_agent(self, agent_id: str) -> LiveCall | None:
        caller = self._by_agent.get(agent_id)
        return None if caller is None else self._calls.get(caller)

    def consulted_by(self, agent_id: str) -> LiveCall | None:
        """The call on which ``agent_id`` is being consulted, if any."""
        for call in self._calls.values():
            if call.consult is not None and call.consult.agent_id == agent_id:
                return call
        return None

    def add(self, call: LiveCall) -> LiveCall:
        old = self._calls.get(call.caller)
        if old is not None:
            self.remove(old.caller)
        self._calls[call.caller] = call
        self._by_agent[call.agent_id] = call.caller
        if call.agent_leg is not None:
            self._legs[call.agent_leg] = (call.caller, LegRole.AGENT)
        return call

    def set_agent(self, call: LiveCall, agent_id: str) -> None:
        if self._by_agent.get(call.agent_id) == call.caller:
            del self._by_agent[call.agent_id]
        call.agent_id = agent_id
        self._by_agent[agent_id] = call.caller

    def set_leg(self, call: LiveCall, role: LegRole, uniqueid: str | None) -> None:
        """Name the call's agent leg or consult leg (None: forget it)."""
        old = call.agent_leg if role is LegRole.AGENT else (call.consult.leg if call.consult else None)
        if old is not None:
            self._legs.pop(old, None)
        if role is LegRole.AGENT:
            call.agent_leg = uniqueid
        elif call.consult is not None:
            call.consult.leg = uniqueid
        if uniqueid is not None:
            self._legs[uniqueid] = (call.caller, role)

    def expect_leg(self, call: LiveCall, dialler: str, role: LegRole, since: float) -> None:
        """The next channel ``dialler`` dials, first seen at ``since`` or later, is this call's
        ``role`` leg (``since``: a time taken before the action that makes it dial, so that the
        legs it dialled before — the agent's leg the caller is leaving — never qualify)."""
        self._dialers[dialler] = (call.caller, role)
        self._since[dialler] = since

    def leg(self, uniqueid: str) -> tuple[LiveCall, LegRole] | None:
        found = self._legs.get(uniqueid)
        if found is None or found[0] not in self._calls:
            return None
        return self._calls[found[0]], found[1]

    def dialled(self, channel: Channel) -> tuple[LiveCall, LegRole] | None:
        """If ``channel`` was dialled by a channel we expect a leg from, name it that leg."""
        if channel.dialed_by is None or channel.uniqueid in self._legs:
            return None
        found = self._dialers.get(channel.dialed_by)
        if found is None or found[0] not in self._calls:
            return None
        if channel.created_at < self._since.get(channel.dialed_by, 0.0):
            return None  # an earlier leg of the same dialler (the agent's leg the caller is leaving)
        call, role = self._calls[found[0]], found[1]
        if role is LegRole.CONSULT and call.consult is None:
            return None
        del self._dialers[channel.dialed_by]
        self._since.pop(channel.dialed_by, None)
        self.set_leg(call, role, channel.uniqueid)
        return call, role

    def remove(self, caller: str) -> LiveCall | None:
        call = self._calls.pop(caller, None)
        if call is None:
            return None
        if self._by_agent.get(call.agent_id) == caller:
            del self._by_agent[call.agent_id]
        for index in (self._legs, self._dialers):
            for key in [k for k, (c, _) in index.items() if c == caller]:
                del index[key]
                self._since.pop(key, None)
        return call
