"""Calling queue members: what app_queue's ``ring_entry`` and ``hangupcalls`` do to one member.

A :class:`MemberCall` is one attempt to reach a member for a caller waiting in a queue.  For a
``Local/exten@context[/n]`` interface it makes the Local pair itself, with Asterisk's events in
Asterisk's order (``Newexten`` ``AppQueue`` on ``;1``, the caller-id the new channel takes from the
caller's connected line, ``DIALEDPEERNUMBER`` on both halves, ``LocalBridge``, ``AgentCalled``,
``DialBegin``).  The ``;1`` half takes the caller's extension and connected line at once, but
Asterisk publishes that only with its next snapshot: ``AgentCalled`` (a fresh snapshot) shows it,
``DialBegin`` (the cached one) does not, and the first state change of ``;1`` brings ``Newexten``
and ``NewConnectedLine``.  Other interfaces (``PJSIP/…``) ring a simulated phone.

:class:`CallerRecords` keeps the caller's call records the way Asterisk's CDR engine does when a
channel dials one party after another: one record per dialled member, each ended when that member
is given up; after a failed attempt the next one (or the dialplan, if the caller leaves the queue)
starts a new record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.cdr import publish_cdr
from sim.channel import AST_STATE_DOWN, AST_STATE_RING, AST_STATE_RINGING, CdrRecord, Channel
from sim.outbound import DialError, DialParty, OutboundLeg, create_leg, dial_end, publish_local_bridge

if TYPE_CHECKING:
    from sim.pbx import Pbx
    from sim.queues import Member, Queue

# Disposition of a record whose party never answered, by hang-up cause (cdr.c)
_DISPOSITIONS = {0: "FAILED", 17: "BUSY", 34: "FAILED", 3: "FAILED", 20: "FAILED"}
ANSWERED_ELSEWHERE = 26


def disposition_for(cause: int) -> str:
    return _DISPOSITIONS.get(cause, "NO ANSWER")


@dataclass(eq=False)
class MemberCall:
    """One member a caller rings (app_queue's ``struct callattempt``)."""

    member: Member
    metric: int
    still_going: bool = True
    leg: OutboundLeg | None = None
    rang: bool = False
    record: CdrRecord | None = None

    @property
    def channel(self) -> Channel | None:
        return self.leg.channel if self.leg is not None else None


def request(pbx: Pbx, caller: Channel, call: MemberCall) -> OutboundLeg | None:
    """``ast_request`` and the set-up before ``ast_call``; None when the device cannot be had."""
    interface = call.member.interface
    tech, _, location = interface.partition("/")
    if tech.lower() != "local":
        party = DialParty(
            caller.connected_num or caller.caller_num,
            caller.connected_name or caller.caller_name,
            caller.caller_num,
            caller.caller_name,
            caller.context,
            caller.exten,
            caller.linkedid,
            caller.language,
        )
        try:
            return create_leg(pbx, interface, party, from_dial=True, inherit_from=caller)
        except DialError:
            return None
    dest, _, options = location.partition("/")
    exten, _, context = dest.partition("@")
    context = context or "default"
    base = f"Local/{exten}@{context}-{pbx.ids.channel_suffix('Local')}"
    linkedid = caller.linkedid
    one = pbx.new_channel(
        base + ";1", tech="Local", context=context, exten=exten, state=AST_STATE_DOWN, linkedid=linkedid
    )
    two = pbx.new_channel(
        base + ";2", tech="Local", context=context, exten=exten, state=AST_STATE_RING, linkedid=linkedid
    )
    one.local_peer, two.local_peer, one.local_side, two.local_side = two, one, 1, 2
    one.endpoint = two.endpoint = dest
    one.cdr, two.cdr = None, CdrRecord(start=two.created, dst=exten, dcontext=context)
    one.inherit_variables(caller)
    leg = OutboundLeg(one, dest)
    setattr(leg, "local_options", options)  # noqa: B010 (read by publish_local_bridge)
    one.appl, one.data = "AppQueue", "(Outgoing Line)"
    if caller.connected_num is not None:  # the new channel has no caller-id: the caller's connected line
        one.caller_num, one.caller_name = caller.connected_num, caller.connected_name
    else:
        one.caller_num, one.caller_name = caller.exten, None
    newexten = [("Extension", exten), ("Application", "AppQueue"), ("AppData", "(Outgoing Line)")]
    one.publish("Newexten", newexten, privilege="dialplan")
    one.set_callerid(one.caller_num, one.caller_name)
    one.set_variable("DIALEDPEERNUMBER", location)
    return leg


def place(pbx: Pbx, caller: Channel, queue: Queue, call: MemberCall) -> bool:
    """``ast_call`` and the events after it; False when the call cannot be placed."""
    leg = call.leg
    assert leg is not None
    one = leg.channel
    one.dialed_by = caller
    member = call.member
    two = one.local_peer
    if two is None:  # a phone
        phone = pbx.endpoints.get(f"PJSIP/{one.endpoint}")
        if phone is None:
            return False
        _agent_called(pbx, caller, queue, call, one.snapshot("Dest"))
        phone.incoming(one, leg)
        return True
    if not pbx.exists(two.context, two.exten):
        return False
    two.inherit_variables(caller)
    two.set_variable("DIALEDPEERNUMBER", member.interface.partition("/")[2])
    two.connected_num, two.connected_name = one.caller_num, one.caller_name
    two.set_callerid(caller.caller_num, caller.caller_name)  # ;2 sees ;1's connected line as its caller
    two.set_connected(one.caller_num, one.caller_name)
    publish_local_bridge(pbx, leg)
    cached = one.snapshot("Dest")
    one.connected_num, one.connected_name = caller.caller_num, caller.caller_name
    one.exten = caller.exten
    _agent_called(pbx, caller, queue, call, cached)
    two.cdr = two.cdr or CdrRecord(start=two.created, dst=two.exten, dcontext=two.context)
    watch = _watch(leg)
    one.change_hooks.append(watch)
    two.change_hooks.append(watch)
    pbx.spawn(pbx.run_pbx(two), name=f"pbx {two.name}")
    return True


def _agent_called(
    pbx: Pbx, caller: Channel, queue: Queue, call: MemberCall, cached: list[tuple[str, str]]
) -> None:
    one = call.channel
    assert one is not None
    member = call.member
    fields = [("Queue", queue.name), ("Interface", member.interface), ("MemberName", member.name)]
    pbx.bus.publish("AgentCalled", "agent", [*caller.snapshot(), *one.snapshot("Dest"), *fields])
    pbx.bus.publish("DialBegin", "call", [*caller.snapshot(), *cached, ("DialString", member.interface)])


def _watch(leg: OutboundLeg) -> Callable[[], None]:
    """Settle the leg from what its halves do; publish ``;1``'s new snapshot at its first change."""
    one = leg.channel
    two = one.local_peer
    assert two is not None
    first = [True]

    def check() -> None:
        if first[0] and one.state != AST_STATE_DOWN and not one.dead:
            first[0] = False
            extra = [("Extension", one.exten), ("Application", "AppQueue"), ("AppData", "(Outgoing Line)")]
            one.publish("Newexten", extra, privilege="dialplan")
            one.publish("NewConnectedLine")
        if leg.outcome.done():
            return
        if one.is_up:
            leg.resolve("ANSWER")
        elif two.indication in ("busy", "congestion"):
            leg.resolve(two.indication.upper())
        elif two.dead or two.softhangup:
            leg.resolve("NOANSWER")
        elif one.dead or one.softhangup:
            leg.resolve("CANCEL")

    return check


def is_ringing(call: MemberCall) -> bool:
    chan = call.channel
    return chan is not None and chan.state == AST_STATE_RINGING


def dial_state(pbx: Pbx, caller: Channel, call: MemberCall, status: str) -> None:
    one = call.channel
    assert one is not None
    pbx.bus.publish("DialState", "call", [*caller.snapshot(), *one.snapshot("Dest"), ("DialStatus", status)])


def dial_ended(pbx: Pbx, caller: Channel, call: MemberCall, status: str) -> None:
    one = call.channel
    assert one is not None
    dial_end(pbx, caller, one, status)


async def hang_up(pbx: Pbx, call: MemberCall, cause: int | None = None) -> None:
    """End the attempt (``do_hang``); ``cause`` is set on the member's channel first."""
    one = call.channel
    call.still_going, call.leg = False, None
    if one is None or one.dead:
        return
    if cause is not None:
        one.hangupcause = cause
    two = one.local_peer
    if two is not None and two.cdr is not None and two.cdr.answer is None and not two.dead:
        two.cdr.disposition = disposition_for(one.hangupcause or two.hangupcause)
    await pbx.hangup(one)


class CallerRecords:
    """The caller's call records while it rings members (cdr.c's dial and dial-pending states)."""

    def __init__(self, pbx: Pbx, chan: Channel) -> None:
        self.pbx = pbx
        self.chan = chan
        self.template = chan.cdr
        self.others: list[CdrRecord] = []  # open records besides the channel's current one
        self.finished: list[CdrRecord] = []
        self.pending = False
        if self.template is not None:
            chan.listeners.append(self)

    def _new(self) -> CdrRecord | None:
        base = self.template
        if base is None:
            return None
        now = self.pbx.clock.now()
        answer = now if self.chan.is_up else None
        return CdrRecord(
            now, answer, lastapp=base.lastapp, lastdata=base.lastdata, dst=base.dst, dcontext=base.dcontext
        )

    def dialled(self, call: MemberCall) -> None:
        one = call.channel
        current = self.chan.cdr
        if self.template is None or one is None:
            return
        if current is not None and not current.dstchannel:
            call.record = current
        else:
            call.record = self._new()
            if current is None:
                self.chan.cdr = call.record
            elif call.record is not None:
                self.others.append(call.record)
        self.pending = False
        if call.record is not None:
            call.record.dstchannel = one.name

    def given_up(self, call: MemberCall, status: str) -> None:
        record, call.record = call.record, None
        if record is None:
            return
        record.end = self.pbx.clock.now()
        record.disposition = {"BUSY": "BUSY", "CONGESTION": "FAILED"}.get(status, "NO ANSWER")
        self.finished.append(record)
        if record is self.chan.cdr:
            self.chan.cdr, self.pending = None, True
        elif record in self.others:
            self.others.remove(record)

    def answered(self, call: MemberCall) -> None:
        record = call.record
        if record is None or record is self.chan.cdr:
            return
        if self.chan.cdr is not None:
            self.others.append(self.chan.cdr)
        self.others.remove(record)
        self.chan.cdr = record

    def resumed(self) -> None:
        """The caller goes on in the dialplan after failed attempts: a new record starts."""
        if self.pending and self.chan.cdr is None:
            self.chan.cdr = self._new()
            self.pending = False

    def on_hangup(self, chan: Channel) -> None:
        for record in self.finished:
            publish_cdr(self.pbx, chan, record)
        self.finished.clear()
