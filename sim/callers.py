"""Scripted callers: a call arriving from the network, and the person on it.

The caller's channel (``PJSIP/<trunk>-<seq>``) arrives in a dialplan context with a
CallerID and a dialled number, as an inbound SIP call would.  The person presses keys on
cue — when a prompt that takes input starts, or at a fixed time — hangs up after a while or
when their patience runs out, and talks for a while once an agent answers.
"""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog

from sim.channel import AST_STATE_RING, Channel
from sim.distributions import Distribution

if TYPE_CHECKING:
    from sim.bridge import Bridge
    from sim.pbx import Pbx

log = structlog.get_logger(__name__)


INPUT = "input"
WAIT = "wait"


@dataclass(frozen=True)
class KeyStep:
    """Press ``digits`` ``delay_s`` after the cue, one of

    - ``"input"``: the next prompt or wait that takes digits (a caller who barges in);
    - ``"wait"``: the next digit wait with nothing playing (a caller who hears the prompt out);
    - a sound name, e.g. ``"hotline/bill_menu"``: when that sound starts playing;
    - a number: that many seconds after the call arrived.

    Steps are taken in order: a step's cue is looked for once the step before it is done."""

    digits: str
    on: str | float = INPUT
    delay_s: float = 0.5
    gap_s: float = 0.25  # between digits of one step

    def cued_by(self, kind: str, what: str, escape: str) -> bool:
        """Whether media the PBX starts (``kind`` "file", "wait" or "moh") is this step's cue."""
        if self.on == INPUT:
            return bool(escape)
        if self.on == WAIT:
            return kind == "wait"
        return kind == "file" and what == self.on


@dataclass(frozen=True)
class CallerScript:
    number: str | None
    dial: str
    name: str | None = None
    context: str = "from-pstn"
    trunk: str = "pstn"
    steps: tuple[KeyStep, ...] = ()
    hangup_after_s: float | None = None  # hang up this long after arriving, whatever happens
    patience: Distribution | None = None  # hang up if no agent has answered by then
    talk: Distribution | None = None  # hang up this long after an agent answers (None: wait for the agent)
    label: str = ""


@dataclass
class CallerRecord:
    """What happened to one scripted call (the simulator's own view, for reports and tests)."""

    script: CallerScript
    channel: str
    uniqueid: str
    arrived: float
    keys_pressed: list[tuple[float, str]] = field(default_factory=list)
    connected_to: str | None = None
    connected_at: float | None = None
    ended_at: float | None = None
    hung_up_by_caller: bool = False
    abandoned: bool = False


class Caller:
    def __init__(self, pbx: Pbx, script: CallerScript, rng: random.Random) -> None:
        self.pbx = pbx
        self.script = script
        self.rng = rng
        self.steps = list(script.steps)
        self.channel: Channel | None = None
        self.record: CallerRecord | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.done = asyncio.Event()
        self.ended_hooks: list[Callable[[Caller], None]] = []  # run once, when the call has ended
        self._pressing = False

    def place(self) -> Channel:
        pbx = self.pbx
        s = self.script
        chan = pbx.new_channel(
            f"PJSIP/{s.trunk}-{pbx.ids.channel_suffix('PJSIP')}",
            tech="PJSIP",
            context=s.context,
            exten=s.dial,
            state=AST_STATE_RING,
            caller=(s.number, s.name),
        )
        from sim.channel import CdrRecord

        chan.dnid = s.dial
        chan.endpoint = s.trunk
        chan.cdr = CdrRecord(start=chan.created)
        chan.listeners.append(self)
        self.channel = chan
        self.record = CallerRecord(s, chan.name, chan.uniqueid, pbx.clock.now())
        pbx.media_listeners.append(self.on_media)
        pbx.spawn(pbx.run_pbx(chan), name=f"pbx {chan.name}")
        for step in list(self.steps):
            if not isinstance(step.on, str):
                self.steps.remove(step)
                self._later(float(step.on), functools.partial(self._press, step))
        if s.hangup_after_s is not None:
            self._later(s.hangup_after_s, self._hangup_coro)
        if s.patience is not None:
            self._later(s.patience.sample(self.rng), self._abandon_if_waiting)
        return chan

    def _later(self, seconds: float, action: Callable[[], Awaitable[None]]) -> None:
        async def run() -> None:
            await self.pbx.clock.sleep(seconds)
            await action()

        self._tasks.append(self.pbx.spawn(run(), name="caller timer"))

    # -- cues from the PBX ---------------------------------------------------------------------
    def on_media(self, chan: Channel, kind: str, what: str, escape: str) -> None:
        if chan is not self.channel or self._pressing:
            return
        if self.steps and self.steps[0].cued_by(kind, what, escape):
            step = self.steps.pop(0)
            self._pressing = True
            self._later(step.delay_s, functools.partial(self._press, step))

    async def _press(self, step: KeyStep) -> None:
        chan = self.channel
        try:
            if chan is None or chan.hungup:
                return
            for i, digit in enumerate(step.digits):
                if i:
                    await self.pbx.clock.sleep(step.gap_s)
                if chan.ended():
                    return
                chan.receive_dtmf(digit)
                if self.record is not None:
                    self.record.keys_pressed.append((self.pbx.clock.now(), digit))
        finally:
            self._pressing = False

    def on_bridged(self, chan: Channel, bridge: Bridge) -> None:
        if self.record is None or self.record.connected_at is not None:
            return
        peers = bridge.peers(chan)
        self.record.connected_to = peers[0].name if peers else None
        self.record.connected_at = self.pbx.clock.now()
        if self.script.talk is not None:
            self._later(self.script.talk.sample(self.rng), self._hangup_coro)

    def on_hangup(self, chan: Channel) -> None:
        if self.record is not None:
            self.record.ended_at = self.pbx.clock.now()
        if self.on_media in self.pbx.media_listeners:
            self.pbx.media_listeners.remove(self.on_media)
        for task in self._tasks:
            if task is not asyncio.current_task():
                task.cancel()
        self._tasks.clear()  # a cancelled timer would keep its frames (through its exception) alive
        if self.done.is_set():
            return
        self.done.set()
        for hook in self.ended_hooks:
            hook(self)

    def on_answer(self, chan: Channel) -> None:
        return None

    def on_dtmf(self, chan: Channel, digit: str) -> None:
        return None

    # -- hanging up ------------------------------------------------------------------------------
    async def _hangup_coro(self) -> None:
        self.hangup()

    async def _abandon_if_waiting(self) -> None:
        if self.record is not None and self.record.connected_at is None:
            self.record.abandoned = True
            self.hangup()

    def hangup(self) -> None:
        chan = self.channel
        if chan is None or chan.dead or chan.softhangup:
            return
        if self.record is not None:
            self.record.hung_up_by_caller = True
        self.pbx.queue_hangup(chan, 16)

    def press(self, digits: str) -> None:
        """Press keys right now (tests)."""
        chan = self.channel
        if chan is not None and not chan.hungup:
            for d in digits:
                chan.receive_dtmf(d)
                if self.record is not None:
                    self.record.keys_pressed.append((self.pbx.clock.now(), d))
