"""``Dial(Tech/resource[&Tech/resource…][,timeout[,options]])``.

Rings every target at once; the first to answer is bridged with the caller, the others are
cancelled.  Sets ``DIALSTATUS`` (ANSWER, BUSY, NOANSWER, CANCEL, CONGESTION, CHANUNAVAIL),
``DIALEDPEERNAME``, ``DIALEDPEERNUMBER``, ``ANSWEREDTIME``/``DIALEDTIME`` (+``_MS``) and
``RINGTIME`` as Asterisk does.  Options: ``g`` continue in the dialplan when the called
party hangs up, ``A(file)`` play an announcement to the called party before bridging.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from sim import playback
from sim.agi.port import ChannelHungUp
from sim.channel import AST_STATE_UP, Channel
from sim.dialplan.args import split_app_args
from sim.outbound import DialError, DialParty, OutboundLeg, create_leg, dial_end, start_leg

if TYPE_CHECKING:
    from sim.bridge import Bridge
    from sim.pbx import Pbx

RESULT_VARS = (
    "DIALSTATUS",
    "DIALEDPEERNUMBER",
    "DIALEDPEERNAME",
    "ANSWEREDTIME",
    "ANSWEREDTIME_MS",
    "DIALEDTIME",
    "DIALEDTIME_MS",
    "RINGTIME",
    "RINGTIME_MS",
    "PROGRESSTIME",
    "PROGRESSTIME_MS",
)


def _options(text: str) -> tuple[set[str], dict[str, str]]:
    flags: set[str] = set()
    params: dict[str, str] = {}
    for m in re.finditer(r"([A-Za-z])(?:\(([^)]*)\))?", text):
        flags.add(m.group(1))
        if m.group(2) is not None:
            params[m.group(1)] = m.group(2)
    return flags, params


async def app_dial(pbx: Pbx, caller: Channel, data: str) -> int:
    args = split_app_args(data)
    if not args or not args[0]:
        return -1  # Asterisk: "Dial requires an argument" -> hang up
    targets = [t for t in args[0].split("&") if t]
    timeout: float | None = None
    if len(args) > 1 and args[1].strip():
        try:
            timeout = float(args[1])
        except ValueError:
            timeout = None
    flags, params = _options(args[2] if len(args) > 2 else "")
    for name in RESULT_VARS:
        caller.set_variable(name, "")
    started = pbx.clock.elapsed()
    party = DialParty(
        caller_num=caller.caller_num,
        caller_name=caller.caller_name,
        connected_num=caller.connected_num,
        connected_name=caller.connected_name,
        context=caller.context,
        exten=caller.exten,
        linkedid=caller.linkedid,
        language=caller.language,
    )
    legs: list[OutboundLeg] = []
    failures: list[str] = []
    for target in targets:
        try:
            leg = create_leg(pbx, target, party, from_dial=True, inherit_from=caller)
        except DialError as err:
            failures.append(err.status)
            continue
        leg.channel.dialed_by = caller
        if start_leg(pbx, leg, caller):
            legs.append(leg)
        else:
            failures.append("CHANUNAVAIL")
            two = leg.channel.local_peer
            if two is not None:
                await pbx.hangup(two)
            await pbx.hangup(leg.channel)
    if not legs:
        caller.set_variable("DIALSTATUS", failures[0] if failures else "CHANUNAVAIL")
        return 0
    winner, status = await _wait_answer(pbx, caller, legs, timeout)
    ring_time = pbx.clock.elapsed() - started
    for leg in legs:
        if leg is winner:
            continue
        leg_status = status if winner is None else "CANCEL"
        if leg.outcome.done() and leg.outcome.result() not in ("ANSWER",):
            leg_status = leg.outcome.result()
        dial_end(pbx, caller, leg.channel, leg_status)
        leg.channel.hangupcause = leg.channel.hangupcause or (16 if leg_status == "CANCEL" else 19)
        await pbx.hangup(leg.channel)
    if winner is None:
        caller.set_variable("DIALSTATUS", status)
        if leg_rang(legs):
            caller.set_variable("RINGTIME", str(int(ring_time)))
            caller.set_variable("RINGTIME_MS", str(int(ring_time * 1000)))
        return -1 if status == "CANCEL" else 0
    return await _connect(pbx, caller, winner, started, flags, params)


def leg_rang(legs: list[OutboundLeg]) -> bool:
    return any(leg.ring_started is not None for leg in legs)


async def _wait_answer(
    pbx: Pbx, caller: Channel, legs: list[OutboundLeg], ring_timeout: float | None
) -> tuple[OutboundLeg | None, str]:
    loop = asyncio.get_running_loop()
    deadline = None if ring_timeout is None else loop.time() + pbx.clock.real_seconds(ring_timeout)
    while True:
        answered = [leg for leg in legs if leg.outcome.done() and leg.outcome.result() == "ANSWER"]
        if answered:
            return answered[0], "ANSWER"
        pending = [leg for leg in legs if not leg.outcome.done()]
        if not pending:
            results = [leg.outcome.result() for leg in legs]
            for preferred in ("BUSY", "CONGESTION", "NOANSWER", "CHANUNAVAIL"):
                if preferred in results:
                    return None, preferred
            return None, "NOANSWER"
        if caller.hungup or caller.pending_goto is not None:
            # an AMI Redirect of the caller is a soft hang-up (ASYNCGOTO) to app_dial: "CANCEL"
            return None, "CANCEL"
        remaining = None if deadline is None else deadline - loop.time()
        if remaining is not None and remaining <= 0:
            return None, "NOANSWER"
        waiters: list[asyncio.Future[object]] = [
            asyncio.ensure_future(asyncio.shield(leg.outcome)) for leg in pending
        ]
        waiters.append(asyncio.ensure_future(caller.wait_state_change()))
        try:
            await asyncio.wait(waiters, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()


async def _connect(
    pbx: Pbx, caller: Channel, leg: OutboundLeg, started: float, flags: set[str], params: dict[str, str]
) -> int:
    callee = leg.channel
    callee.exten = ""  # Asterisk clears the answered channel's extension here
    caller.set_variable("DIALSTATUS", "ANSWER")
    caller.set_variable("DIALEDPEERNAME", callee.name)
    caller.set_variable("DIALEDPEERNUMBER", leg.dialstring)
    dial_end(pbx, caller, callee, "ANSWER")
    if caller.cdr is not None:
        caller.cdr.dstchannel = callee.name
    if caller.state != AST_STATE_UP:
        await pbx.answer(caller)
    if "A" in params:
        try:
            for name in params["A"].split("&"):
                await playback.play(callee, name, "")
        except ChannelHungUp:
            pass
    bridge = pbx.new_bridge()
    callee.publish(
        "Newexten",
        [("Extension", ""), ("Application", "AppDial"), ("AppData", "(Outgoing Line)")],
        privilege="dialplan",
    )
    pbx.device_state(pbx.device_of(callee), "INUSE")
    bridge.enter(callee)
    pbx.device_state(pbx.device_of(callee), "INUSE")
    bridge.enter(caller)
    pbx.set_bridgepeers(bridge)
    pbx.notify_bridged(bridge)
    while True:
        bridge.changed.clear()
        caller_out = caller.hungup or caller.pending_goto is not None or caller.bridge is not bridge
        callee_out = callee.hungup or callee.pending_goto is not None or callee.bridge is not bridge
        # once a third party has joined (BridgeAdd) the call goes on without the called party
        if caller_out or (callee_out and not _others(bridge, caller, callee)):
            break
        await bridge.changed.wait()
    callee_hung_up = callee.hungup
    if caller.bridge is bridge:
        pbx.leave_bridge(caller)
    # app_dial: the caller's time since it was answered, and since it was created
    up_s = pbx.clock.now() - (caller.answered_at or pbx.clock.now())
    age_s = pbx.clock.now() - caller.created
    caller.set_variable("ANSWEREDTIME", str(int(up_s)))
    caller.set_variable("ANSWEREDTIME_MS", str(int(up_s * 1000)))
    caller.set_variable("DIALEDTIME", str(int(age_s)))
    caller.set_variable("DIALEDTIME_MS", str(int(age_s * 1000)))
    if _others(bridge, caller, callee):
        # a third party is still there: the called party stays with it, the bridge ends when
        # its last member leaves (a multi-party bridge does not dissolve when one party goes)
        if callee.bridge is bridge and not callee.hungup:
            from sim.bridging import participate

            pbx.spawn(participate(pbx, callee, bridge), name=f"bridge {callee.name}")
    else:
        if callee.bridge is bridge:
            pbx.leave_bridge(callee)
        if not bridge.destroyed:
            bridge.destroy()
    caller.set_variable("DIALSTATUS", "ANSWER")
    if (
        not callee.dead
        and not callee.driven  # redirected elsewhere (AMI Redirect): it runs a dialplan of its own
        and callee.pending_goto is None
        and callee.bridge is None
        and callee.pending_bridge is None
    ):
        if callee.hangupcause == 0:
            callee.hangupcause = 16
        await pbx.hangup(callee)
    if caller.hangupcause == 0 and (caller.hungup or callee_hung_up):
        caller.hangupcause = 16
    if caller.hungup:
        return -1
    if caller.pending_goto is not None:
        return 0
    return 0 if "g" in flags else -1


def _others(bridge: Bridge, *parties: Channel) -> list[Channel]:
    return [c for c in bridge.channels if all(c is not p for p in parties)]


APPS = {"Dial": app_dial}
