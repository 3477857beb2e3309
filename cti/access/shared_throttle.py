"""Sign-in attempts counted in Redis, shared by every node that shares the ACD's Redis.

The same rules as :class:`cti.access.login_throttle.LoginThrottle` (a sliding one-minute window
per key, several keys per attempt, an attempt counted under all its keys or none), kept in one
sorted set per key, ``<prefix>:signin:<key>`` (members: attempts, scores: their times), so a
guesser cannot spread attempts over the nodes behind a load balancer (issue 17).  The check and
the count are one Lua script: concurrent attempts on any nodes are counted one after another by
Redis, never all checked before the first is counted.  A success removes its attempt again.

While Redis cannot be reached, attempts are counted in this node's memory instead (logged): a
Redis outage must not lock everybody out, nor let anybody guess unthrottled.  After a failure
Redis is left alone for a while (:mod:`cti.access.redis_pause`), so sign-ins do not each wait
for its time-out.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from cti.access.login_throttle import WINDOW_S, LoginThrottle, Reservation
from cti.access.redis_pause import RedisPause

__all__ = ["SharedLoginThrottle"]

log = structlog.get_logger(__name__)


# KEYS: the attempt's keys; ARGV[1] now (s), ARGV[2] window (s), ARGV[3] the attempt's name,
# ARGV[3 + i] the limit of KEYS[i].  Returns '' (counted under every key) or the seconds to wait.
_RESERVE = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wait = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local limit = tonumber(ARGV[3 + i])
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, -limit, -limit, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w > wait then wait = w end
  end
end
if wait > 0 then
  return tostring(wait)
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, math.ceil(window * 1000))
end
return ''
"""


class SharedLoginThrottle:
    def __init__(
        self,
        client: Redis,
        prefix: str,
        *,
        window_s: float = WINDOW_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = client
        self._pause = RedisPause(monotonic)  # Redis failed: counted here for a while
        self._prefix = f"{prefix}:signin:"
        self.window_s = window_s
        self._reserve = cast(Callable[..., Awaitable[Any]], client.register_script(_RESERVE))
        self.local = LoginThrottle(window_s=window_s)  # while Redis cannot be reached

    async def reserve(self, limits: dict[str, int], now: float) -> Reservation | float:
        keys = list(limits)
        mark = f"{now!r}:{secrets.token_hex(8)}"
        if self._pause.away:
            return self.local.reserve_now(limits, now)
        try:
            wait = await self._reserve(
                keys=[self._prefix + k for k in keys],
                args=[repr(now), repr(self.window_s), mark, *(str(limits[k]) for k in keys)],
            )
        except RedisError as exc:
            log.warning("sign-in throttle: redis unreachable, counting on this node", error=str(exc))
            self._pause.failed()
            return self.local.reserve_now(limits, now)
        if wait in ("", b""):
            return Reservation(tuple(keys), now, mark)
        return float(wait)

    async def release(self, reservation: Reservation) -> None:
        if not reservation.mark:  # counted here while Redis was away
            self.local.release_now(reservation)
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in reservation.keys:
                    pipe.zrem(self._prefix + key, reservation.mark)
                await pipe.execute()
        except RedisError as exc:  # the success still counts against the keys for a minute
            log.warning("sign-in throttle: attempt not given back", error=str(exc))
