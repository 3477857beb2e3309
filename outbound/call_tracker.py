"""What Asterisk says about the dialer's own channels: ``Hangup`` cause and ``DialEnd`` status,
picked out of the AMI event stream by our ``ChannelId`` (the channel's ``Uniqueid``).

The ``OriginateResponse`` comes through the AMI client's :class:`~cti.ami.originate.PendingOriginate`;
these two come in any order around it (both orders were seen on Asterisk 22), so they are kept
per channel until the dialer has finished the attempt and forgets it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import structlog

from cti.ami.client import AmiClient
from cti.ami.protocol import AmiMessage

__all__ = ["CallTracker", "Tracked"]

log = structlog.get_logger(__name__)


@dataclass
class Tracked:
    hangup_cause: int | None = None
    dial_status: str | None = None
    hung_up: asyncio.Event = field(default_factory=asyncio.Event)


class CallTracker:
    def __init__(self, ami: AmiClient, prefix: str) -> None:
        self._ami = ami
        self._prefix = prefix
        self._calls: dict[str, Tracked] = {}

    def track(self, channel_id: str) -> Tracked:
        return self._calls.setdefault(channel_id, Tracked())

    def forget(self, channel_id: str) -> None:
        self._calls.pop(channel_id, None)

    def __len__(self) -> int:
        return len(self._calls)

    async def run(self) -> None:
        async with self._ami.subscribe("*", maxsize=10_000) as events:
            async for event in events:
                name = (event.get("Event") or "").lower()
                if name in ("hangup", "dialend"):
                    self.handle(event)

    def handle(self, event: AmiMessage) -> None:
        name = (event.get("Event") or "").lower()
        if name == "hangup":
            tracked = self._calls.get(event.get("Uniqueid") or "")
            if tracked is None:
                return
            cause = event.get("Cause") or ""
            tracked.hangup_cause = int(cause) if cause.isascii() and cause.isdigit() else None
            tracked.hung_up.set()
        elif name == "dialend":
            for key in ("DestUniqueid", "Uniqueid"):
                tracked = self._calls.get(event.get(key) or "")
                if tracked is not None:
                    tracked.dial_status = event.get("DialStatus") or None
                    return

    async def wait_hangup(self, tracked: Tracked, timeout_s: float) -> bool:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await tracked.hung_up.wait()
        return tracked.hung_up.is_set()
