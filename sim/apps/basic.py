"""Control-flow and signalling applications: Answer, Wait, Set, Goto, GotoIf, Hangup, Busy…"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.channel import AST_STATE_BUSY, AST_STATE_RING, AST_STATE_RINGING, AST_STATE_UP, Channel, WakeReason
from sim.dialplan.args import is_true, parse_goto, parse_gotoif, split_app_args
from sim.dialplan.ctext import atoi

if TYPE_CHECKING:
    from sim.pbx import Pbx


def _seconds(text: str, default: float = 0.0) -> float:
    try:
        return float(text)
    except ValueError:
        return default


async def app_answer(pbx: Pbx, chan: Channel, data: str) -> int:
    """``Answer([delay])``: a ringing channel is answered, then Asterisk waits for its first media
    frame for up to max(delay, 500) ms (``__ast_answer``); a key press ends the wait unless a delay
    was given, and stays queued for the next application."""
    if chan.state == AST_STATE_UP:
        return 0
    ringing = chan.state in (AST_STATE_RING, AST_STATE_RINGING)
    await pbx.answer(chan)
    if not ringing:
        return 0
    delay_ms = max(0, atoi(data)) if data.strip() else 0
    deadline = pbx.clock.elapsed() + max(delay_ms, 500) / 1000
    keys: list[str] = []
    while (left := deadline - pbx.clock.elapsed()) > 0:
        wake = await chan.wait(left, "0123456789*#ABCD")
        if wake.reason is WakeReason.DIGIT and wake.digit is not None:
            keys.append(wake.digit)
            if not delay_ms:
                break
        elif wake.reason is not WakeReason.DIGIT:
            break
    chan._digits.extendleft(reversed(keys))  # the frames read go back to the channel (ast_queue_frame_head)
    return -1 if chan.hungup else 0


async def app_wait(pbx: Pbx, chan: Channel, data: str) -> int:
    wake = await chan.wait(_seconds(data.strip() or "0"))
    return -1 if wake.reason is WakeReason.HANGUP else 0


async def app_noop(pbx: Pbx, chan: Channel, data: str) -> int:
    return 0


async def app_set(pbx: Pbx, chan: Channel, data: str) -> int:
    name, sep, value = data.partition("=")
    if not sep or not name.strip():
        return 0  # Asterisk warns "Ignoring, no value given" and carries on
    chan.set_variable(name.strip(), value)
    return 0


async def app_goto(pbx: Pbx, chan: Channel, data: str) -> int:
    return _jump(pbx, chan, data)


def _jump(pbx: Pbx, chan: Channel, target: str) -> int:
    goto = parse_goto(target, chan.context, chan.exten)
    priority = goto.priority
    if priority is None and goto.label is not None:
        priority = pbx.dialplan.find_label(goto.context, goto.exten, goto.label)
    if priority is None:
        return -1  # Asterisk: "Priority '...' must be a number > 0, or valid label" -> hang up
    pbx.goto(chan, goto.context, goto.exten, priority)
    return 0


async def app_gotoif(pbx: Pbx, chan: Channel, data: str) -> int:
    condition, if_true, if_false = parse_gotoif(data)
    target = if_true if is_true(condition) else if_false
    if not target:
        return 0
    return _jump(pbx, chan, target)


async def app_hangup(pbx: Pbx, chan: Channel, data: str) -> int:
    cause = data.strip()
    if cause.isdigit() and int(cause) > 0:
        chan.hangupcause = int(cause)
    elif chan.hangupcause == 0:
        chan.hangupcause = 16
    return -1


async def app_busy(pbx: Pbx, chan: Channel, data: str) -> int:
    chan.hangupcause = 17
    chan.indicate("busy")
    if chan.state != AST_STATE_UP:
        chan.set_state(AST_STATE_BUSY)
    timeout = _seconds(data.strip(), -1.0) if data.strip() else None
    await chan.wait(timeout)
    return -1


async def app_congestion(pbx: Pbx, chan: Channel, data: str) -> int:
    chan.hangupcause = 34
    chan.indicate("congestion")
    timeout = _seconds(data.strip(), -1.0) if data.strip() else None
    await chan.wait(timeout)
    return -1


async def app_ringing(pbx: Pbx, chan: Channel, data: str) -> int:
    if chan.state != AST_STATE_UP:
        chan.indicate("ringing")
        peer = chan.local_peer
        if peer is not None and peer.state != AST_STATE_UP:
            peer.set_state(AST_STATE_RINGING)
    return 0


async def app_progress(pbx: Pbx, chan: Channel, data: str) -> int:
    chan.indicate("progress")
    return 0


async def app_senddtmf(pbx: Pbx, chan: Channel, data: str) -> int:
    args = split_app_args(data)
    digits = args[0] if args else ""
    between_ms = int(args[1]) if len(args) > 1 and args[1].isdigit() else 250
    duration_ms = int(args[2]) if len(args) > 2 and args[2].isdigit() else 100
    for digit in digits:
        if digit.lower() == "w":
            await chan.wait(0.5)
            continue
        if chan.hungup:
            return -1
        chan.send_dtmf(digit, duration_ms)
        await pbx.clock.sleep((duration_ms + between_ms) / 1000.0)
    return 0


async def app_verbose(pbx: Pbx, chan: Channel, data: str) -> int:
    return 0


async def app_log(pbx: Pbx, chan: Channel, data: str) -> int:
    return 0


async def app_userevent(pbx: Pbx, chan: Channel, data: str) -> int:
    args = split_app_args(data)
    if not args:
        return 0
    headers: list[tuple[str, str]] = [*chan.snapshot(), ("UserEvent", args[0])]
    for item in args[1:]:
        key, _, value = item.partition(":")
        headers.append((key.strip(), value.strip()))
    pbx.bus.publish("UserEvent", "user", headers)
    return 0


APPS = {
    "Answer": app_answer,
    "Wait": app_wait,
    "NoOp": app_noop,
    "Set": app_set,
    "Goto": app_goto,
    "GotoIf": app_gotoif,
    "Hangup": app_hangup,
    "Busy": app_busy,
    "Congestion": app_congestion,
    "Ringing": app_ringing,
    "Progress": app_progress,
    "SendDTMF": app_senddtmf,
    "Verbose": app_verbose,
    "Log": app_log,
    "UserEvent": app_userevent,
}
