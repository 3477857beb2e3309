"""Limits on the HTTP server's connections (security finding 3: 20,000 sockets that never
finished their headers were never timed out, used up the descriptors, and — the API and FastAGI
share one process — new FastAGI calls failed too).

:class:`ConnectionGuard` wraps aiohttp's protocol factory: a connection whose first request's
headers have not all arrived within ``header_timeout_s`` is closed; one address may hold at most
``max_per_address`` connections at once (trusted proxies excepted: they carry everyone); and
aiohttp's own keep-alive timeout closes idle connections between requests.  Each refusal is
counted in ``hotline_api_connections_refused_total`` by reason.
"""

from __future__ import annotations

import asyncio
import resource
from collections import Counter
from collections.abc import Callable
from typing import Any

import structlog
from prometheus_client import Counter as PromCounter

from cti.access.client_address import TrustedProxies

__all__ = ["ConnectionGuard", "raise_descriptor_limit"]

log = structlog.get_logger(__name__)

END_OF_HEADERS = b"\r\n\r\n"


class ConnectionGuard:
    def __init__(
        self,
        factory: Callable[[], asyncio.Protocol],
        *,
        header_timeout_s: float,
        max_per_address: int,
        exempt: TrustedProxies,
        refused: PromCounter,
    ) -> None:
        self._factory = factory
        self.header_timeout_s = header_timeout_s
        self.max_per_address = max_per_address
        self._exempt = exempt
        self._refused = refused
        self.open: Counter[str] = Counter()

    def __call__(self) -> asyncio.Protocol:
        return _Guarded(self._factory(), self)

    def admit(self, address: str) -> bool:
        if address not in self._exempt and self.open[address] >= self.max_per_address:
            self.refuse("per-address")
            return False
        self.open[address] += 1
        return True

    def leave(self, address: str) -> None:
        self.open[address] -= 1
        if self.open[address] <= 0:
            del self.open[address]

    def refuse(self, reason: str) -> None:
        self._refused.labels(reason).inc()


class _Guarded(asyncio.Protocol):
    """aiohttp's protocol, with a deadline for the first headers and the address counted."""

    def __init__(self, inner: asyncio.Protocol, guard: ConnectionGuard) -> None:
        self._inner = inner
        self._guard = guard
        self._address: str | None = None
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not isinstance(transport, asyncio.Transport):  # a TCP server's transport always is
            transport.close()
            return
        peer: Any = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        if not self._guard.admit(address):
            transport.abort()
            return
        self._address, self._transport = address, transport
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._guard.header_timeout_s, self._too_slow)
        self._inner.connection_made(transport)

    def _too_slow(self) -> None:
        self._timer = None
        self._guard.refuse("header-timeout")
        if self._transport is not None:
            self._transport.abort()

    def data_received(self, data: bytes) -> None:
        if self._transport is None:
            return
        if self._timer is not None:
            seen = self._tail + data
            if END_OF_HEADERS in seen:
                self._timer.cancel()
                self._timer = None
            else:
                self._tail = seen[-3:]
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._transport is not None else None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._address is None:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._guard.leave(self._address)
        self._address = None
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


def raise_descriptor_limit() -> int:
    """Raise this process's open-file limit to its hard limit (sockets are files); the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 1_048_576)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-file limit", soft=soft, hard=hard, error=str(exc))
    return soft
