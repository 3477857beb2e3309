"""``AmiFeed.blind``: the ACD trusts what it hears only once it has compared its calls with the
channel listing of the current AMI session.  The listing's ``Resynced`` change can reach the feed,
and its resync run, before the supervisor counts the session ready (seen on every stop and start of
the real Asterisk, ``tests/faults/test_asterisk_restart.py``); that resync counts."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from cti.acd_bridge.feed import AmiFeed
from cti.ami.protocol import AmiMessage
from cti.ami.state import CallState


class Reconnecting:
    """What the feed reads of the AMI client: the state model, ``connected``, ``sessions``."""

    def __init__(self) -> None:
        self.state = CallState()
        self.connected = asyncio.Event()
        self.sessions = 0
        self._listings = 0

    def listing_complete(self) -> None:
        self._listings += 1
        action_id = f"listing-{self._listings}"
        self.state.apply(AmiMessage.build(("Event", "CoreShowChannelsComplete"), ("ActionID", action_id)))

    def ready(self) -> None:
        self.sessions += 1
        self.connected.set()


class NoCalls:
    async def calls(self) -> list[Any]:
        return []


def feed_on(ami: Reconnecting) -> AmiFeed:
    return AmiFeed(ami, SimpleNamespace(store=NoCalls()), telephony=None)  # type: ignore[arg-type]


async def test_a_resync_run_before_the_session_is_counted_ready_counts() -> None:
    ami = Reconnecting()
    feed = feed_on(ami)
    ami.listing_complete()
    ami.ready()
    await feed.resync()
    assert not feed.blind()
    ami.connected.clear()  # the session is lost
    assert feed.blind()
    ami.listing_complete()  # the next session's listing: its Resynced change reaches the feed first
    await feed.resync()
    ami.ready()
    assert not feed.blind()


async def test_a_resync_before_the_new_listing_leaves_the_feed_blind() -> None:
    ami = Reconnecting()
    feed = feed_on(ami)
    ami.listing_complete()
    ami.ready()
    await feed.resync()
    ami.connected.clear()
    await feed.resync()  # e.g. heal, while the channels of the cut are not listed yet
    ami.listing_complete()
    ami.ready()
    assert feed.blind()
    await feed.resync()
    assert not feed.blind()
