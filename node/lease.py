"""A lease per Asterisk server in Redis: exactly one node at a time serves a server.

Several ``hotline serve`` processes configured for the same Asterisk (the same ``[ami]`` host and
port) with ``[lease] enabled = true`` compete for ``<redis key_prefix>:lease:<server>``.  The
holder runs the node — its AMI connection, its FastAGI server, the ACD's timers — and renews the
lease every ``ttl_s / 3``; the others wait, trying every ``poll_s``.  When the holder dies
(killed, cut off) its lease expires ``ttl_s`` after its last renewal and a waiting node takes it
and starts: takeover ≈ ``ttl_s`` + ``poll_s`` + the node's start.

Exactly one: the holder gives its node up (:meth:`ServerLease.keep` returns) once
``ttl_s * 2 / 3`` have passed since its last successful renewal, a third of the lease before
another node may take it; and a renewal that finds another holder's name ends it at once.
Renewal and release compare the holder's name in Lua, so a node never extends or deletes a
lease it no longer holds.

Across a Redis Sentinel failover: with ``[redis] wait_replicas`` = N the lease is taken and
renewed only once N replicas hold it (``WAIT``, like every ACD step), so a promoted replica knows
the holder and no second node takes the server; a lease the replicas did not confirm in time is
logged and stands on the primary alone.

Nodes of one server share its ACD identity (``[acd] node_id``, e.g. the server's name): the
agents they log in belong to the server, so the ACD's presence of that id is renewed by whichever
node holds the lease, and a takeover within ``[acd] presence_ttl_s`` leaves every agent's state
as it was (see the README, *Several nodes*).
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis
from redis.exceptions import RedisError

__all__ = ["LeaseSettings", "ServerLease"]

log = structlog.get_logger(__name__)

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class LeaseSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    # the server's name in the lease key; empty: the [ami] host:port
    server: str = ""
    ttl_s: float = Field(default=5.0, gt=0)
    poll_s: float = Field(default=0.5, gt=0)


class ServerLease:
    def __init__(
        self,
        client: Redis,
        key: str,
        holder: str,
        ttl_s: float,
        poll_s: float,
        *,
        wait_replicas: int = 0,
        wait_timeout_ms: int = 1000,
    ) -> None:
        self._r = client
        self.wait_replicas = wait_replicas
        self.wait_timeout_ms = wait_timeout_ms
        self.key = key
        self.holder = holder
        self.ttl_s = ttl_s
        self.poll_s = poll_s
        self._renew: Any = client.register_script(_RENEW)
        self._release: Any = client.register_script(_RELEASE)

    async def acquire(self) -> None:
        """Wait until this node holds the lease."""
        waiting_logged = False
        while True:
            try:
                async with self._r.pipeline(transaction=False) as pipe:
                    pipe.set(self.key, self.holder, nx=True, px=self._ttl_ms())
                    taken = await self._replicated(pipe)
                if taken:
                    log.info("lease taken", lease=self.key, holder=self.holder)
                    return
                if not waiting_logged:
                    owner = await self._r.get(self.key)
                    log.info("lease held by another node; waiting", lease=self.key, owner=owner)
                    waiting_logged = True
            except RedisError as exc:
                log.warning("lease: redis unreachable", lease=self.key, error=str(exc))
            await asyncio.sleep(self.poll_s)

    async def keep(self) -> None:
        """Renew the lease until it is lost; returns when this node must stop serving: another
        holder's name on it, or no renewal for ``ttl_s * 2 / 3`` (however slow Redis is)."""
        loop = asyncio.get_running_loop()
        renewed = loop.time()
        while True:
            await asyncio.sleep(self.ttl_s / 3)
            deadline = renewed + self.ttl_s * 2 / 3
            try:
                async with asyncio.timeout_at(deadline):
                    async with self._r.pipeline(transaction=False) as pipe:
                        await self._renew(keys=[self.key], args=[self.holder, self._ttl_ms()], client=pipe)
                        held = await self._replicated(pipe)
            except (RedisError, TimeoutError) as exc:
                if loop.time() >= deadline:
                    log.error("lease not renewed in time; giving it up", lease=self.key, error=repr(exc))
                    return
                log.warning("lease renewal failed; retrying", lease=self.key, error=str(exc))
                continue
            if not held:
                log.error("lease lost to another node", lease=self.key, holder=self.holder)
                return
            renewed = loop.time()

    async def release(self) -> None:
        """Give the lease up (a clean stop), so another node takes it at once."""
        try:
            await self._release(keys=[self.key], args=[self.holder])
        except RedisError as exc:
            log.warning("lease not released; it expires by itself", lease=self.key, error=str(exc))

    async def _replicated(self, pipe: Any) -> Any:
        """Run ``pipe`` (one command) followed by ``WAIT`` when replicas are asked for; its reply."""
        if self.wait_replicas:
            pipe.wait(self.wait_replicas, self.wait_timeout_ms)
        replies = await pipe.execute()
        if self.wait_replicas and replies[0] and int(replies[1]) < self.wait_replicas:
            log.warning("lease not yet on replicas", lease=self.key, replicas=int(replies[1]))
        return replies[0]

    def _ttl_ms(self) -> int:
        return max(1, round(self.ttl_s * 1000))
