"""Outgoing events for the browsers: topics, subscribers, fan-out.  No sockets here.

A message is published to a **topic** once and serialised once; every subscriber of the topic
gets the same text in its own bounded queue, which its WebSocket writer drains.  A subscriber
that cannot keep up loses its oldest messages (counted), never slows the others down, and
never makes the publisher wait.

Topics (see :func:`agent_topic` …): ``agent:<agent id>`` (state changes, screen pops and call
updates of one agent), ``user:<user id>`` (things for one person: their monitoring sessions),
``floor:<prefecture>`` (agent states and live calls of one prefecture, for supervisors and QA),
``wallboard:<prefecture>`` and ``wallboard:province`` (figures, see :mod:`cti.desk.wallboard`),
``department:<code>`` (what a department must answer: chases, overdue work) and
``managers:<prefecture>`` / ``managers:province`` (escalations to the manager hotline).

Every message is ``{"type": ..., "ts": <publish time, epoch s>, "data": {...}}``; when several are
waiting for one client they go out together as one JSON array of messages (one frame).  A hub's
``frame_interval_s`` paces each client's frames (the API's ``[api] ws_frame_interval_s``): a busy
feed sends one frame an interval per client, each holding what came in meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from storage.prefectures import PROVINCE

__all__ = [
    "Hub",
    "Subscriber",
    "agent_topic",
    "department_topic",
    "dumps",
    "floor_topics",
    "manager_topics",
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


def department_topic(code: str) -> str:
    return f"department:{code}"


def manager_topics(prefecture: str) -> tuple[str, ...]:
    """Where an escalation to the manager hotline of ``prefecture`` goes: its own and the province's."""
    return (f"managers:{prefecture}", f"managers:{PROVINCE.code}")


def wallboard_topics(prefecture: str | None) -> str:
    return f"wallboard:{prefecture or PROVINCE.code}"


class Subscriber:
    """One client's bounded queue of serialised messages, drained a frame at a time by its writer.

    With ``frame_interval_s``, frames are paced: the first message after a quiet spell goes out at
    once, then at most one frame an interval, holding every message that came in between (a busy
    floor: one send and one access check per interval, not per message)."""

    def __init__(
        self, topics: Iterable[str], maxsize: int, on_drop: Callable[[], None], frame_interval_s: float = 0.0
    ) -> None:
        self.topics = frozenset(topics)
        self.maxsize = maxsize
        self.frame_interval_s = frame_interval_s
        self._queue: deque[str] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._last_frame = -math.inf  # loop time the last frame was taken
        self._on_drop = on_drop
        self.dropped = 0
        self.frames = 0
        self.closed = False

    def offer(self, text: str) -> None:
        if self.closed:
            return
        if len(self._queue) >= self.maxsize:
            self._queue.popleft()
            self.dropped += 1
            self._on_drop()
        self._queue.append(text)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _wait(self) -> None:
        while not self._queue:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    async def next(self) -> str:
        await self._wait()
        return self._queue.popleft()

    async def next_batch(self) -> str:
        """The next frame: wait for a message (and for the frame interval to pass since the last
        frame), then take every message waiting: one as is, several as one JSON array."""
        await self._wait()
        loop = asyncio.get_running_loop()
        early = self._last_frame + self.frame_interval_s - loop.time()
        if early > 0:
            await asyncio.sleep(early)  # more may come meanwhile; the oldest still drop when full
        self._last_frame = loop.time()
        self.frames += 1
        queue = self._queue
        if len(queue) == 1:
            return queue.popleft()
        texts = "[" + ",".join(queue) + "]"
        queue.clear()
        return texts

    def pending(self) -> int:
        return len(self._queue)


class Hub:
    def __init__(
        self,
        *,
        queue_size: int = 256,
        on_drop: Callable[[], None] = lambda: None,
        frame_interval_s: float = 0.0,
    ) -> None:
        self.queue_size = queue_size
        self.frame_interval_s = frame_interval_s
        self._on_drop = on_drop
        self._topics: dict[str, set[Subscriber]] = {}
        self.published = 0
        self.dropped = 0  # messages lost by slow subscribers, all of them

    def _dropped(self) -> None:
        self.dropped += 1
        self._on_drop()

    def subscribe(self, topics: Iterable[str]) -> Subscriber:
        sub = Subscriber(topics, self.queue_size, self._dropped, self.frame_interval_s)
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
