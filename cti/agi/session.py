"""One AGI conversation, as a typed async API for the IVR and ACD code.

The session owns no socket.  The I/O layer (:mod:`cti.agi.server` for FastAGI,
:mod:`cti.agi.classic` for stdin/stdout) hands it the bytes Asterisk sends
(:meth:`AgiSession.receive`), tells it when the connection is gone
(:meth:`AgiSession.connection_lost`), and gives it a transport to write commands to.  How
commands and replies pass (one at a time, time-outs, which commands still go through once the
channel hung up) is :mod:`cti.agi.exchange`'s; this module gives each command its words, its
time-out and a typed result.

Hang-up: once Asterisk said so (``HANGUP`` notice, ``511``, or EOF), commands that need a
live channel raise :class:`AgiHangup` before anything is sent.  The commands Asterisk still
answers on a dead channel -- its own list in ``res_agi.c``: GET VARIABLE, GET FULL
VARIABLE, SET VARIABLE, EXEC, VERBOSE, NOOP, DATABASE ... -- still go through, so a handler
can save state in ``except AgiHangup`` / ``finally``.  ``result=-1`` from a media command
is ambiguous (hang-up or e.g. a missing sound file); the session settles it with a
``CHANNEL STATUS`` probe, which a dead channel answers with ``511``.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from cti.agi.environment import AgiEnvironment
from cti.agi.errors import AgiApplicationNotFound, AgiCommandFailed, AgiHangup
from cti.agi.exchange import AgiExchange, AgiTransport
from cti.agi.metrics import AgiMetrics
from cti.agi.protocol import AgiReply, ReplyReader
from cti.agi.sounds import SoundFolder

__all__ = ["AgiSession", "AgiTimeouts", "Digits", "Playback"]

log = structlog.get_logger(__name__)


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
        sounds: SoundFolder | None = None,
    ) -> None:
        self.env = env
        self._sounds = sounds
        self._language = env.language  # followed through SET VARIABLE CHANNEL(language)
        self._timeouts = timeouts or AgiTimeouts()
        self._exchange = AgiExchange(
            transport,
            log=log.bind(uniqueid=env.uniqueid, channel=env.channel),
            metrics=metrics,
            reader=reader,
        )

    # -- state ---------------------------------------------------------------------------
    @property
    def hungup(self) -> bool:
        """True once Asterisk reported the hang-up (HANGUP notice, 511) or the connection closed."""
        return self._exchange.hungup

    @property
    def closed(self) -> bool:
        return self._exchange.closed

    # -- fed by the I/O layer ----------------------------------------------------------------
    def receive(self, data: bytes) -> None:
        self._exchange.receive(data)

    def connection_lost(self) -> None:
        self._exchange.connection_lost()

    def notify_hangup(self) -> None:
        """The channel hung up (HANGUP notice; SIGHUP in classic AGI)."""
        self._exchange.notify_hangup()

    def close(self) -> None:
        """Close the connection; Asterisk then ends the AGI() application."""
        self._exchange.close()

    async def fail(self) -> None:
        """End the AGI with ``AGISTATUS=FAILURE`` and close: sends the ``failure`` line that
        res_agi.c reads as "the script could not run"; the dialplan then continues."""
        await self._exchange.fail()

    # -- the escape hatch ----------------------------------------------------------------------
    async def command(self, *words: str, allow_dead: bool = False) -> AgiReply:
        """Send one command and return its ``200`` reply.

        Raises :class:`AgiHangup` (hung up, or 511), :class:`AgiInvalidCommand` (510),
        :class:`AgiUsageError` (520), :class:`AgiTimeout`.  On a hung-up channel only the
        commands Asterisk answers there are sent, unless ``allow_dead``.
        """
        return await self._exchange.run(words, self._timeouts.command_s, allow_dead=allow_dead)

    async def _hung_up_after_failure(self) -> bool:
        """After ``result=-1``: is the channel gone?  Probe with CHANNEL STATUS."""
        if self.hungup:
            return True
        try:
            await self._exchange.run(("CHANNEL", "STATUS"), self._timeouts.command_s)
        except AgiHangup:
            return True
        return False

    async def _failed(self, what: str, reply: AgiReply) -> AgiCommandFailed | AgiHangup:
        if await self._hung_up_after_failure():
            return AgiHangup(f"{what}: caller hung up")
        return AgiCommandFailed(f"{what} failed (result={reply.result})", reply)

    # -- typed commands --------------------------------------------------------------------------
    async def answer(self) -> None:
        reply = await self._exchange.run(("ANSWER",), self._timeouts.command_s)
        if reply.result_int() < 0:
            raise await self._failed("ANSWER", reply)

    def _sound(self, name: str) -> str:
        return self._sounds.name_for(name, self._language) if self._sounds else name

    async def stream_file(self, filename: str, escape_digits: str = "") -> Playback:
        filename = self._sound(filename)
        reply = await self._exchange.run(("STREAM", "FILE", filename, escape_digits), self._timeouts.media_s)
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
        words: tuple[str, ...] = ("GET", "DATA", self._sound(filename))
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
        reply = await self._exchange.run(words, wait)
        if reply.result == "-1":
            raise await self._failed(f"GET DATA {filename}", reply)
        return Digits(reply.result, timed_out=reply.data == "timeout")

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        wait = None if timeout_ms < 0 else timeout_ms / 1000 + self._timeouts.margin_s
        reply = await self._exchange.run(("WAIT", "FOR", "DIGIT", str(timeout_ms)), wait)
        code = reply.result_int()
        if code < 0:
            raise await self._failed("WAIT FOR DIGIT", reply)
        return _digit(code)

    async def say_digits(self, digits: str, escape_digits: str = "") -> str | None:
        reply = await self._exchange.run(("SAY", "DIGITS", digits, escape_digits), self._timeouts.media_s)
        code = reply.result_int()
        if code < 0:
            raise await self._failed(f"SAY DIGITS {digits}", reply)
        return _digit(code)

    async def say_number(self, number: int, escape_digits: str = "", gender: str | None = None) -> str | None:
        words: tuple[str, ...] = ("SAY", "NUMBER", str(int(number)), escape_digits)
        if gender is not None:
            words += (gender,)
        reply = await self._exchange.run(words, self._timeouts.media_s)
        code = reply.result_int()
        if code < 0:
            raise await self._failed(f"SAY NUMBER {number}", reply)
        return _digit(code)

    async def set_variable(self, name: str, value: str) -> None:
        await self._exchange.run(("SET", "VARIABLE", name, value), self._timeouts.command_s)
        if name == "CHANNEL(language)":
            self._language = value

    async def get_variable(self, name: str) -> str | None:
        reply = await self._exchange.run(("GET", "VARIABLE", name), self._timeouts.command_s)
        return reply.data if reply.result == "1" else None

    async def get_full_variable(self, expression: str, channel: str | None = None) -> str | None:
        words: tuple[str, ...] = ("GET", "FULL", "VARIABLE", expression)
        if channel is not None:
            words += (channel,)
        reply = await self._exchange.run(words, self._timeouts.command_s)
        return reply.data if reply.result == "1" else None

    async def exec(self, application: str, *args: str) -> int:
        words: tuple[str, ...] = ("EXEC", application)
        if args:
            words += (",".join(args),)
        reply = await self._exchange.run(words, self._timeouts.exec_s)
        code = reply.result_int()
        if code == -2:
            raise AgiApplicationNotFound(application)
        return code

    async def set_music(self, on: bool, moh_class: str | None = None) -> None:
        words: tuple[str, ...] = ("SET", "MUSIC", "on" if on else "off")
        if moh_class is not None:
            words += (moh_class,)
        await self._exchange.run(words, self._timeouts.command_s)

    async def channel_status(self, channel: str | None = None) -> int:
        words: tuple[str, ...] = ("CHANNEL", "STATUS") + ((channel,) if channel is not None else ())
        reply = await self._exchange.run(words, self._timeouts.command_s)
        return reply.result_int()

    async def verbose(self, message: str, level: int = 1) -> None:
        await self._exchange.run(("VERBOSE", message, str(level)), self._timeouts.command_s)

    async def hangup(self, channel: str | None = None) -> None:
        """Hang up this channel (or ``channel``); a no-op when this one is already gone."""
        if channel is None and self.hungup:
            return
        words: tuple[str, ...] = ("HANGUP",) + ((channel,) if channel is not None else ())
        reply = await self._exchange.run(words, self._timeouts.command_s)
        if reply.result == "-1":
            raise AgiCommandFailed(f"HANGUP {channel}: no such channel", reply)
        if channel is None or channel == self.env.channel:
            self._exchange.mark_hungup()
