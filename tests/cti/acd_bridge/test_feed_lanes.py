"""The AMI feed reads on while its reports are made: a report that routes the next call and waits
on Asterisk (here a dial held open, as a ``Redirect`` waits for the AMI session or the caller's
channel) holds neither the reports of other calls nor the resync after a reconnect.

Reported one at a time, such reports held everything behind them: after a 60 s AMI cut the
resync did not start within a minute (``tests/faults/test_ami_outage.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from acd.clock import ManualClock
from acd.events import AcdEvent, CallAbandoned, CallEnded
from acd.model import SkillRequirement
from acd.overflow import load_routing
from acd.service import AcdService
from acd.settings import AcdSettings
from acd.store import CallPhase
from acd.store_memory import MemoryStore
from cti.acd_bridge.feed import AmiFeed
from cti.ami.channels import Change
from cti.ami.protocol import AmiMessage
from cti.ami.state import CallState
from cti.ami.subscriptions import Subscription
from tests.acd.support import FakeTelephony, agent
from tests.cti.acd_bridge.test_signals import event, snapshot

BILLING = SkillRequirement("billing")
X = ("PJSIP/pstn-0000000a", "1.10")  # talking to the agent
Y = ("PJSIP/pstn-0000000b", "1.11")  # waiting: offered next, its dial held open
Z = ("PJSIP/pstn-0000000c", "1.12")  # waiting: hangs up meanwhile


class Ami:
    """What the feed reads of the AMI client: the call state, ``connected``, ``changes()``."""

    def __init__(self) -> None:
        self.state = CallState()
        self.connected = asyncio.Event()
        self._subscriptions: list[Subscription[Change]] = []

    def changes(self) -> Subscription[Change]:
        changes: Subscription[Change] = Subscription("changes", 1000)
        self._subscriptions.append(changes)
        return changes

    def hear(self, *events: AmiMessage) -> None:
        for message in events:
            for change in self.state.apply(message):
                for changes in self._subscriptions:
                    changes.offer(change)


def hangup(channel: tuple[str, str], context: str) -> AmiMessage:
    return event("Hangup", snapshot(channel, context, "s"), extra=[("Cause", "16"), ("Cause-txt", "Normal")])


def listing(action_id: str, channels: Sequence[tuple[str, str]]) -> list[AmiMessage]:
    listed = [
        event("CoreShowChannel", snapshot(ch, "acd-wait", "s"), extra=[("ActionID", action_id)])
        for ch in channels
    ]
    return [
        *listed,
        event("CoreShowChannelsComplete", extra=[("ActionID", action_id), ("ListItems", str(len(channels)))]),
    ]


async def until(predicate: Callable[[], Awaitable[bool]], timeout_s: float = 2.0) -> None:
    async with asyncio.timeout(timeout_s):
        while True:
            if await predicate():
                return
            await asyncio.sleep(0.01)


async def test_a_report_held_by_routing_holds_neither_other_calls_nor_the_resync() -> None:
    store, telephony, ami = MemoryStore(), FakeTelephony(), Ami()
    service = AcdService(
        store=store, telephony=telephony, routing=load_routing(),
        settings=AcdSettings(wrapup_s=0.0), clock=ManualClock(),
    )  # fmt: skip
    events: list[AcdEvent] = []
    service.subscribe(events.append)
    await service.register_agent(agent("a1"))
    await service.login("a1")
    for _, uniqueid in (X, Y, Z):
        await service.enqueue(uniqueid, BILLING, "normal", "chengdu")
    assert await service.agent_answered(X[1], "a1")
    ami.hear(
        event("Newchannel", snapshot(X, "acd-connect", "ext-a1")),
        event("Newchannel", snapshot(Y, "acd-wait", "s")),
        event("Newchannel", snapshot(Z, "acd-wait", "s")),
    )
    ami.connected.set()
    feed = AmiFeed(ami, service, telephony)  # type: ignore[arg-type]
    running = asyncio.create_task(feed.run())
    try:
        async with asyncio.timeout(2):
            await feed.synced.wait()
        telephony.hold = asyncio.Event()

        ami.hear(hangup(X, "acd-connect"))  # the agent is free: Y is offered, its dial held
        await until(lambda: _true(("connect", Y[1], "a1") in telephony.actions))
        ami.hear(hangup(Z, "acd-wait"))
        await until(lambda: _gone(service, Z[1]))
        ami.hear(*listing("r1", [Y]))  # a reconnect's listing
        await until(lambda: _true(feed.resyncs == 2 and not feed.blind()))
        record = await service.call(Y[1])
        assert record is not None and record.phase is CallPhase.OFFERED
        assert not telephony.hold.is_set()  # all of that while Y's dial was still held

        telephony.hold.set()
        await feed.lanes.idle()
        ended = [e.entry.entry_id for e in events if isinstance(e, CallEnded | CallAbandoned)]
        assert sorted(ended) == [X[1], Z[1]]  # each once
        assert feed.signals == 2
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await feed.close()


async def _true(value: bool) -> bool:
    return value


async def _gone(service: AcdService, uniqueid: str) -> bool:
    return await service.call(uniqueid) is None
