"""This node's presence in the store: renewed often enough that other nodes know it is alive.

Each CTI node says it is alive for ``ttl_s`` seconds (:meth:`acd.store.AcdStore.heartbeat`).
:meth:`Presence.keep` renews it when a third of that time has passed (before routing, at login)
or at once when forced (at start and on every upkeep tick).  When a node stops renewing, the
others' upkeep (:mod:`acd.upkeep`) logs its agents out.
"""

from __future__ import annotations

import math

from acd.clock import Clock
from acd.store import AcdStore

__all__ = ["Presence"]


class Presence:
    def __init__(self, store: AcdStore, clock: Clock, node_id: str, ttl_s: float) -> None:
        self._store = store
        self._clock = clock
        self._node_id = node_id
        self._ttl_s = ttl_s
        self._last_heartbeat = -math.inf

    @property
    def node_id(self) -> str:
        return self._node_id

    @property
    def ttl_s(self) -> float:
        return self._ttl_s

    async def keep(self, *, force: bool = False) -> None:
        """Renew this node's presence if a third of its time to live has passed (or ``force``)."""
        now = self._clock.now()
        if force or now - self._last_heartbeat >= self._ttl_s / 3:
            await self._store.heartbeat(self._node_id, self._ttl_s, now)
            self._last_heartbeat = now
