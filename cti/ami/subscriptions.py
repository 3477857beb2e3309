"""Bounded queues that hand AMI events and state changes to the tasks that consume them.

The reader never waits for a consumer: Asterisk disconnects a manager session that does not
read (``writetimeout``), and the call state must stay current.  So each subscription is a
bounded :class:`asyncio.Queue`; when it is full the **oldest** queued item is dropped to make
room for the newest, counted in :attr:`Subscription.dropped` (and in the client's metrics),
and a warning is logged once per overflow episode.  A consumer that sees ``dropped`` grow
knows it missed items and can re-read :attr:`cti.ami.client.AmiClient.state`.

Patterns are fnmatch patterns on the event name, as in panoramisk's ``register_event``, but
matched without regard to case (``"newchannel"`` matches ``Newchannel``).
"""

from __future__ import annotations

import asyncio
import fnmatch
import re
from collections.abc import Callable
from typing import Generic, TypeVar

import structlog

__all__ = ["Subscription", "compile_pattern"]

T = TypeVar("T")
log = structlog.get_logger(__name__)


class _Closed:
    pass


_CLOSED = _Closed()


def compile_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern), re.IGNORECASE)


class Subscription(Generic[T]):
    """An async iterator over the items offered to it; ``async with`` closes it on exit."""

    def __init__(
        self,
        name: str,
        maxsize: int,
        *,
        on_close: Callable[[Subscription[T]], object] | None = None,
        on_drop: Callable[[], None] | None = None,
    ) -> None:
        if maxsize <= 0:
            raise ValueError("a subscription needs room for at least one item")
        self.name = name
        self.maxsize = maxsize
        self.dropped = 0
        self._queue: asyncio.Queue[T | _Closed] = asyncio.Queue(maxsize + 1)  # +1: room for the end mark
        self._closed = False
        self._overflowing = False
        self._on_close = on_close
        self._on_drop = on_drop

    @property
    def closed(self) -> bool:
        return self._closed

    def qsize(self) -> int:
        return self._queue.qsize()

    def offer(self, item: T) -> None:
        """Queue ``item`` without waiting (called from the reader)."""
        if self._closed:
            return
        if self._queue.qsize() >= self.maxsize:
            self._queue.get_nowait()
            self.dropped += 1
            if self._on_drop is not None:
                self._on_drop()
            if not self._overflowing:
                self._overflowing = True
                log.warning("ami.subscription_overflow", subscription=self.name, maxsize=self.maxsize)
        elif self._overflowing and self._queue.qsize() < self.maxsize // 2:
            self._overflowing = False
        self._queue.put_nowait(item)

    async def get(self) -> T:
        """The next item; raises :class:`StopAsyncIteration` once closed and drained."""
        item = await self._queue.get()
        if isinstance(item, _Closed):
            self._queue.put_nowait(item)  # every later get() ends too
            raise StopAsyncIteration
        return item

    def close(self) -> None:
        """No more items; a consumer waiting in :meth:`get` gets the ones queued, then stops."""
        if self._closed:
            return
        self._closed = True
        self._queue.put_nowait(_CLOSED)
        if self._on_close is not None:
            self._on_close(self)

    def __aiter__(self) -> Subscription[T]:
        return self

    async def __anext__(self) -> T:
        return await self.get()

    async def __aenter__(self) -> Subscription[T]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()
