"""Outgoing events for the browsers: topics, subscribers, fan-out.  No sockets here.

A message is published to a **topic** once and serialised once; every subscriber of the topic
gets the same text in its own bounded queue, which its WebSocket writer drains.  A subscriber
that cannot keep up loses its oldest messages (counted), never slows the others down, and
never makes the publisher wait.

Topics (see :func:`agent_topic` …): ``agent:<agent id>`` (state changes, screen pops and call
updates of one agent), ``user:<user id>`` (things for one person: their monitoring sessions),
``floor:<prefecture>`` (agent states and live calls of one prefecture, for supervisors and QA),
``wallboard:<prefecture>`` and ``wallboard:province`` (figures, see :mod:`cti.api.wallboard`).

Every message is ``{"type": ..., "ts": <publish time, epoch s>, "data": {...}}``; when several are
waiting for one client they go out together as one JSON array of messages (one frame).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from cti.storage.prefectures import PROVINCE

__all__ = [
    "Hub",
    "Subscriber",
    "agent_topic",
    "dumps",
    "floor_topics",
    "user_topic",
    "wallboard_topics",
]


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def agent_topic(agent_id: str) -> str:
    return f"agent:{agent_id}"


def user_topic(user_id: int) -> str:
    return f"user:{user_id}"


def floor_topics(prefecture: str) -> tuple[str, ...]:
    """Where news of ``prefecture``'s floor goes: its own topic and the province's."""
    return (f"floor:{prefecture}", f"floor:{PROVINCE.code}")


def wallboard_topics(prefecture: str | None) -> str:
    return f"wallboard:{prefecture or PROVINCE.code}"


class Subscriber:
    def __init__(self, topics: Iterable[str], maxsize: int, on_drop: Callable[[], None]) -> None:
        self.topics = frozenset(topics)
        self._queue: asyncio.Queue[str] = asyncio.Queue(maxsize)
        self._on_drop = on_drop
        self.dropped = 0
        self.closed = False

    def offer(self, text: str) -> None:
        if self.closed:
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
            self._on_drop()
        self._queue.put_nowait(text)

    async def next(self) -> str:
        return await self._queue.get()

    async def next_batch(self, limit: int = 256) -> str:
        """Wait for a message, then take what else is already queued (up to ``limit``): one
        message as is, several as one JSON array (one WebSocket frame instead of many)."""
        first = await self._queue.get()
        if self._queue.empty():
            return first
        texts = [first]
        while len(texts) < limit and not self._queue.empty():
            texts.append(self._queue.get_nowait())
        return "[" + ",".join(texts) + "]"

    def pending(self) -> int:
        return self._queue.qsize()


class Hub:
    def __init__(self, *, queue_size: int = 256, on_drop: Callable[[], None] = lambda: None) -> None:
        self.queue_size = queue_size
        self._on_drop = on_drop
        self._topics: dict[str, set[Subscriber]] = {}
        self.published = 0
        self.dropped = 0  # messages lost by slow subscribers, all of them

    def _dropped(self) -> None:
        self.dropped += 1
        self._on_drop()

    def subscribe(self, topics: Iterable[str]) -> Subscriber:
        sub = Subscriber(topics, self.queue_size, self._dropped)
        for topic in sub.topics:
            self._topics.setdefault(topic, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        sub.closed = True
        for topic in sub.topics:
            members = self._topics.get(topic)
            if members is not None:
                members.discard(sub)
                if not members:
                    del self._topics[topic]

    def has_subscribers(self, topic: str) -> bool:
        return topic in self._topics

    def subscriber_count(self) -> int:
        return len({s for members in self._topics.values() for s in members})

    def publish(self, topics: str | Iterable[str], kind: str, data: Any) -> int:
        """Send one message to every subscriber of ``topics`` (each once); returns how many got it."""
        wanted = (topics,) if isinstance(topics, str) else tuple(topics)
        targets: set[Subscriber] = set()
        for topic in wanted:
            targets.update(self._topics.get(topic, ()))
        if not targets:
            return 0
        text = dumps({"type": kind, "ts": time.time(), "data": data})
        for sub in targets:
            sub.offer(text)
        self.published += 1
        return len(targets)
