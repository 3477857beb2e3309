"""AMI ``Originate``: place a call to a device, then run an application or the dialplan on it.

Reasons in ``OriginateResponse`` are Asterisk's ``AST_CONTROL_*`` numbers: 4 answered,
5 busy, 8 congestion, 3 no answer (ringing timed out), 1 hung up, 0 failure (no such
extension, device unavailable).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog

from cti.ami.protocol import AmiMessage
from sim.channel import Location
from sim.outbound import DialError, DialParty, OutboundLeg, create_leg, dial_end, start_leg
from sim.pbx import Pbx

log = structlog.get_logger(__name__)

REASONS = {"ANSWER": 4, "BUSY": 5, "CONGESTION": 8, "NOANSWER": 3, "CANCEL": 1, "CHANUNAVAIL": 0}


@dataclass
class OriginateRequest:
    channel: str
    context: str | None = None
    exten: str | None = None
    priority: int | None = None
    application: str | None = None
    data: str = ""
    timeout_s: float = 30.0
    caller_num: str | None = None
    caller_name: str | None = None
    variables: list[tuple[str, str]] = field(default_factory=list)
    account: str = ""
    action_id: str | None = None
    is_async: bool = False
    channel_id: str | None = None  # the uniqueid of the channel made (the ;1 half of a Local)
    other_channel_id: str | None = None  # the ;2 half's


@dataclass
class OriginateResult:
    status: str  # ANSWER, BUSY, ...
    channel: str | None
    uniqueid: str | None


def _response_event(
    pbx: Pbx, req: OriginateRequest, result: OriginateResult, leg: OutboundLeg | None
) -> None:
    headers: list[tuple[str, str]] = []
    if req.action_id is not None:
        headers.append(("ActionID", req.action_id))
    ok = result.status == "ANSWER"
    headers += [("Response", "Success" if ok else "Failure"), ("Channel", result.channel or req.channel)]
    if req.application:
        headers += [("Application", req.application), ("Data", req.data)]
    else:
        headers += [("Context", req.context or ""), ("Exten", req.exten or "")]
    chan = leg.channel if (leg is not None and ok) else None
    headers += [
        ("Reason", str(REASONS.get(result.status, 0))),
        ("Uniqueid", result.uniqueid or "<unknown>"),
        ("CallerIDNum", (chan.caller_num if chan else req.caller_num) or "<unknown>"),
        ("CallerIDName", (chan.caller_name if chan else req.caller_name) or "<unknown>"),
    ]
    pbx.bus.publish("OriginateResponse", "call", headers)


async def originate(
    pbx: Pbx, req: OriginateRequest, on_placed: Callable[[OriginateResult], None] | None = None
) -> OriginateResult:
    """Place the call; ``on_placed`` is called once the outcome is known (answer or failure)."""
    party = DialParty(
        caller_num=req.caller_num,
        caller_name=req.caller_name,
        connected_num=req.caller_num,
        connected_name=req.caller_name,
        context=req.context or "default",
        exten=req.exten or "s",
        linkedid=None,
    )
    leg: OutboundLeg | None = None
    try:
        pbx.ids.preset(req.channel_id, req.other_channel_id)
        try:
            leg = create_leg(pbx, req.channel, party, variables=req.variables, from_dial=False)
        finally:
            pbx.ids.preset()
    except DialError as err:
        result = OriginateResult(err.status, None, None)
        _finish(pbx, req, result, None, on_placed)
        return result
    chan = leg.channel
    chan.accountcode = req.account or chan.accountcode
    if not start_leg(pbx, leg, None):
        two = chan.local_peer
        if chan.cdr is not None:
            chan.cdr.disposition = "FAILED"
        if two is not None:
            if two.cdr is not None:
                two.cdr.disposition = "FAILED"
            # the call never started: the halves are torn down without telling each other
            two.local_peer = chan.local_peer = None
            await pbx.hangup(two)
        result = OriginateResult("CHANUNAVAIL", None, None)
        _finish(pbx, req, result, None, on_placed)
        await pbx.hangup(chan)
        return result
    # DialEnd goes out the moment the outcome is known, as Asterisk's dialing thread does
    leg.on_result.append(lambda status: dial_end(pbx, None, chan, status))
    try:
        async with asyncio.timeout(pbx.clock.real_seconds(req.timeout_s)):
            status = await asyncio.shield(leg.outcome)
    except TimeoutError:
        leg.resolve("NOANSWER")
        status = "NOANSWER"
        # Asterisk hangs the unanswered channel up with 19 "User alerting, no answer" (both legs)
        chan.hangupcause = chan.hangupcause or 19
    if status != "ANSWER":
        if chan.cdr is not None:
            chan.cdr.disposition = {"BUSY": "BUSY", "CONGESTION": "FAILED"}.get(status, "NO ANSWER")
        two = chan.local_peer
        if two is not None and two.cdr is not None and status == "BUSY":
            two.cdr.disposition = "BUSY"
        result = OriginateResult(status, None, None)
        _finish(pbx, req, result, None, on_placed)
        await pbx.hangup(chan)
        return result
    result = OriginateResult("ANSWER", chan.name, chan.uniqueid)
    if req.application is None:
        chan.context = req.context or "default"
        chan.exten = req.exten or "s"
        chan.priority = req.priority or 1
        if chan.cdr is not None:
            chan.cdr.dst, chan.cdr.dcontext = chan.exten, chan.context
    _finish(pbx, req, result, leg, on_placed)
    pbx.spawn(_run_originated(pbx, req, leg), name=f"originated {chan.name}")
    return result


def _finish(
    pbx: Pbx,
    req: OriginateRequest,
    result: OriginateResult,
    leg: OutboundLeg | None,
    on_placed: Callable[[OriginateResult], None] | None,
) -> None:
    if req.is_async:
        _response_event(pbx, req, result, leg)
    if on_placed is not None:
        on_placed(result)


async def _run_originated(pbx: Pbx, req: OriginateRequest, leg: OutboundLeg) -> None:
    chan = leg.channel
    if req.application is None:
        await pbx.run_pbx(chan)
        return
    chan.driven = True
    res = await pbx.exec_app(chan, req.application, req.data)
    if chan.pending_goto is not None and not chan.hungup:
        await pbx.run_pbx(chan)
        return
    _ = res
    await pbx.hangup(chan)


def response_message(action_id: str | None, ok: bool, message: str) -> AmiMessage:
    headers = [("Response", "Success" if ok else "Error")]
    if action_id is not None:
        headers.append(("ActionID", action_id))
    headers.append(("Message", message))
    return AmiMessage(tuple(headers))


def location_of(req: OriginateRequest) -> Location | None:
    if req.application is not None:
        return None
    return Location(req.context or "default", req.exten or "s", req.priority or 1)
