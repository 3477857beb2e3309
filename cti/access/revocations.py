"""Revoked tokens (signed out), shared by every node that shares the ACD's Redis.

A token id (``jti``) is kept until the token would have expired anyway.  On one node the list
is in memory (:class:`MemoryRevocations`); nodes that use Redis for the ACD keep it there
(:class:`RedisRevocations`: one key per token id, expiring with the token), so a token signed
out on one node is refused on every other (security finding 4).  A Redis answer "not revoked"
is remembered for ``recheck_s`` (a WebSocket checks before every frame it sends); "revoked" is
remembered for good.

While Redis cannot be reached (logged): a sign-out is kept on this node only, and a token not
known here as revoked is taken as valid — a Redis outage must not sign every user out; the
tokens' short life bounds what a token signed out on another node meanwhile can still do.
After a failure Redis is left alone for a while (:mod:`cti.access.redis_pause`), so requests
do not each wait for its time-out.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import redis.asyncio as aioredis
import structlog
from redis.exceptions import RedisError

from cti.access.redis_pause import RedisPause

__all__ = ["MemoryRevocations", "RedisRevocations", "Revocations"]

log = structlog.get_logger(__name__)


class Revocations(Protocol):
    async def revoke(self, jti: str, expires_at: float, now: float) -> None: ...

    async def revoked(self, jti: str, now: float) -> bool: ...

    async def revoked_all(self, jtis: Sequence[str], now: float) -> list[bool]: ...


class MemoryRevocations:
    def __init__(self) -> None:
        self._revoked: dict[str, float] = {}  # jti -> its expiry

    async def revoke(self, jti: str, expires_at: float, now: float) -> None:
        self._revoked[jti] = expires_at
        for old in [j for j, exp in self._revoked.items() if exp <= now]:
            del self._revoked[old]

    async def revoked(self, jti: str, now: float) -> bool:
        return jti in self._revoked

    async def revoked_all(self, jtis: Sequence[str], now: float) -> list[bool]:
        return [jti in self._revoked for jti in jtis]


class RedisRevocations:
    def __init__(
        self,
        client: aioredis.Redis,
        prefix: str,
        *,
        recheck_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = client
        self._prefix = f"{prefix}:revoked:"
        self._recheck_s = recheck_s
        self._monotonic = monotonic
        self._revoked: dict[str, float] = {}  # known revoked: jti -> expiry
        self._clear: dict[str, float] = {}  # known not revoked at: jti -> monotonic time
        self._pause = RedisPause(monotonic)  # Redis failed: not asked for a while

    async def revoke(self, jti: str, expires_at: float, now: float) -> None:
        ttl = max(1, int(expires_at - now) + 1)
        try:
            await self._redis.set(self._prefix + jti, "1", ex=ttl)
        except RedisError as exc:
            log.warning("token revoked on this node only: redis unreachable", error=str(exc))
            self._pause.failed()
        self._revoked[jti] = expires_at
        self._clear.pop(jti, None)
        self._forget(now)

    async def revoked(self, jti: str, now: float) -> bool:
        if jti in self._revoked:
            return True
        checked = self._clear.get(jti)
        if checked is not None and self._monotonic() - checked < self._recheck_s:
            return False
        if self._pause.away:
            return False
        try:
            found = await self._redis.exists(self._prefix + jti)
        except RedisError as exc:
            log.warning("token revocations unreadable: redis unreachable", error=str(exc))
            self._pause.failed()
            return False
        if found:
            self._revoked[jti] = now + 24 * 3600.0
            self._clear.pop(jti, None)
            return True
        self._clear[jti] = self._monotonic()
        if len(self._clear) > 100_000:
            self._clear.clear()
        return False

    async def revoked_all(self, jtis: Sequence[str], now: float) -> list[bool]:
        """:meth:`revoked` of many (every open WebSocket of the node): those not known for
        ``recheck_s`` asked in one round trip."""
        since = self._monotonic() - self._recheck_s
        ask = [
            j
            for j in dict.fromkeys(jtis)
            if j not in self._revoked and self._clear.get(j, -math.inf) <= since
        ]
        if ask and not self._pause.away:
            pipe = self._redis.pipeline(transaction=False)
            for jti in ask:
                pipe.exists(self._prefix + jti)
            checked = self._monotonic()
            try:
                replies = await pipe.execute()
            except RedisError as exc:  # as revoked(): the open sockets stay open
                log.warning("token revocations unreadable: redis unreachable", error=str(exc))
                self._pause.failed()
                replies = [0] * len(ask)
                checked = -math.inf  # asked again once Redis is back
            for jti, found in zip(ask, replies, strict=True):
                if found:
                    self._revoked[jti] = now + 24 * 3600.0
                    self._clear.pop(jti, None)
                else:
                    self._clear[jti] = checked
            if len(self._clear) > 100_000:
                self._clear.clear()
        return [jti in self._revoked for jti in jtis]

    def _forget(self, now: float) -> None:
        for old in [j for j, exp in self._revoked.items() if exp <= now]:
            del self._revoked[old]
