"""One AGI conversation, as a typed async API for the IVR and ACD code.

The session owns no socket.  The I/O layer (:mod:`cti.agi.server` for FastAGI,
:mod:`cti.agi.classic` for stdin/stdout) hands it the bytes Asterisk sends
(:meth:`AgiSession.receive`), tells it when the connection is gone
(:meth:`AgiSession.connection_lost`), and gives it a transport to write commands to.

Commands go out one at a time (a lock keeps them in order: Asterisk aborts a playing STREAM
FILE without answering it when a new command arrives, so pipelining is never safe).  Each
has a time-out; after one, replies can no longer be matched to commands, so the session is
closed and :class:`AgiTimeout` raised.

Hang-up: once Asterisk said so (``HANGUP`` notice, ``511``, or EOF), commands that need a
live channel raise :class:`AgiHangup` before anything is sent.  The commands Asterisk still
answers on a dead channel -- its own list in ``res_agi.c``: GET VARIABLE, GET FULL
VARIABLE, SET VARIABLE, EXEC, VERBOSE, NOOP, DATABASE ... -- still go through, so a handler
can save state in ``except AgiHangup`` / ``finally``.  ``result=-1`` from a media command
is ambiguous (hang-up or e.g. a missing sound file); the session settles it with a
``CHANNEL STATUS`` probe, which a dead channel answers with ``511``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Protocol

import structlog

from cti.agi.environment import AgiEnvironment
from cti.agi.errors import (
    AgiApplicationNotFound,
    AgiCommandFailed,
    AgiHangup,
    AgiInvalidCommand,
    AgiTimeout,
    AgiUsageError,
)
from cti.agi.metrics import AgiMetrics, command_label
from cti.agi.protocol import (
    AgiReply,
    HangupNotice,
    MalformedLine,
    ReplyReader,
    UsageReply,
    format_command,
)

__all__ = ["DEAD_CHANNEL_COMMANDS", "AgiSession", "AgiTimeouts", "AgiTransport", "Digits", "Playback"]

log = structlog.get_logger(__name__)

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


@dataclass(frozen=True, slots=True)
class AgiTimeouts:
    """Seconds to wait for a reply: ``command_s`` for quick commands, ``media_s`` for
    playback (STREAM FILE, SAY ..., GET DATA's prompt), ``exec_s`` for EXEC (which can run a
    whole Dial); digit waits get their own time-out plus ``margin_s``."""

    command_s: float = 10.0
    media_s: float = 600.0
    exec_s: float = 4 * 3600.0
    margin_s: float = 5.0


@dataclass(frozen=True, slots=True)
class Playback:
    """STREAM FILE: the escape ``digit`` pressed (or None), the sample ``endpos`` reached;
    ``ok`` is False when Asterisk could not play the file (``result=-1`` on a live channel)."""

    digit: str | None
    endpos: int
    ok: bool = True


@dataclass(frozen=True, slots=True)
class Digits:
    """GET DATA: the digits entered (without the ``#`` that ends input) and whether input
    ended by time-out rather than ``#`` or reaching ``max_digits``."""

    value: str
    timed_out: bool


def _digit(code: int) -> str | None:
    return chr(code) if code > 0 else None


class AgiSession:
    """The typed AGI API; see the module docstring for hang-up and time-out rules."""

    def __init__(
        self,
        env: AgiEnvironment,
        transport: AgiTransport,
        *,
        timeouts: AgiTimeouts | None = None,
        metrics: AgiMetrics | None = None,
        reader: ReplyReader | None = None,
    ) -> None:
        self.env = env
        self._transport = transport
        self._timeouts = timeouts or AgiTimeouts()
        self._metrics = metrics
        self._reader = reader or ReplyReader()
        self._lock = asyncio.Lock()
        self._pending: asyncio.Future[AgiReply | UsageReply] | None = None
        self._hungup = False
        self._closed = False
        self._log = log.bind(uniqueid=env.uniqueid, channel=env.channel)

    # -- state ---------------------------------------------------------------------------
    @property
    def hungup(self) -> bool:
        """True once Asterisk reported the hang-up (HANGUP notice, 511) or the connection closed."""
        return self._hungup or self._closed

    @property
    def closed(self) -> bool:
        return self._closed

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

    # -- the escape hatch ----------------------------------------------------------------------
    async def command(self, *words: str, allow_dead: bool = False) -> AgiReply:
        """Send one command and return its ``200`` reply.

        Raises :class:`AgiHangup` (hung up, or 511), :class:`AgiInvalidCommand` (510),
        :class:`AgiUsageError` (520), :class:`AgiTimeout`.  On a hung-up channel only the
        commands Asterisk answers there are sent, unless ``allow_dead``.
        """
        return await self._run(words, self._timeouts.command_s, allow_dead=allow_dead)

    async def _run(
        self, words: tuple[str, ...], limit_s: float | None, *, allow_dead: bool = False
    ) -> AgiReply:
        line = format_command(*words)
        label = command_label(words)
        async with self._lock:
            if self._closed:
                raise AgiHangup("connection to Asterisk closed")
            if self._hungup and not (allow_dead or _dead_ok(words)):
                raise AgiHangup(f"channel hung up; not sending {label}")
            started = time.monotonic()
            outcome = "error"
            try:
                item = await self._exchange(line, limit_s, label)
                outcome = self._outcome(item)
            finally:
                if self._metrics is not None:
                    self._metrics.commands.labels(command=label, outcome=outcome).inc()
                    self._metrics.command_seconds.labels(command=label).observe(time.monotonic() - started)
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

    async def _hung_up_after_failure(self) -> bool:
        """After ``result=-1``: is the channel gone?  Probe with CHANNEL STATUS."""
        if self.hungup:
            return True
        try:
            await self._run(("CHANNEL", "STATUS"), self._timeouts.command_s)
        except AgiHangup:
            return True
        return False

    async def _failed(self, what: str, reply: AgiReply) -> AgiCommandFailed | AgiHangup:
        if await self._hung_up_after_failure():
            return AgiHangup(f"{what}: caller hung up")
        return AgiCommandFailed(f"{what} failed (result={reply.result})", reply)

    # -- typed commands --------------------------------------------------------------------------
    async def answer(self) -> None:
        reply = await self._run(("ANSWER",), self._timeouts.command_s)
        if reply.result_int() < 0:
            raise await self._failed("ANSWER", reply)

    async def stream_file(self, filename: str, escape_digits: str = "") -> Playback:
        reply = await self._run(("STREAM", "FILE", filename, escape_digits), self._timeouts.media_s)
        code = reply.result_int()
        endpos = reply.endpos if reply.endpos is not None else 0
        if code < 0:
            failure = await self._failed(f"STREAM FILE {filename}", reply)
            if isinstance(failure, AgiHangup):
                raise failure
            return Playback(None, endpos, ok=False)
        return Playback(_digit(code), endpos, ok=True)

    async def get_data(
        self, filename: str, timeout_ms: int | None = None, max_digits: int | None = None
    ) -> Digits:
        if max_digits is not None and max_digits < 1:
            raise ValueError("max_digits must be at least 1")
        words: tuple[str, ...] = ("GET", "DATA", filename)
        if timeout_ms is not None or max_digits is not None:
            words += (str(timeout_ms if timeout_ms is not None else 0),)
        if max_digits is not None:
            words += (str(max_digits),)
        wait: float | None
        if timeout_ms is not None and timeout_ms < 0:
            wait = None
        else:
            # Asterisk's defaults for timeout 0: 6 s for the first digit, 2 s between digits
            first = timeout_ms if timeout_ms else 6000
            between = timeout_ms if timeout_ms else 2000
            digits = max_digits if max_digits is not None else 1024
            wait = self._timeouts.media_s + (first + digits * between) / 1000 + self._timeouts.margin_s
        reply = await self._run(words, wait)
        if reply.result == "-1":
            raise await self._failed(f"GET DATA {filename}", reply)
        return Digits(reply.result, timed_out=reply.data == "timeout")

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        wait = None if timeout_ms < 0 else timeout_ms / 1000 + self._timeouts.margin_s
        reply = await self._run(("WAIT", "FOR", "DIGIT", str(timeout_ms)), wait)
        code = reply.result_int()
        if code < 0:
            raise await self._failed("WAIT FOR DIGIT", reply)
        return _digit(code)

    async def say_digits(self, digits: str, escape_digits: str = "") -> str | None:
        reply = await self._run(("SAY", "DIGITS", digits, escape_digits), self._timeouts.media_s)
        code = reply.result_int()
        if code < 0:
            raise await self._failed(f"SAY DIGITS {digits}", reply)
        return _digit(code)

    async def say_number(self, number: int, escape_digits: str = "", gender: str | None = None) -> str | None:
        words: tuple[str, ...] = ("SAY", "NUMBER", str(int(number)), escape_digits)
        if gender is not None:
            words += (gender,)
        reply = await self._run(words, self._timeouts.media_s)
        code = reply.result_int()
        if code < 0:
            raise await self._failed(f"SAY NUMBER {number}", reply)
        return _digit(code)

    async def set_variable(self, name: str, value: str) -> None:
        await self._run(("SET", "VARIABLE", name, value), self._timeouts.command_s)

    async def get_variable(self, name: str) -> str | None:
        reply = await self._run(("GET", "VARIABLE", name), self._timeouts.command_s)
        return reply.data if reply.result == "1" else None

    async def get_full_variable(self, expression: str, channel: str | None = None) -> str | None:
        words: tuple[str, ...] = ("GET", "FULL", "VARIABLE", expression)
        if channel is not None:
            words += (channel,)
        reply = await self._run(words, self._timeouts.command_s)
        return reply.data if reply.result == "1" else None

    async def exec(self, application: str, *args: str) -> int:
        words: tuple[str, ...] = ("EXEC", application)
        if args:
            words += (",".join(args),)
        reply = await self._run(words, self._timeouts.exec_s)
        code = reply.result_int()
        if code == -2:
            raise AgiApplicationNotFound(application)
        return code

    async def set_music(self, on: bool, moh_class: str | None = None) -> None:
        words: tuple[str, ...] = ("SET", "MUSIC", "on" if on else "off")
        if moh_class is not None:
            words += (moh_class,)
        await self._run(words, self._timeouts.command_s)

    async def channel_status(self, channel: str | None = None) -> int:
        words: tuple[str, ...] = ("CHANNEL", "STATUS") + ((channel,) if channel is not None else ())
        reply = await self._run(words, self._timeouts.command_s)
        return reply.result_int()

    async def verbose(self, message: str, level: int = 1) -> None:
        await self._run(("VERBOSE", message, str(level)), self._timeouts.command_s)

    async def hangup(self, channel: str | None = None) -> None:
        """Hang up this channel (or ``channel``); a no-op when this one is already gone."""
        if channel is None and self.hungup:
            return
        words: tuple[str, ...] = ("HANGUP",) + ((channel,) if channel is not None else ())
        reply = await self._run(words, self._timeouts.command_s)
        if reply.result == "-1":
            raise AgiCommandFailed(f"HANGUP {channel}: no such channel", reply)
        if channel is None or channel == self.env.channel:
            self._hungup = True
