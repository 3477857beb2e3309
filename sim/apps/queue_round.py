"""One round of calls to queue members: app_queue's ``ring_one``, ``wait_for_answer``, ``hangupcalls``.

A :class:`Round` rings the member the strategy ranks first (``ringall``: every member sharing the
best rank) and waits up to the ring time for an answer.  On the way, in Asterisk's order:
``DialState RINGING`` when a member's channel rings; for a member who is busy or hangs up,
``DialEnd`` and ``AgentRingNoAnswer`` (then, except for ringall, the next member is rung); at the
ring time, ``AgentRingNoAnswer`` for every member still ringing and ``DialEnd NOANSWER``; when one
answers, ``DialEnd ANSWER`` for it and ``DialEnd CANCEL`` for the others; at the end every member
still called gets ``DialEnd CANCEL`` and is hung up (cause 26, answered elsewhere, if someone
answered).

Requesting a member's channel takes :data:`MEMBER_REQUEST_S` before each member after the first
(Asterisk needs a few milliseconds per channel while the members already called run their
dialplan): so a ringall ``RingTime`` can be a second less than the first member's answer delay.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from sim.apps.queue_calls import (
    ANSWERED_ELSEWHERE,
    CallerRecords,
    MemberCall,
    dial_ended,
    dial_state,
    hang_up,
    is_ringing,
    place,
    request,
)
from sim.queues import NOT_INUSE, UNKNOWN

if TYPE_CHECKING:
    from sim.pbx import Pbx
    from sim.queue_module import QueueModule
    from sim.queues import Caller, Queue

MEMBER_REQUEST_S = 0.05


class Round:
    def __init__(
        self,
        pbx: Pbx,
        module: QueueModule,
        queue: Queue,
        caller: Caller,
        records: CallerRecords,
        calls: list[MemberCall],
    ) -> None:
        self.pbx, self.module, self.queue, self.caller, self.records = pbx, module, queue, caller, records
        self.chan = caller.channel
        self.calls = calls  # in app_queue's order: the reverse of the member list

    def _elapsed(self) -> float:
        return self.pbx.clock.elapsed()

    def _expired(self) -> bool:
        return self.caller.expire is not None and self._elapsed() >= self.caller.expire

    def best(self) -> MemberCall | None:
        """``find_best``: the first member still to ring with the lowest metric."""
        best: MemberCall | None = None
        for call in self.calls:
            if call.still_going and call.leg is None and (best is None or call.metric < best.metric):
                best = call
        return best

    async def ring(self) -> None:
        """``ring_one``: the best member, or (ringall) every member sharing the best metric."""
        placed = False
        while not placed:
            best = self.best()
            if best is None:
                break
            group = [c for c in self.calls if c.still_going and c.leg is None and c.metric <= best.metric]
            for call in group if self.queue.strategy == "ringall" else [best]:
                placed |= await self._ring(call)
            if self._expired():
                break

    def _can_ring(self, call: MemberCall) -> bool:
        """``can_ring_entry``: not paused, out of wrap-up, free (unless ringinuse), not rung elsewhere."""
        member = call.member
        if member.paused or self.queue.in_wrapup(member, self._elapsed()):
            return False
        if member.ringinuse:
            return True
        key = member.interface.lower()
        if member.status not in (NOT_INUSE, UNKNOWN) or key in self.module.pending:
            return False
        if self.module.device_state(member.device) not in (NOT_INUSE, UNKNOWN):
            return False
        self.module.pending.add(key)
        return True

    async def _ring(self, call: MemberCall) -> bool:
        """``ring_entry``."""
        if not self._can_ring(call):
            call.still_going = False
            return False
        if any(c.leg is not None for c in self.calls):
            await self.pbx.clock.sleep(MEMBER_REQUEST_S)
        call.leg = request(self.pbx, self.chan, call)
        if call.leg is None:
            self.queue.rrpos += 1
            self.caller.linpos += 1
            self.module.pending.discard(call.member.interface.lower())
            call.still_going = False
            return False
        if not place(self.pbx, self.chan, self.queue, call):  # as Dial: the unused ;2 half goes too
            two = call.leg.channel.local_peer
            if two is not None:
                await self.pbx.hangup(two)
            await hang_up(self.pbx, call)
            self.module.pending.discard(call.member.interface.lower())
            return False
        self.records.dialled(call)
        return True

    def _dial_end(self, status: str, *, but: MemberCall | None = None) -> None:
        """``publish_dial_end_event``: DialEnd for every member still called (but one)."""
        for call in self.calls:
            if call.leg is not None and call is not but:
                dial_ended(self.pbx, self.chan, call, status)
                self.records.given_up(call, status)

    def _no_answer(self, call: MemberCall, ring_ms: int) -> None:
        """``rna``: AgentRingNoAnswer (auto-pause is not simulated)."""
        one = call.channel
        assert one is not None
        member = call.member
        fields = [("Queue", self.queue.name), ("Interface", member.interface), ("MemberName", member.name)]
        headers = [*self.chan.snapshot(), *one.snapshot("Dest"), *fields, ("RingTime", str(ring_ms))]
        self.pbx.bus.publish("AgentRingNoAnswer", "agent", headers)

    async def wait_for_answer(self, ring_s: float | None) -> tuple[MemberCall | None, float]:
        """(the member who answered, ms of ring time left); None and -1 when the caller left."""
        started = since = self._elapsed()
        peer: MemberCall | None = None
        ringall = self.queue.strategy == "ringall"
        live: list[MemberCall] = []
        while True:
            left = None if ring_s is None else max(0.0, ring_s - (self._elapsed() - started))
            if left == 0 or peer is not None:
                break
            live = [c for c in self.calls if c.still_going and c.leg is not None]
            if not live and ringall and any(c.still_going for c in self.calls):
                await self.ring()  # the next penalty level
                live = [c for c in self.calls if c.still_going and c.leg is not None]
            if not live:
                return None, 0.0
            await self._wait_change(live, left)
            for call in self.calls:
                leg = call.leg
                outcome = leg.outcome.result() if leg is not None and leg.outcome.done() else None
                if leg is None:
                    continue
                if outcome == "ANSWER" and peer is None:
                    dial_ended(self.pbx, self.chan, call, "ANSWER")
                    self._dial_end("CANCEL", but=call)
                    peer = call
                elif outcome is not None and outcome != "ANSWER":
                    status = outcome if outcome in ("BUSY", "CONGESTION") else "NOANSWER"
                    dial_ended(self.pbx, self.chan, call, status)
                    self.records.given_up(call, status)
                    self._no_answer(call, int(self._elapsed() - since) * 1000)
                    await hang_up(self.pbx, call)
                    self.module.pending.discard(call.member.interface.lower())
                    if not ringall:
                        if self.queue.config.timeoutrestart:
                            started = self._elapsed()
                        if ring_s is None or ring_s - (self._elapsed() - started) > 0.5:
                            await self.ring()
                            since = self._elapsed()
                elif is_ringing(call) and not call.rang:
                    call.rang = True
                    dial_state(self.pbx, self.chan, call, "RINGING")
            if self.chan.hungup or self.chan.pending_goto is not None:
                self._dial_end("CANCEL")
                return None, -1.0
        if peer is not None:
            return peer, 0.0 if left is None else left * 1000
        for call in live:
            if call.leg is not None:
                self._no_answer(call, int((ring_s or 0) * 1000))
        self._dial_end("NOANSWER")
        return None, 0.0

    async def _wait_change(self, live: list[MemberCall], left: float | None) -> None:
        """Until a member's call or the caller changes, or ``left`` seconds pass."""
        settled = any(c.leg is not None and c.leg.outcome.done() for c in live)
        unheard = any(is_ringing(c) and not c.rang for c in live)
        if settled or unheard or self.chan.hungup or self.chan.pending_goto is not None:
            return
        changed = asyncio.Event()

        def settle(_status: str) -> None:
            changed.set()

        watched = [self.chan, *(c.channel for c in live if c.channel is not None)]
        legs = [c.leg for c in live if c.leg is not None]
        for chan in watched:
            chan.change_hooks.append(changed.set)
        for leg in legs:
            leg.on_result.append(settle)
        try:
            async with asyncio.timeout(None if left is None else self.pbx.clock.real_seconds(left)):
                await changed.wait()
        except TimeoutError:
            pass
        finally:
            for chan in watched:
                chan.change_hooks.remove(changed.set)
            for leg in legs:
                leg.on_result.remove(settle)

    async def hang_up(self, peer: MemberCall | None, *, cancel_elsewhere: bool) -> None:
        """``hangupcalls``: DialEnd CANCEL and hang-up for every member still called but ``peer``."""
        elsewhere = peer is not None or cancel_elsewhere or self.chan.hangupcause == ANSWERED_ELSEWHERE
        for call in self.calls:
            if call.leg is None or call is peer:
                continue
            dial_ended(self.pbx, self.chan, call, "CANCEL")
            self.records.given_up(call, "CANCEL")
            if call.member.status == NOT_INUSE:
                self.module.pending.discard(call.member.interface.lower())
            await hang_up(self.pbx, call, ANSWERED_ELSEWHERE if elsewhere else None)
