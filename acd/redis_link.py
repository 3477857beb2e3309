"""How the ACD reaches Redis: one server, or a primary found through Redis Sentinel, and what
makes its scripts safe when that primary fails over.

:func:`connect_redis` builds the client the settings ask for: ``[redis] url`` alone, or, with
``[redis] sentinels`` (``host:port`` of each Sentinel) and ``sentinel_service`` (the name the
Sentinels monitor), redis-py's :class:`redis.asyncio.sentinel.Sentinel` client for that
service's primary, which asks the Sentinels again whenever its connection breaks or the server
it reached answers ``READONLY`` (a demoted primary).  Every command is retried on a broken
connection, a timeout or ``READONLY`` for about ``[redis] failover_s`` seconds, with backoff, so
a failover is a pause, not an error.

A retried *write* may have been applied before the connection broke; the ACD's decisions must
be applied exactly once.  :func:`once_only` wraps each Lua script so that it runs under an
operation id (the last argument, one per call of the store, the same for each retry): the first
run stores its reply under ``<prefix>:op:<id>`` (kept ``OP_KEPT_S``) in the same atomic step as
its effects, and a retry that finds the reply returns it instead of running again.  A
reservation retried after the reply was lost thus returns the same agent, not "nobody" while an
agent stays reserved; a commit returns "applied", not a version conflict against itself.  The
record and the effects replicate together, so whichever server is primary after the failover has
both or neither — neither means the step is applied now, for the first time.

None lost: with ``[redis] wait_replicas`` = N, each script is followed on the same connection
by ``WAIT N`` (up to ``[redis] wait_timeout_ms``); the store returns only once N replicas hold the step,
so the replica Sentinel promotes (the most up-to-date one) has every step a node acted on.  If
the replicas do not answer in time the step stands on the primary alone and a warning is
logged; set ``min-replicas-to-write`` on the servers to refuse writes then instead.
"""

from __future__ import annotations

from typing import cast

import structlog
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelManagedConnection
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, ReadOnlyError, TimeoutError

from acd.settings import RedisSettings

__all__ = ["OP_KEPT_S", "RETRYABLE", "connect_redis", "once_only", "parse_address"]

log = structlog.get_logger(__name__)

RETRYABLE: tuple[type[Exception], ...] = (ConnectionError, TimeoutError, ReadOnlyError)
OP_KEPT_S = 600  # a retry comes within [redis] failover_s; ten minutes is plenty
_BACKOFF_CAP_S = 0.5


def parse_address(text: str) -> tuple[str, int]:
    """``host:port`` (IPv6 as ``[::1]:26379``) → ``(host, port)``; ValueError when malformed."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"not host:port: {text!r}")
    return host.strip("[]"), int(port)


def _retry(failover_s: float) -> Retry:
    attempts = max(1, round(failover_s / _BACKOFF_CAP_S) + 3)
    return Retry(ExponentialBackoff(cap=_BACKOFF_CAP_S, base=0.05), attempts, supported_errors=RETRYABLE)


class _PrimaryConnection(SentinelManagedConnection):
    """A connection to the Sentinel's current primary, asked again at every reconnection.

    redis-py (8.2) reconnects a broken connection inside a command's retry through
    ``connect_check_health``, which its Sentinel connection leaves to the base class: the retry
    then dials the dead primary's address until it gives up.  Here each reconnection first asks
    the Sentinels where the primary is now."""

    async def connect_check_health(
        self, check_health: bool = True, retry_socket_connect: bool = True
    ) -> None:
        if not self.is_connected and self.connection_pool.is_master:
            self.host, self.port = await self.connection_pool.get_master_address()
        await super().connect_check_health(
            check_health=check_health, retry_socket_connect=retry_socket_connect
        )


def connect_redis(settings: RedisSettings) -> Redis:
    """The client for ``settings`` (responses decoded); connects on first use."""
    common = {
        "decode_responses": True,
        "retry": _retry(settings.failover_s),
        "retry_on_error": list(RETRYABLE),
        "socket_connect_timeout": settings.connect_timeout_s,
        "socket_timeout": settings.command_timeout_s,
    }
    if not settings.sentinels:
        pool = BlockingConnectionPool.from_url(
            settings.url,
            max_connections=settings.max_connections,
            timeout=settings.command_timeout_s,
            **common,
        )
        return Redis.from_pool(pool)  # closes the pool with the client
    sentinel = Sentinel(
        [parse_address(s) for s in settings.sentinels],
        sentinel_kwargs={"socket_connect_timeout": settings.connect_timeout_s, "socket_timeout": 1.0},
        password=settings.password,
        db=settings.db,
    )
    primary = sentinel.master_for(
        settings.sentinel_service,
        connection_class=_PrimaryConnection,
        max_connections=settings.max_connections,
        **common,  # type: ignore[arg-type]
    )
    return cast(Redis, primary)


def once_only(common: str, body: str) -> str:
    """A script (``common`` + ``body``) that runs at most once per operation id, its last ARGV."""
    return f"""{common}
local function body()
{body}
end
local op = P .. ':op:' .. ARGV[#ARGV]
local seen = redis.call('GET', op)
if seen then
  if seen == 'nil' then
    return nil
  end
  return cjson.decode(seen)
end
local reply = body()
if reply == nil or reply == false then
  redis.call('SET', op, 'nil', 'EX', {OP_KEPT_S})
else
  redis.call('SET', op, cjson.encode(reply), 'EX', {OP_KEPT_S})
end
return reply
"""
