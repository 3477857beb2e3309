"""Applications that play audio: Playback, Background, MusicOnHold, SayDigits, SayNumber, Read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim import playback
from sim.agi.port import ChannelHungUp, SoundMissing
from sim.channel import AST_STATE_UP, Channel, WakeReason
from sim.dialplan.args import split_app_args

if TYPE_CHECKING:
    from sim.pbx import Pbx

ALL_DIGITS = "0123456789*#"


async def app_playback(pbx: Pbx, chan: Channel, data: str) -> int:
    args = split_app_args(data)
    files = args[0].split("&") if args else []
    options = args[1] if len(args) > 1 else ""
    if chan.state != AST_STATE_UP:
        if "skip" in options:
            return 0
        if "noanswer" not in options:
            await pbx.answer(chan)
    status = "SUCCESS"
    try:
        for name in files:
            outcome = await playback.play(chan, name, "")
            if not outcome.found:
                status = "FAILED"
    except ChannelHungUp:
        return -1
    chan.set_variable("PLAYBACKSTATUS", status)
    return 0


async def app_background(pbx: Pbx, chan: Channel, data: str) -> int:
    args = split_app_args(data)
    files = args[0].split("&") if args else []
    context = args[3] if len(args) > 3 and args[3] else chan.context
    if chan.state != AST_STATE_UP:
        await pbx.answer(chan)
    try:
        for name in files:
            outcome = await playback.play(chan, name, ALL_DIGITS)
            if outcome.digit is not None:
                return await _collect_extension(pbx, chan, outcome.digit, context)
    except ChannelHungUp:
        return -1
    return 0


async def _collect_extension(
    pbx: Pbx, chan: Channel, first: str, context: str, timeout_s: float = 3.0
) -> int:
    typed = first
    while pbx.dialplan.match(context, typed) is None or _could_grow(pbx, context, typed):
        wake = await chan.wait(timeout_s, ALL_DIGITS)
        if wake.reason is WakeReason.HANGUP:
            return -1
        if wake.reason is not WakeReason.DIGIT or wake.digit is None:
            break
        typed += wake.digit
    if pbx.exists(context, typed):
        pbx.goto(chan, context, typed, 1)
    elif pbx.exists(context, "i"):
        chan.set_variable("INVALID_EXTEN", typed)
        pbx.goto(chan, context, "i", 1)
    return 0


def _could_grow(pbx: Pbx, context: str, typed: str) -> bool:
    return pbx.dialplan.match(context, typed) is None


async def app_waitexten(pbx: Pbx, chan: Channel, data: str) -> int:
    args = split_app_args(data)
    try:
        seconds = float(args[0]) if args and args[0] else 10.0
    except ValueError:
        seconds = 10.0
    wake = await chan.wait(seconds, ALL_DIGITS)
    if wake.reason is WakeReason.HANGUP:
        return -1
    if wake.reason is WakeReason.DIGIT and wake.digit is not None:
        return await _collect_extension(pbx, chan, wake.digit, chan.context)
    if pbx.exists(chan.context, "t"):
        pbx.goto(chan, chan.context, "t", 1)
        return 0
    return -1


async def app_musiconhold(pbx: Pbx, chan: Channel, data: str) -> int:
    args = split_app_args(data)
    moh_class = args[0] if args and args[0] else "default"
    duration = None
    if len(args) > 1 and args[1]:
        try:
            duration = float(args[1])
        except ValueError:
            duration = None
    pbx.start_moh(chan, moh_class)
    wake = await chan.wait(duration)
    pbx.stop_moh(chan)
    return -1 if wake.reason is WakeReason.HANGUP else 0


async def app_saydigits(pbx: Pbx, chan: Channel, data: str) -> int:
    try:
        await playback.say_digits(chan, split_app_args(data)[0] if data else "", "")
    except ChannelHungUp:
        return -1
    return 0


async def app_saynumber(pbx: Pbx, chan: Channel, data: str) -> int:
    args = split_app_args(data)
    try:
        number = int(args[0]) if args else 0
    except ValueError:
        return 0  # Asterisk: "number must be an integer" warning, carries on
    try:
        await playback.say_number(chan, number, "", None)
    except ChannelHungUp:
        return -1
    except SoundMissing:
        return 0  # "We were unable to say the number", and the dialplan goes on
    return 0


async def app_read(pbx: Pbx, chan: Channel, data: str) -> int:
    """Read(variable[,filename[&...][,maxdigits[,options[,attempts[,timeout]]]]])"""
    args = split_app_args(data) + [""] * 6
    var, files, maxdigits_s, _options, _attempts, timeout_s = args[:6]
    maxdigits = int(maxdigits_s) if maxdigits_s.isdigit() else 255
    timeout = float(timeout_s) if timeout_s.replace(".", "", 1).isdigit() else 5.0
    if chan.state != AST_STATE_UP:
        await pbx.answer(chan)
    typed = ""
    try:
        for name in [f for f in files.split("&") if f]:
            outcome = await playback.play(chan, name, ALL_DIGITS)
            if outcome.digit is not None:
                typed = outcome.digit
                break
    except ChannelHungUp:
        return -1
    status = "OK"
    while len(typed) < maxdigits:
        wake = await chan.wait(timeout, ALL_DIGITS)
        if wake.reason is WakeReason.HANGUP:
            chan.set_variable("READSTATUS", "HANGUP")
            return -1
        if wake.reason is not WakeReason.DIGIT or wake.digit is None:
            status = "TIMEOUT" if not typed else "OK"
            break
        if wake.digit == "#":
            break
        typed += wake.digit
    chan.set_variable(var, typed)
    chan.set_variable("READSTATUS", status)
    return 0


APPS = {
    "Playback": app_playback,
    "Background": app_background,
    "WaitExten": app_waitexten,
    "MusicOnHold": app_musiconhold,
    "SayDigits": app_saydigits,
    "SayNumber": app_saynumber,
    "Read": app_read,
}
