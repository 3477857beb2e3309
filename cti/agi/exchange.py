"""The wire discipline of one AGI conversation: one command at a time, its reply, time-outs, hang-up.

:class:`AgiExchange` owns no socket.  The I/O layer (through :class:`cti.agi.session.AgiSession`)
hands it the bytes Asterisk sends (:meth:`AgiExchange.receive`), tells it when the connection is
gone (:meth:`AgiExchange.connection_lost`), and gives it a transport to write commands to.
:meth:`AgiExchange.run` sends one command and returns its ``200`` reply; the typed commands are
:mod:`cti.agi.session`'s.

Commands go out one at a time (a lock keeps them in order: Asterisk aborts a playing STREAM
FILE without answering it when a new command arrives, so pipelining is never safe).  Each
has a time-out; after one, replies can no longer be matched to commands, so the exchange is
closed and :class:`AgiTimeout` raised.

Hang-up: once Asterisk said so (``HANGUP`` notice, ``511``, or EOF), commands that need a
live channel raise :class:`AgiHangup` before anything is sent.  The commands Asterisk still
answers on a dead channel (:data:`DEAD_CHANNEL_COMMANDS`) still go through.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

import structlog

from cti.agi.errors import AgiHangup, AgiInvalidCommand, AgiTimeout, AgiUsageError
from cti.agi.metrics import AgiMetrics, command_label
from cti.agi.protocol import (
    AgiReply,
    HangupNotice,
    MalformedLine,
    ReplyReader,
    UsageReply,
    format_command,
)

__all__ = ["DEAD_CHANNEL_COMMANDS", "AgiExchange", "AgiTransport"]

# res_agi.c's command table, entries with dead=1: answered on a hung-up channel.
DEAD_CHANNEL_COMMANDS: frozenset[tuple[str, ...]] = frozenset(
    {
        ("ASYNCAGI", "BREAK"),
        ("DATABASE", "DEL"),
        ("DATABASE", "DELTREE"),
        ("DATABASE", "GET"),
        ("DATABASE", "PUT"),
        ("EXEC",),
        ("GET", "FULL", "VARIABLE"),
        ("GET", "VARIABLE"),
        ("NOOP",),
        ("SET", "VARIABLE"),
        ("SPEECH", "DESTROY"),
        ("SPEECH", "UNLOAD", "GRAMMAR"),
        ("VERBOSE",),
    }
)


def _dead_ok(words: tuple[str, ...]) -> bool:
    upper = tuple(w.upper() for w in words[:3])
    return any(upper[: len(c)] == c for c in DEAD_CHANNEL_COMMANDS)


class AgiTransport(Protocol):
    """Where commands go (``asyncio.StreamWriter`` fits)."""

    def write(self, data: bytes) -> None: ...
    async def drain(self) -> None: ...
    def close(self) -> None: ...


class AgiExchange:
    """Commands out, replies back, one at a time; see the module docstring for the rules."""

    def __init__(
        self,
        transport: AgiTransport,
        *,
        log: structlog.typing.FilteringBoundLogger,
        metrics: AgiMetrics | None = None,
        reader: ReplyReader | None = None,
    ) -> None:
        self._transport = transport
        self._log = log
        self._metrics = metrics
        self._reader = reader or ReplyReader()
        self._lock = asyncio.Lock()
        self._pending: asyncio.Future[AgiReply | UsageReply] | None = None
        self._hungup = False
        self._closed = False
        self._replied_at: float | None = None  # when the last reply came (the think time's start)

    @property
    def hungup(self) -> bool:
        """True once Asterisk reported the hang-up (HANGUP notice, 511) or the connection closed."""
        return self._hungup or self._closed

    @property
    def closed(self) -> bool:
        return self._closed

    def mark_hungup(self) -> None:
        """The channel is gone (we hung it up ourselves): only dead-channel commands from now on."""
        self._hungup = True

    # -- fed by the I/O layer ----------------------------------------------------------------
    def receive(self, data: bytes) -> None:
        if self._closed:
            return  # e.g. the HANGUP Asterisk sends after we closed: nobody is listening
        for item in self._reader.feed(data):
            self._item(item)

    def connection_lost(self) -> None:
        for item in self._reader.feed_eof():
            self._item(item)
        self._closed = True
        if self._pending is not None and not self._pending.done():
            self._pending.set_exception(AgiHangup("connection to Asterisk closed"))

    def notify_hangup(self) -> None:
        """The channel hung up (HANGUP notice; SIGHUP in classic AGI)."""
        if not self._hungup:
            self._log.info("agi.hangup_notice")
        self._hungup = True

    def close(self) -> None:
        """Close the connection; Asterisk then ends the AGI() application."""
        if not self._closed:
            self._closed = True
            self._transport.close()
        if self._pending is not None and not self._pending.done():
            self._pending.set_exception(AgiHangup("session closed"))

    async def fail(self) -> None:
        """End the AGI with ``AGISTATUS=FAILURE`` and close: sends the ``failure`` line that
        res_agi.c reads as "the script could not run"; the dialplan then continues."""
        async with self._lock:
            if self._closed:
                return
            try:
                self._transport.write(b"FAILURE\n")
                await self._transport.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                self.close()

    def _item(self, item: AgiReply | UsageReply | HangupNotice | MalformedLine) -> None:
        if isinstance(item, HangupNotice):
            self.notify_hangup()
        elif isinstance(item, MalformedLine):
            self._log.warning("agi.malformed_line", line=item.line[:500], reason=item.reason)
            if self._metrics is not None:
                self._metrics.errors.labels(kind="malformed_line").inc()
        elif self._pending is not None and not self._pending.done():
            self._pending.set_result(item)
        else:
            self._log.warning("agi.unexpected_reply", reply=repr(item)[:500])
            if self._metrics is not None:
                self._metrics.errors.labels(kind="unexpected_reply").inc()

    async def run(
        self, words: tuple[str, ...], limit_s: float | None, *, allow_dead: bool = False
    ) -> AgiReply:
        """Send one command and return its ``200`` reply (see :meth:`AgiSession.command`)."""
        line = format_command(*words)
        label = command_label(words)
        async with self._lock:
            if self._closed:
                raise AgiHangup("connection to Asterisk closed")
            if self._hungup and not (allow_dead or _dead_ok(words)):
                raise AgiHangup(f"channel hung up; not sending {label}")
            started = time.monotonic()
            if self._metrics is not None and self._replied_at is not None:
                self._metrics.think_seconds.observe(started - self._replied_at)
            outcome = "error"
            try:
                item = await self._exchange(line, limit_s, label)
                outcome = self._outcome(item)
            finally:
                self._replied_at = time.monotonic()
                if self._metrics is not None:
                    self._metrics.commands.labels(command=label, outcome=outcome).inc()
                    self._metrics.command_seconds.labels(command=label).observe(self._replied_at - started)
        if isinstance(item, UsageReply):
            raise AgiUsageError(f"{label}: invalid syntax", item.text)
        if item.code == 510:
            raise AgiInvalidCommand(f"{label}: {item.extra or 'invalid or unknown command'}")
        if item.code == 511:
            self._hungup = True
            raise AgiHangup(f"{label}: not permitted on a dead channel")
        return item

    async def _exchange(self, line: bytes, limit_s: float | None, label: str) -> AgiReply | UsageReply:
        fut: asyncio.Future[AgiReply | UsageReply] = asyncio.get_running_loop().create_future()
        self._pending = fut
        try:
            async with asyncio.timeout(limit_s):
                self._transport.write(line)
                await self._transport.drain()
                return await fut
        except TimeoutError:
            self._log.error("agi.command_timeout", command=label, timeout_s=limit_s)
            self.close()
            raise AgiTimeout(f"{label}: no reply within {limit_s} s; session closed") from None
        except (ConnectionError, OSError) as exc:
            self._closed = True
            raise AgiHangup(f"connection to Asterisk lost: {exc}") from exc
        finally:
            self._pending = None

    @staticmethod
    def _outcome(item: AgiReply | UsageReply) -> str:
        if isinstance(item, UsageReply):
            return "usage"
        return {200: "ok", 510: "invalid", 511: "dead"}.get(item.code, "other")
