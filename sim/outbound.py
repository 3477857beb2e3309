"""Placing an outbound leg: what ``Dial()`` and ``Originate`` do to reach a device.

``Local/exten@context[/n]`` makes a Local channel pair whose ``;2`` half runs the dialplan;
``PJSIP/<endpoint>`` rings a simulated phone (:mod:`sim.phones`).  Either way the dialler gets
an :class:`OutboundLeg` whose ``outcome`` future says how the attempt ended
(``ANSWER``, ``BUSY``, ``NOANSWER``, ``CONGESTION``, ``CHANUNAVAIL``), with Asterisk's events
in Asterisk's order on the way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.channel import AST_STATE_DOWN, AST_STATE_RING, CdrRecord, Channel

if TYPE_CHECKING:
    from sim.pbx import Pbx


@dataclass(eq=False)
class OutboundLeg:
    channel: Channel
    dialstring: str
    outcome: asyncio.Future[str] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    ring_started: float | None = None
    on_result: list[Callable[[str], None]] = field(default_factory=list)

    def resolve(self, status: str) -> None:
        """Settle the outcome; ``on_result`` callbacks run now, before any other task does."""
        if not self.outcome.done():
            self.outcome.set_result(status)
            for callback in self.on_result:
                callback(status)


@dataclass(frozen=True, slots=True)
class DialParty:
    """Who is dialling: caller-id and location the new leg inherits."""

    caller_num: str | None
    caller_name: str | None
    connected_num: str | None
    connected_name: str | None
    context: str
    exten: str
    linkedid: str | None
    language: str = "en"


class DialError(Exception):
    """The device cannot be dialled at all (bad technology, unknown endpoint)."""

    def __init__(self, status: str, cause: int) -> None:
        super().__init__(status)
        self.status = status
        self.cause = cause


def split_dialstring(target: str) -> tuple[str, str]:
    tech, sep, resource = target.partition("/")
    if not sep or not resource:
        raise DialError("CHANUNAVAIL", 66)
    return tech, resource


def create_leg(
    pbx: Pbx,
    target: str,
    party: DialParty,
    *,
    variables: list[tuple[str, str]] = (),  # type: ignore[assignment]
    from_dial: bool,
    inherit_from: Channel | None = None,
) -> OutboundLeg:
    """Create the channel(s) for ``target`` and publish their first events (no ringing yet)."""
    tech, resource = split_dialstring(target)
    if tech.lower() == "local":
        return _local_leg(
            pbx, resource, party, variables=variables, from_dial=from_dial, inherit_from=inherit_from
        )
    if tech.upper() == "PJSIP":
        phone = pbx.endpoints.get(f"PJSIP/{resource}")
        if phone is None or not phone.reachable:
            raise DialError("CHANUNAVAIL", 20)
        chan = pbx.new_channel(
            f"PJSIP/{resource}-{pbx.ids.channel_suffix('PJSIP')}",
            tech="PJSIP",
            context=party.context,
            exten=resource,
            state=AST_STATE_DOWN,
            linkedid=party.linkedid,
            language=party.language,
        )
        chan.endpoint = resource
        if inherit_from is not None:
            chan.inherit_variables(inherit_from)
        leg = OutboundLeg(chan, resource)
        if from_dial:
            chan.cdr = None
            chan.set_variable("DIALEDPEERNUMBER", resource)
            chan.context, chan.exten = party.context, party.exten
            chan.publish(
                "Newexten",
                [("Extension", party.exten), ("Application", "AppDial"), ("AppData", "(Outgoing Line)")],
                privilege="dialplan",
            )
        else:
            chan.cdr = CdrRecord(start=chan.created, dst=resource, dcontext=party.context)
            chan.publish(
                "Newexten",
                [("Extension", resource), ("Application", "AppDial2"), ("AppData", "(Outgoing Line)")],
                privilege="dialplan",
            )
            for name, value in variables:
                chan.set_variable(name, value)
        _set_ids(chan, party, from_dial)
        return leg
    raise DialError("CHANUNAVAIL", 66)


def _set_ids(chan: Channel, party: DialParty, from_dial: bool) -> None:
    if from_dial:
        chan.set_callerid(party.exten, party.caller_name)
        chan.set_connected(party.caller_num, party.caller_name)
    elif party.caller_num is not None or party.caller_name is not None:
        chan.set_callerid(party.caller_num, party.caller_name)
        chan.set_connected(party.caller_num, party.caller_name)


def _local_leg(
    pbx: Pbx,
    resource: str,
    party: DialParty,
    *,
    variables: list[tuple[str, str]] | tuple[()],
    from_dial: bool,
    inherit_from: Channel | None,
) -> OutboundLeg:
    dest, _, options = resource.partition("/")
    exten, _, context = dest.partition("@")
    context = context or "default"
    base = f"Local/{exten}@{context}-{pbx.ids.channel_suffix('Local')}"
    one = pbx.new_channel(
        base + ";1", tech="Local", context=context, exten=exten, state=AST_STATE_DOWN, linkedid=party.linkedid
    )
    two = pbx.new_channel(
        base + ";2", tech="Local", context=context, exten=exten, state=AST_STATE_RING, linkedid=one.linkedid
    )
    one.local_peer, two.local_peer = two, one
    one.local_side, two.local_side = 1, 2
    one.endpoint = two.endpoint = f"{exten}@{context}"
    if inherit_from is not None:
        one.inherit_variables(inherit_from)
        two.inherit_variables(inherit_from)
    leg = OutboundLeg(one, f"{exten}@{context}")
    leg.local_options = options  # type: ignore[attr-defined]
    two.cdr = CdrRecord(start=two.created, dst=exten, dcontext=context)
    if from_dial:
        one.cdr = None
        for chan in (one,):
            chan.set_variable("DIALEDPEERNUMBER", f"{exten}@{context}")
        one.context, one.exten = party.context, party.exten
        one.caller_num, one.caller_name = party.exten, party.caller_name
        one.connected_num, one.connected_name = party.caller_num, party.caller_name
        one.publish(
            "Newexten",
            [("Extension", party.exten), ("Application", "AppDial"), ("AppData", "(Outgoing Line)")],
            privilege="dialplan",
        )
        one.set_callerid(one.caller_num, one.caller_name)
        one.set_connected(one.connected_num, one.connected_name)
        two.set_variable("DIALEDPEERNUMBER", f"{exten}@{context}")
        _mirror_ids(one, two)
    else:
        one.cdr = CdrRecord(
            start=one.created, dst=exten, dcontext=context, lastapp="AppDial2", lastdata="(Outgoing Line)"
        )
        one.publish(
            "Newexten",
            [("Extension", exten), ("Application", "AppDial2"), ("AppData", "(Outgoing Line)")],
            privilege="dialplan",
        )
        for name, value in variables:
            one.set_variable(name, value)
        if party.caller_num is not None or party.caller_name is not None:
            _set_ids(one, party, from_dial=False)
        for name, value in variables:
            two.set_variable(name, value)
        if party.caller_num is not None or party.caller_name is not None:
            _mirror_ids(one, two)
    return leg


def _mirror_ids(one: Channel, two: Channel) -> None:
    """The ``;2`` half of a Local channel sees the ``;1`` half's ids the other way round."""
    two.connected_num, two.connected_name = one.caller_num, one.caller_name
    two.set_callerid(one.connected_num, one.connected_name)
    two.set_connected(one.caller_num, one.caller_name)


