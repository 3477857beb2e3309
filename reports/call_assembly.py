"""Call records put together from what the node hears: AMI state changes and the ACD's events.

Pure (no I/O): :class:`CallAssembly` is fed :meth:`~CallAssembly.on_change` (changes of
:class:`cti.ami.state.CallState`) and :meth:`~CallAssembly.on_acd` (the ACD's events), both
stamped with one clock, and :meth:`~CallAssembly.finished` hands back the calls that are over.

* A **call** is every channel sharing a ``Linkedid``; its caller's channel is the one whose
  uniqueid is the linkedid.  Arrival is that channel's first sight; hang-up its ``Hangup``.
* **Direction**: outbound when the caller's channel carries ``HOTLINE_CAMPAIGN`` or runs in a
  context named ``outbound-*`` (the campaign is the variable, else the context).
* **Prefecture, segment, IVR**: the IVR's hand-off variables (``HOTLINE_PREFECTURE``,
  ``HOTLINE_SEGMENT``, ``HOTLINE_IVR_PATH``, ``HOTLINE_OUTCOME``); the IVR ended when
  ``HOTLINE_OUTCOME`` was first set to a value.  The ACD's entry overrides prefecture and segment.
* **Queue and legs**: ``CallQueued`` (first: queue entry and skill), ``CallOffered`` opens a
  leg, ``CallAnswered`` answers it, ``CallRequeued`` / ``CallAbandoned`` / ``CallEnded`` end it,
  ``CallEscalated`` ends it as an escalating transfer.  Hold is music on hold on the caller's
  channel while a leg is connected.  The wrap-up ends when the agent leaves ``wrap_up``.
* **Who hung up**: the first of the call's channels to go.  The caller's, unless Asterisk had
  been asked to hang it up (then the agent when one was connected, else the system); an
  agent's channel: the agent; anything else: the system.  A call cut because Asterisk was
  restarted under it (its channels gone at the resync that followed) was hung up by the system,
  cause 38 (network out of order), whatever its channels last showed.
* A call is **finished** when its channels are gone, Asterisk's ``Cdr`` for the caller's channel
  has come (or ``cdr_grace_s`` passed) and every answered leg's wrap-up has ended (or
  ``settle_s`` passed since the hang-up).
* Agents' **state spans** (for occupancy) come from ``AgentStateChanged``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from acd.events import (
    AcdEvent,
    AgentStateChanged,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallEscalated,
    CallOffered,
    CallQueued,
    CallRequeued,
)
from cti.ami.channels import CdrRecorded, Change, Channel, ChannelAdded, ChannelRemoved, ChannelUpdated
from cti.ami.events import CdrRecord
from reports.agent_time import AgentState, AgentStateSpan
from reports.call_rows import CdrFacts
from reports.records import CallLeg, CallOutcome, CallRecord, Direction, Party, millis

__all__ = ["CallAssembly", "FinishedCall"]

CAMPAIGN = "HOTLINE_CAMPAIGN"
OUTBOUND_CONTEXT = "outbound-"
_REPORTED_STATES = {s.value for s in AgentState}


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass
class _Leg:
    agent: str
    skill: str
    offered_at: float
    answered_at: float | None = None
    ended_at: float | None = None
    hold_ms: int = 0
    wrap_up_end: float | None = None
    transferred: bool = False
    escalated: bool = False

    @property
    def connected(self) -> bool:
        return self.answered_at is not None and self.ended_at is None


@dataclass
class _Draft:
    call_id: str
    arrived_at: float
    caller: Channel | None = None
    channels: set[str] = field(default_factory=set)
    answered_at: float | None = None  # the caller's channel went Up
    ivr_ended_at: float | None = None
    queued_at: float | None = None
    skill: str | None = None
    prefecture: str | None = None
    segment: str | None = None
    legs: list[_Leg] = field(default_factory=list)
    hold_since: float | None = None
    hung_up_at: float | None = None
    hung_up_by: Party | None = None
    cause: int = 16
    cdr: CdrRecord | None = None

    def open_leg(self, agent: str) -> _Leg | None:
        return next((leg for leg in reversed(self.legs) if leg.agent == agent and leg.ended_at is None), None)

    def connected_leg(self) -> _Leg | None:
        return next((leg for leg in reversed(self.legs) if leg.connected), None)


@dataclass(frozen=True, slots=True)
class FinishedCall:
    record: CallRecord
    cdr: CdrFacts


class CallAssembly:
    def __init__(self, *, default_prefecture: str, settle_s: float = 120.0, cdr_grace_s: float = 5.0) -> None:
        self.default_prefecture = default_prefecture
        self.settle_s = settle_s
        self.cdr_grace_s = cdr_grace_s
        self._calls: dict[str, _Draft] = {}
        self._by_uniqueid: dict[str, str] = {}  # channel uniqueid -> call id
        self._agent_legs: dict[str, _Leg] = {}  # agent -> their last answered leg (for the wrap-up)
        self._agent_state: dict[str, tuple[str, float, str]] = {}  # agent -> (state, since, prefecture)
        self._cdrs: dict[str, CdrRecord] = {}  # Cdr events that came before their call was known
        self.spans: list[AgentStateSpan] = []  # finished state spans, taken by the recorder

    def __len__(self) -> int:
        return len(self._calls)

    # -- AMI ---------------------------------------------------------------------------------
    def on_change(self, change: Change, now: float) -> None:
        if isinstance(change, ChannelAdded):
            self._seen(change.channel, now)
        elif isinstance(change, ChannelUpdated):
            self._updated(change.before, change.after, now)
        elif isinstance(change, ChannelRemoved):
            self._removed(change, now)
        elif isinstance(change, CdrRecorded):
            self._cdr(change.cdr)

    def _seen(self, channel: Channel, now: float) -> _Draft:
        draft = self._calls.get(channel.linkedid)
        if draft is None:
            draft = self._calls[channel.linkedid] = _Draft(channel.linkedid, now)
        if channel.uniqueid not in draft.channels:
            draft.channels.add(channel.uniqueid)
            self._by_uniqueid[channel.uniqueid] = channel.linkedid
        if channel.uniqueid == channel.linkedid:
            draft.caller = channel
            if channel.is_up and draft.answered_at is None:
                draft.answered_at = now
        return draft

    def _updated(self, before: Channel, after: Channel, now: float) -> None:
        draft = self._seen(after, now)
        if after.uniqueid != after.linkedid:
            return
        if after.variable("HOTLINE_OUTCOME") and draft.ivr_ended_at is None:
            draft.ivr_ended_at = now
        if after.on_hold != before.on_hold:
            leg = draft.connected_leg()
            if after.on_hold and leg is not None:
                draft.hold_since = now
            elif not after.on_hold and draft.hold_since is not None:
                if leg is not None:
                    leg.hold_ms += int((now - draft.hold_since) * 1000)
                draft.hold_since = None

    def _removed(self, change: ChannelRemoved, now: float) -> None:
        channel = change.channel
        draft = self._seen(channel, now)
        if draft.hung_up_by is None:
            draft.hung_up_by = Party.SYSTEM if change.pbx_restarted else self._who(draft, channel)
        draft.channels.discard(channel.uniqueid)
        if channel.uniqueid == draft.call_id:
            draft.caller = channel
            draft.hung_up_at = now
            draft.cause = change.cause if change.cause is not None else 16
            self._end_hold(draft, now)
            cdr = self._cdrs.pop(channel.uniqueid, None)
            if cdr is not None:
                draft.cdr = cdr

    def _who(self, draft: _Draft, channel: Channel) -> Party:
        connected = draft.connected_leg() is not None
        if channel.uniqueid == draft.call_id:
            if not channel.hangup_requested:
                return Party.CALLER
            return Party.AGENT if connected else Party.SYSTEM
        return Party.AGENT if connected else Party.SYSTEM

    def _cdr(self, cdr: CdrRecord) -> None:
        call_id = self._by_uniqueid.get(cdr.uniqueid)
        draft = self._calls.get(call_id) if call_id else None
        if draft is not None and cdr.uniqueid == draft.call_id:
            draft.cdr = cdr
        elif draft is None:
            self._cdrs[cdr.uniqueid] = cdr
            while len(self._cdrs) > 10_000:  # bounded: Cdrs of calls we never saw
                self._cdrs.pop(next(iter(self._cdrs)))

    def _end_hold(self, draft: _Draft, now: float) -> None:
        if draft.hold_since is not None:
            leg = draft.connected_leg()
            if leg is not None:
                leg.hold_ms += int((now - draft.hold_since) * 1000)
            draft.hold_since = None

    # -- ACD ---------------------------------------------------------------------------------
    def on_acd(self, event: AcdEvent) -> None:
        if isinstance(event, AgentStateChanged):
            self._agent(event)
            return
        if not isinstance(
            event,
            CallQueued
            | CallOffered
            | CallAnswered
            | CallRequeued
            | CallAbandoned
            | CallEnded
            | CallEscalated,
        ):
            return
        entry = event.entry
        call_id = self._by_uniqueid.get(entry.uniqueid) or entry.linkedid or entry.uniqueid
        draft = self._calls.get(call_id)
        if draft is None:
            return  # a call the AMI never showed us (tests driving the ACD alone)
        at = event.at
        draft.prefecture = entry.prefecture
        draft.segment = str(entry.segment)
        skill = entry.requirement.skill
        if isinstance(event, CallQueued):
            if draft.queued_at is None:
                draft.queued_at, draft.skill = at, skill
        elif isinstance(event, CallOffered):
            draft.legs.append(_Leg(event.agent_id, skill, at))
        elif isinstance(event, CallAnswered):
            leg = draft.open_leg(event.agent_id)
            if leg is not None:
                leg.answered_at = at
                self._agent_legs[event.agent_id] = leg
        elif isinstance(event, CallRequeued | CallEnded):
            leg = draft.open_leg(event.agent_id)
            if leg is not None:
                self._end_hold(draft, at)
                leg.ended_at = at
        elif isinstance(event, CallAbandoned):
            for leg in draft.legs:
                if leg.ended_at is None:
                    leg.ended_at = at
        elif isinstance(event, CallEscalated):
            leg = draft.open_leg(event.from_agent)
            if leg is not None:
                self._end_hold(draft, at)
                leg.ended_at, leg.transferred, leg.escalated = at, True, True

    def _agent(self, event: AgentStateChanged) -> None:
        agent, at = event.agent, event.at
        held = self._agent_state.get(agent.id)
        if held is not None:
            state, since, prefecture = held
            if state in _REPORTED_STATES and at > since:
                self.spans.append(
                    AgentStateSpan(agent.id, prefecture, AgentState(state), _at(since), _at(at))
                )
        self._agent_state[agent.id] = (str(event.new.state), at, agent.prefecture)
        if str(event.old) == "wrap_up":
            leg = self._agent_legs.pop(agent.id, None)
            if leg is not None and leg.ended_at is not None and leg.wrap_up_end is None:
                leg.wrap_up_end = at

    # -- finishing ---------------------------------------------------------------------------
    def finished(self, now: float, *, force: bool = False) -> list[FinishedCall]:
        """The calls that are over (all of them with ``force``), removed from the assembly."""
        done = []
        for call_id, draft in list(self._calls.items()):
            if draft.channels and not force:
                continue
            if not force and draft.hung_up_at is None:
                continue
            ended = draft.hung_up_at if draft.hung_up_at is not None else now
            waited = now - ended
            cdr_ok = draft.cdr is not None or waited >= self.cdr_grace_s
            wraps = all(leg.wrap_up_end is not None for leg in draft.legs if leg.answered_at is not None)
            if not force and not (cdr_ok and (wraps or waited >= self.settle_s)):
                continue
            del self._calls[call_id]
            for uniqueid in [u for u, c in self._by_uniqueid.items() if c == call_id]:
                del self._by_uniqueid[uniqueid]
            if draft.caller is None:
                continue  # only its other channels were seen: not a call we can describe
            done.append(self._finish(draft, ended))
        return done

    def _finish(self, d: _Draft, hung_up: float) -> FinishedCall:
        caller = d.caller
        assert caller is not None
        campaign = caller.variable(CAMPAIGN) or (
            caller.context if caller.context.startswith(OUTBOUND_CONTEXT) else None
        )
        arrived = d.arrived_at
        hung_up = max(hung_up, arrived)
        if d.queued_at is None and d.legs:  # the queue entry was missed: the first offer stands for it
            d.queued_at, d.skill = d.legs[0].offered_at, d.legs[0].skill
        queued = None if d.queued_at is None else min(max(d.queued_at, arrived), hung_up)
        ivr_end = d.ivr_ended_at
        if ivr_end is None and caller.variable("HOTLINE_IVR_PATH"):
            ivr_end = queued if queued is not None else hung_up
        if ivr_end is not None:
            ivr_end = min(max(ivr_end, arrived), queued if queued is not None else hung_up)
        legs = tuple(self._leg(leg, queued if queued is not None else arrived, hung_up) for leg in d.legs)
        path = tuple(p for p in (caller.variable("HOTLINE_IVR_PATH") or "").split(">") if p)
        served = caller.variable("HOTLINE_OUTCOME") == "selfserved"
        answered = any(leg.answered for leg in legs)
        if campaign is not None:
            direction = Direction.OUTBOUND
            outcome = self._outbound_outcome(d, answered)
            queued_at, skill, ivr_end, path, served = queued, d.skill, None, (), False
        else:
            direction = Direction.INBOUND
            queued_at, skill = queued, d.skill
            if queued_at is not None:
                outcome = CallOutcome.ANSWERED if answered else CallOutcome.ABANDONED_IN_QUEUE
                served = False
            else:
                outcome = CallOutcome.SELF_SERVED if served else CallOutcome.ABANDONED_IN_IVR
        record = CallRecord(
            call_id=d.call_id,
            direction=direction,
            prefecture=d.prefecture or caller.variable("HOTLINE_PREFECTURE") or self.default_prefecture,
            arrived_at=_at(arrived),
            hung_up_at=_at(hung_up),
            outcome=outcome,
            hung_up_by=d.hung_up_by or Party.SYSTEM,
            cause=d.cause,
            ivr_ended_at=None if ivr_end is None else _at(ivr_end),
            queued_at=None if queued_at is None else _at(queued_at),
            skill=skill,
            legs=legs,
            segment=d.segment or caller.variable("HOTLINE_SEGMENT") or "normal",
            self_served=served,
            ivr_path=path,
            campaign=campaign,
        )
        cdr = d.cdr
        facts = CdrFacts(
            caller_number=caller.caller.number,
            duration_s=None if cdr is None else cdr.duration_s,
            billsec_s=None if cdr is None else cdr.billable_s,
            disposition=None if cdr is None else cdr.disposition,
            channel_answered_at=None if d.answered_at is None else _at(d.answered_at),
        )
        return FinishedCall(record, facts)

    @staticmethod
    def _leg(leg: _Leg, floor_at: float, hung_up: float) -> CallLeg:
        offered = min(max(leg.offered_at, floor_at), hung_up)
        ended = min(max(leg.ended_at if leg.ended_at is not None else hung_up, offered), hung_up)
        answered = None if leg.answered_at is None else min(max(leg.answered_at, offered), ended)
        wrap = None if leg.wrap_up_end is None or answered is None else max(leg.wrap_up_end, ended)
        connected_ms = 0 if answered is None else millis(_at(answered), _at(ended))
        return CallLeg(
            agent=leg.agent,
            skill=leg.skill,
            offered_at=_at(offered),
            ended_at=_at(ended),
            answered_at=None if answered is None else _at(answered),
            hold_ms=0 if answered is None else min(leg.hold_ms, connected_ms),
            wrap_up_end=None if wrap is None else _at(wrap),
            transferred=leg.transferred and answered is not None,
            escalated=leg.escalated and answered is not None,
        )

    @staticmethod
    def _outbound_outcome(d: _Draft, answered: bool) -> CallOutcome:
        if answered:
            return CallOutcome.CONTACTED
        if d.answered_at is not None:
            return CallOutcome.DIALER_ABANDONED
        if d.cause == 17:  # user busy
            return CallOutcome.BUSY
        if d.cause in (18, 19, 21):  # no user responding, no answer, call rejected
            return CallOutcome.NO_ANSWER
        return CallOutcome.UNREACHABLE
