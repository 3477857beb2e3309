"""What a simulated channel's caller hears: sound files, digits and numbers played to it, and waits
for a key, each stopping early on an escape digit the caller presses (no I/O beyond the clock).

Used by the dialplan applications (Playback, SayDigits, Dial's announcements, ...) and, through
:mod:`sim.apps.agi_channel`, by the FastAGI client's STREAM FILE, SAY ... and WAIT FOR DIGIT.
Every wait goes through :meth:`sim.channel.Channel.wait`, so a hang-up raises
:class:`~sim.agi.port.ChannelHungUp` and the simulated clock decides how long a sound lasts.
"""

from __future__ import annotations

from sim.agi.port import ChannelHungUp, PlaybackOutcome, SoundMissing
from sim.channel import Channel, HeardItem, WakeReason
from sim.media import digit_files

__all__ = ["play", "say_digits", "say_number", "wait_for_digit"]


async def play(chan: Channel, filename: str, escape_digits: str) -> PlaybackOutcome:
    """Play ``filename`` (no extension); a digit in ``escape_digits`` stops it."""
    if chan.hungup:
        raise ChannelHungUp(chan.name)
    duration = chan.pbx.media.duration(filename, chan.language)
    if duration is None:
        return PlaybackOutcome(found=False, digit=None, endpos=0)
    item = HeardItem("file", filename, chan.pbx.clock.now())
    chan.heard.append(item)
    chan.pbx.notify_media(chan, "file", filename, escape_digits)
    started = chan.pbx.clock.elapsed()
    wake = await chan.wait(duration, escape_digits)
    if wake.reason is WakeReason.HANGUP:
        raise ChannelHungUp(chan.name)
    played = min(duration, chan.pbx.clock.elapsed() - started)
    endpos = round(played * 8000)
    if wake.reason is WakeReason.DIGIT:
        item.interrupted_by = wake.digit
        return PlaybackOutcome(found=True, digit=wake.digit, endpos=endpos)
    return PlaybackOutcome(found=True, digit=None, endpos=round(duration * 8000))


async def wait_for_digit(chan: Channel, timeout_ms: int) -> str | None:
    """The next key within ``timeout_ms`` (-1: forever); None on time-out."""
    if chan.hungup:
        raise ChannelHungUp(chan.name)
    chan.pbx.notify_media(chan, "wait", "", "0123456789*#ABCD")
    seconds = None if timeout_ms < 0 else timeout_ms / 1000.0
    wake = await chan.wait(seconds, "0123456789*#ABCD")
    if wake.reason is WakeReason.HANGUP:
        raise ChannelHungUp(chan.name)
    return wake.digit if wake.reason is WakeReason.DIGIT else None


async def say_digits(chan: Channel, digits: str, escape_digits: str) -> str | None:
    """Say each digit (``digits/N``; a missing file is skipped); the escape digit pressed, if any."""
    for name in digit_files(digits):
        outcome = await play(chan, name, escape_digits)
        if outcome.digit is not None:
            return outcome.digit
    return None


async def say_number(chan: Channel, number: int, escape_digits: str, gender: str | None) -> str | None:
    """SAY NUMBER: Chinese skips a missing sound (``ast_say_number_full_zh`` ignores
    ``ast_streamfile`` failing); English stops at it and fails (``say_filenames``)."""
    try:
        files = chan.pbx.media.number_files(number, chan.language)
    except ValueError as exc:
        raise SoundMissing(str(exc)) from None
    skip_missing = chan.language[:2].lower() == "zh"
    for name in files:
        outcome = await play(chan, name, escape_digits)
        if not outcome.found and not skip_missing:
            raise SoundMissing(name)
        if outcome.digit is not None:
            return outcome.digit
    return None