def publish_local_bridge(pbx: Pbx, leg: OutboundLeg) -> None:
    one = leg.channel
    two = one.local_peer
    assert two is not None
    options = getattr(leg, "local_options", "")
    pbx.bus.publish(
        "LocalBridge",
        "call",
        [
            *one.snapshot("LocalOne"),
            *two.snapshot("LocalTwo"),
            ("Context", two.context),
            ("Exten", two.exten),
            ("LocalOptimization", "No" if "n" in options else "Yes"),
        ],
    )


def start_leg(pbx: Pbx, leg: OutboundLeg, dialer: Channel | None) -> bool:
    """``ast_call()``: make the far end ring.  False when it cannot (no such extension)."""
    chan = leg.channel
    if chan.tech == "Local":
        two = chan.local_peer
        assert two is not None
        if not pbx.exists(two.context, two.exten, 1):
            return False
        publish_local_bridge(pbx, leg)
        dial_begin(pbx, dialer, chan, leg.dialstring)
        two.cdr = two.cdr or CdrRecord(start=two.created)
        two.cdr.dst, two.cdr.dcontext = two.exten, two.context
        check = _local_outcome_check(leg)
        chan.change_hooks.append(check)
        two.change_hooks.append(check)
        pbx.spawn(pbx.run_pbx(two), name=f"pbx {two.name}")
        return True
    phone = pbx.endpoints.get(f"PJSIP/{chan.endpoint}")
    if phone is None:
        return False
    dial_begin(pbx, dialer, chan, chan.endpoint)
    phone.incoming(chan, leg)
    return True


def dial_begin(pbx: Pbx, dialer: Channel | None, dest: Channel, dialstring: str) -> None:
    headers = [*(dialer.snapshot() if dialer is not None else []), *dest.snapshot("Dest")]
    pbx.bus.publish("DialBegin", "call", [*headers, ("DialString", dialstring)])


def dial_end(pbx: Pbx, dialer: Channel | None, dest: Channel, status: str) -> None:
    headers = [*(dialer.snapshot() if dialer is not None else []), *dest.snapshot("Dest")]
    pbx.bus.publish("DialEnd", "call", [*headers, ("DialStatus", status)])


def _local_outcome_check(leg: OutboundLeg) -> Callable[[], None]:
    """Settle the leg's outcome from what its ``;2`` half does, the moment it does it."""
    one = leg.channel
    two = one.local_peer
    assert two is not None

    def check() -> None:
        if leg.outcome.done():
            return
        if one.state == 6:
            leg.resolve("ANSWER")
        elif two.indication == "busy":
            leg.resolve("BUSY")
        elif two.indication == "congestion":
            leg.resolve("CONGESTION")
        elif two.dead or two.softhangup:
            leg.resolve("NOANSWER" if two.hangupcause in (0, 16, 19) else "CHANUNAVAIL")
        elif one.dead or one.softhangup:
            leg.resolve("CANCEL")

    return check


async def wait_any_change(*channels: Channel) -> None:
    waiters = [asyncio.ensure_future(c.wait_state_change()) for c in channels]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
