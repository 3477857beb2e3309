"""The wallboard's figures: per queue (skill), per prefecture and province-wide, pushed live.

Figures come from the ACD's :class:`~acd.shared_stats.SharedStats` (waiting calls, longest wait,
service level, ASA, abandonment, agents by state), computed from the store every node shares, so
every node's wallboard shows the same.  Queues are province-wide (a skill is one line for
the whole province); prefecture staff see the queues and their own prefecture, provincial staff
every prefecture and the total.

:class:`WallboardFeed` publishes a fresh view at most every ``interval_s`` while the ACD keeps
changing, and at least every ``keepalive_s`` anyway (the longest wait grows while nothing
happens; with the Redis store, where other nodes' calls change the figures without this node
hearing of it, every ``[api] wallboard_interval_s`` × 2); one snapshot per round, sliced per
subscribed topic, none while nobody watches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import structlog

from acd.errors import AcdError
from acd.events import AcdEvent
from acd.stats import GroupStats, StatsSnapshot
from cti.acd_bridge.link import AcdLink
from cti.notifier import Hub, wallboard_topics
from storage.prefectures import BY_CODE, PROVINCE

__all__ = ["WallboardFeed", "wallboard_view"]

log = structlog.get_logger(__name__)


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def group_view(g: GroupStats) -> dict[str, Any]:
    return {
        "waiting": g.waiting,
        "longest_wait_s": round(g.longest_wait_s, 1),
        "agents": dict(g.agents),
        "answered": g.answered,
        "abandoned": g.abandoned,
        "escalations": g.escalations,
        "service_level": _rounded(g.service_level),
        "asa_s": _rounded(g.asa_s, 1),
        "abandonment_rate": _rounded(g.abandonment_rate),
        "aht_s": _rounded(g.aht_s, 1),
        "ewt_s": _rounded(g.ewt_s, 1),
    }


def wallboard_view(snapshot: StatsSnapshot, scope: str | None) -> dict[str, Any]:
    """The figures a user of ``scope`` (a prefecture, or None for the province) may see."""
    prefectures = {
        code: {**group_view(g), "name_zh": _name(code, "zh"), "name_en": _name(code, "en")}
        for code, g in snapshot.by_prefecture.items()
        if scope is None or code == scope
    }
    if scope is not None and scope not in prefectures:
        prefectures[scope] = {
            **group_view(_EMPTY),
            "name_zh": _name(scope, "zh"),
            "name_en": _name(scope, "en"),
        }
    return {
        "at": snapshot.at,
        "scope": scope or PROVINCE.code,
        "threshold_s": snapshot.threshold_s,
        "total": group_view(snapshot.total) if scope is None else None,
        "queues": {skill: group_view(g) for skill, g in snapshot.by_skill.items()},
        "prefectures": prefectures,
    }


def _name(code: str, language: str) -> str:
    p = BY_CODE.get(code)
    if p is None:
        return code
    return p.name_zh if language == "zh" else p.name_en


_EMPTY = GroupStats(0, 0.0, {}, 0, 0, 0, 0, None, None, None, None, None)


class WallboardFeed:
    def __init__(
        self,
        acd: AcdLink,
        hub: Hub,
        clock: Callable[[], float],
        *,
        interval_s: float = 0.5,
        keepalive_s: float = 5.0,
    ) -> None:
        self._acd = acd
        self._hub = hub
        self._clock = clock
        self.interval_s = interval_s
        self.keepalive_s = keepalive_s
        self._dirty = asyncio.Event()
        self.rounds = 0

    def mark(self, _event: AcdEvent | None = None) -> None:
        """Something changed (a stats subscriber: called after each ACD event is counted)."""
        self._dirty.set()

    async def snapshot(self, scope: str | None) -> dict[str, Any]:
        return wallboard_view(await self._acd.service.board.snapshot(self._clock()), scope)

    async def run(self) -> None:
        while True:
            try:
                async with asyncio.timeout(self.keepalive_s):
                    await self._dirty.wait()
            except TimeoutError:
                pass
            self._dirty.clear()
            try:
                await self.publish()
            except AcdError as exc:  # the store unreachable for a moment: the next round tells
                log.warning("wallboard not published", error=str(exc))
            await asyncio.sleep(self.interval_s)

    async def publish(self) -> None:
        if not self._acd.present:
            return
        topics = [wallboard_topics(None), *(wallboard_topics(c) for c in BY_CODE if c != PROVINCE.code)]
        if not any(self._hub.has_subscribers(t) for t in topics):
            return  # nobody watches: no snapshot (it reads the shared store)
        snapshot = await self._acd.service.board.snapshot(self._clock())
        self.rounds += 1
        province = wallboard_topics(None)
        if self._hub.has_subscribers(province):
            self._hub.publish(province, "wallboard", wallboard_view(snapshot, None))
        for code in BY_CODE:
            if code == PROVINCE.code:
                continue
            topic = wallboard_topics(code)
            if self._hub.has_subscribers(topic):
                self._hub.publish(topic, "wallboard", wallboard_view(snapshot, code))
