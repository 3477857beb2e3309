"""``ChanSpy([chanprefix][,options])``: listen to, whisper to or barge into another channel.

Options used by QA: ``q`` quiet (no beep, no name), ``w`` whisper, ``B`` barge, ``o`` hear
only the spied-on channel, ``E`` stop when the spied-on channel hangs up, ``d`` DTMF
switches mode (4 spy, 5 whisper, 6 barge), ``S`` stop when there is nothing to spy on.
Each spying period publishes ``ChanSpyStart``/``ChanSpyStop`` with ``Spyer*``/``Spyee*``
snapshots, as app_chanspy does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.channel import AST_STATE_UP, Channel, HeardItem, Wake, WakeReason
from sim.dialplan.args import split_app_args

if TYPE_CHECKING:
    from sim.pbx import Pbx

MODES = {"4": "spy", "5": "whisper", "6": "barge"}


@dataclass(eq=False)
class SpySession:
    spyer: Channel
    spyee: Channel
    options: str
    mode: str
    started: float
    modes_seen: list[str] = field(default_factory=list)


def _flags(options: str) -> set[str]:
    return set(re.sub(r"\([^)]*\)", "", options))


def _candidates(pbx: Pbx, spyer: Channel, prefix: str) -> list[Channel]:
    out = []
    for chan in pbx.channels.values():
        if chan is spyer or chan.dead or chan.hungup or chan.state != AST_STATE_UP:
            continue
        if prefix and not chan.name.lower().startswith(prefix.lower()):
            continue
        out.append(chan)
    return out


async def app_chanspy(pbx: Pbx, chan: Channel, data: str) -> int:
    args = split_app_args(data)
    prefix = args[0] if args else ""
    options = args[1] if len(args) > 1 else ""
    flags = _flags(options)
    if chan.state != AST_STATE_UP:
        await pbx.answer(chan)
    mode = "barge" if "B" in flags else "whisper" if "w" in flags else "spy"
    while not chan.hungup:
        targets = _candidates(pbx, chan, prefix)
        if not targets:
            if "S" in flags:
                return 0
            wake = await chan.wait(1.0)
            if wake.reason is WakeReason.HANGUP:
                return -1
            if wake.reason is WakeReason.GOTO:
                return 0
            continue
        spyee = targets[0]
        session = SpySession(chan, spyee, options, mode, pbx.clock.now(), [mode])
        pbx.spy_sessions.append(session)
        spyee.spies.append(chan)
        headers = [*chan.snapshot("Spyer"), *spyee.snapshot("Spyee")]
        pbx.bus.publish("ChanSpyStart", "call", headers)
        if "q" not in flags:
            chan.heard.append(_beep(pbx))
        try:
            while True:
                accept = "456*#" if "d" in flags else "*#"
                spied = await _wait_spy(chan, spyee, accept)
                if spied is None:  # spyee gone
                    break
                if spied.reason is WakeReason.HANGUP or spied.reason is WakeReason.GOTO:
                    break
                if spied.reason is WakeReason.DIGIT and spied.digit in MODES:
                    session.mode = MODES[spied.digit]
                    session.modes_seen.append(session.mode)
                elif spied.reason is WakeReason.DIGIT and spied.digit == "#":
                    break
        finally:
            if chan in spyee.spies:
                spyee.spies.remove(chan)
            pbx.spy_sessions.remove(session)
            stop_headers = [*chan.snapshot("Spyer")]
            if not spyee.dead:
                stop_headers += spyee.snapshot("Spyee")
            pbx.bus.publish("ChanSpyStop", "call", stop_headers)
        if chan.ended():
            return -1
        if chan.pending_goto is not None:
            return 0
        if "E" in flags:
            return -1
    return -1


async def _wait_spy(spyer: Channel, spyee: Channel, accept: str) -> Wake | None:
    while True:
        if spyee.dead or spyee.hungup:
            return None
        wake = await spyer.wait(0.2, accept)
        if wake.reason is not WakeReason.TIMEOUT:
            return wake


def _beep(pbx: Pbx) -> HeardItem:
    return HeardItem("file", "beep", pbx.clock.now())


APPS = {"ChanSpy": app_chanspy}
