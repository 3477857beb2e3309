"""Simulated SIP phones behind ``PJSIP/<extension>``: agents' softphones and QA phones.

A phone rings for its ring time and answers (or never answers, or is unreachable, or is
busy), then — for an agent phone — talks for a handle time drawn from its distribution
and hangs up; a QA phone stays on a spy call until the spied-on call ends or it is told to
hang up.  Tests and scenarios can steer a phone at any moment (:meth:`Phone.answer_now`,
:meth:`Phone.hangup_now`, :meth:`Phone.press`).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog

from sim.channel import AST_STATE_RINGING, Channel
from sim.distributions import Distribution, Fixed

if TYPE_CHECKING:
    from sim.bridge import Bridge
    from sim.outbound import OutboundLeg
    from sim.pbx import Pbx

log = structlog.get_logger(__name__)


@dataclass
class PhoneProfile:
    extension: str
    kind: str = "agent"  # "agent" | "qa"
    reachable: bool = True
    answers: bool = True
    busy: bool = False
    ring: Distribution = field(default_factory=lambda: Fixed(1.0))
    talk: Distribution | None = field(default_factory=lambda: Fixed(60.0))
    name: str = ""


@dataclass
class PhoneCall:
    channel: Channel
    leg: OutboundLeg | None
    rang_at: float
    answered_at: float | None = None
    ended_at: float | None = None
    bridged_with: list[str] = field(default_factory=list)


class Phone:
    def __init__(
        self, pbx: Pbx, profile: PhoneProfile, rng: random.Random, *, keep_ended: bool = True
    ) -> None:
        self.pbx = pbx
        self.profile = profile
        self.rng = rng
        self.keep_ended = keep_ended  # keep ended calls in ``calls`` (tests look back at them)
        self.calls: list[PhoneCall] = []
        self.current: PhoneCall | None = None
        self.ring_task: asyncio.Task[None] | None = None
        self.talk_task: asyncio.Task[None] | None = None
        self.busy_offers = 0  # calls offered while already on a call

    @property
    def endpoint(self) -> str:
        return f"PJSIP/{self.profile.extension}"

    @property
    def reachable(self) -> bool:
        return self.profile.reachable

    # -- called by the PBX ---------------------------------------------------------------
    def incoming(self, chan: Channel, leg: OutboundLeg) -> None:
        """A call for this phone: ring, then answer / refuse as the profile says."""
        chan.listeners.append(self)
        if self.current is not None or self.profile.busy:
            self.busy_offers += 1
            log.warning("call offered to a busy phone", endpoint=self.endpoint, channel=chan.name)
            chan.hangupcause = 17
            leg.resolve("BUSY")
            return
        call = PhoneCall(chan, leg, self.pbx.clock.now())
        self.calls.append(call)
        self.current = call
        chan.set_state(AST_STATE_RINGING)
        leg.ring_started = self.pbx.clock.now()
        self.pbx.device_state(self.endpoint, "RINGING")
        if self.profile.answers:
            delay = self.profile.ring.sample(self.rng)
            self.ring_task = self.pbx.spawn(self._answer_after(call, delay), name=f"ring {self.endpoint}")

    async def _answer_after(self, call: PhoneCall, delay: float) -> None:
        await self.pbx.clock.sleep(delay)
        await self._answer(call)

    async def _answer(self, call: PhoneCall) -> None:
        chan = call.channel
        if chan.hungup or call.answered_at is not None:
            return
        call.answered_at = self.pbx.clock.now()
        await self.pbx.answer(chan)
        if call.leg is not None:
            call.leg.resolve("ANSWER")
        self.pbx.device_state(self.endpoint, "INUSE")

    def on_bridged(self, chan: Channel, bridge: Bridge) -> None:
        call = self._call_for(chan)
        if call is None:
            return
        call.bridged_with = [c.name for c in bridge.peers(chan)]
        if self.profile.kind == "agent" and self.profile.talk is not None and self.talk_task is None:
            talk = self.profile.talk.sample(self.rng)
            self.talk_task = self.pbx.spawn(self._hangup_after(call, talk), name=f"talk {self.endpoint}")

    async def _hangup_after(self, call: PhoneCall, seconds: float) -> None:
        await self.pbx.clock.sleep(seconds)
        self._hangup(call)

    def on_hangup(self, chan: Channel) -> None:
        call = self._call_for(chan)
        if call is None:
            return
        call.ended_at = self.pbx.clock.now()
        if not self.keep_ended:
            self.calls.remove(call)
        if self.current is call:
            self.current = None
            for task in (self.ring_task, self.talk_task):
                if task is not None and task is not asyncio.current_task():
                    task.cancel()
            self.ring_task = self.talk_task = None

    def on_dtmf(self, chan: Channel, digit: str) -> None:
        """DTMF sent to the phone: heard by its user; nothing to do."""

    def _call_for(self, chan: Channel) -> PhoneCall | None:
        for call in reversed(self.calls):
            if call.channel is chan:
                return call
        return None

    def _hangup(self, call: PhoneCall) -> None:
        chan = call.channel
        if chan.dead or chan.softhangup:
            return
        # the phone sends BYE: Asterisk queues a hang-up with Normal Clearing
        self.pbx.queue_hangup(chan, 16)

    # -- steering from tests and scenarios ----------------------------------------------------
    async def answer_now(self) -> None:
        if self.current is not None:
            if self.ring_task is not None:
                self.ring_task.cancel()
                self.ring_task = None
            await self._answer(self.current)

    def hangup_now(self) -> None:
        if self.current is not None:
            self._hangup(self.current)

    def press(self, digits: str) -> None:
        if self.current is not None:
            for d in digits:
                self.current.channel.receive_dtmf(d)


def phones_by_endpoint(phones: list[Phone]) -> dict[str, Phone]:
    return {p.endpoint: p for p in phones}
