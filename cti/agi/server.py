"""The FastAGI server: Asterisk's ``AGI(agi://host:port/<script>?...)`` connects here.

A thin I/O layer around :class:`~cti.agi.session.AgiSession`: it reads the environment
block, picks the handler by ``env.script``, and runs the handler and a reader ("pump") in
one :class:`asyncio.TaskGroup` per call.  The pump feeds every byte to the session, so a
``HANGUP`` notice is seen even while the handler is busy elsewhere; when Asterisk closes the
socket the handler is cancelled.  When the handler returns, the socket is closed and
Asterisk carries on with the dialplan (``AGISTATUS=SUCCESS``).

What a session can do wrong stays in that session: a handler exception is logged and the
call ends with ``AGISTATUS=FAILURE`` (we send the ``failure`` line res_agi.c understands, so
the dialplan can fall back, e.g. to a queue); an unknown script or a full server gets a
``VERBOSE`` line naming the reason, then the same ``failure``; a peer that is not Asterisk
(bad environment) is logged and disconnected.

FastAGI has no authentication, so (security finding 1) a connection from an address that is not
one of ``allowed_peers`` (the Asterisk servers; loopback by default) is closed unread, and a
session is served only when ``vouch`` says its environment describes a call the node knows (the
node checks the AMI state: :mod:`node.agi_trust`); otherwise it gets a ``VERBOSE`` line and a
``failure``, and no handler runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from ipaddress import ip_address, ip_network
from types import TracebackType
from typing import Protocol

import structlog
from prometheus_client import CollectorRegistry
from structlog.contextvars import bound_contextvars

from cti.agi.environment import AgiEnvironment, EnvironmentReader
from cti.agi.errors import AgiError, AgiHangup, AgiProtocolError
from cti.agi.metrics import agi_metrics
from cti.agi.session import AgiSession, AgiTimeouts
from cti.agi.sounds import SoundFolder

__all__ = ["AgiServerSettings", "FastAgiServer", "Handler"]

log = structlog.get_logger(__name__)

Handler = Callable[[AgiSession], Awaitable[None]]
LOOPBACK = ("127.0.0.1", "::1")


Vouch = Callable[[AgiEnvironment], Awaitable[bool]]


class AgiServerSettings(Protocol):
    """What :meth:`FastAgiServer.from_settings` reads (``node.settings.AgiSettings`` has it)."""

    host: str
    port: int
    allowed_peers: list[str]
    max_sessions: int
    command_timeout_s: float
    media_timeout_s: float
    exec_timeout_s: float
    timeout_margin_s: float
    drain_timeout_s: float


class FastAgiServer:
    """Serve ``routes`` (script name -> handler) on ``host:port`` (``port=0``: any free port)."""

    def __init__(
        self,
        routes: Mapping[str, Handler],
        *,
        host: str = "127.0.0.1",
        port: int = 4573,
        max_sessions: int = 2000,
        timeouts: AgiTimeouts | None = None,
        drain_timeout_s: float = 5.0,
        environment_timeout_s: float = 10.0,
        backlog: int = 1024,
        registry: CollectorRegistry | None = None,
        sounds: SoundFolder | None = None,
        allowed_peers: Sequence[str] | None = LOOPBACK,
        vouch: Vouch | None = None,
    ) -> None:
        """``allowed_peers``: the addresses or networks served (None: anyone);
        ``vouch``: whether a session's environment describes a real call (None: every one)."""
        self._routes = dict(routes)
        self._sounds = sounds  # relative sound names found there are played by absolute path
        self._peers = (
            None if allowed_peers is None else tuple(ip_network(p, strict=False) for p in allowed_peers)
        )
        self._vouch = vouch
        self._host = host
        self._port = port
        self._max_sessions = max_sessions
        self._timeouts = timeouts or AgiTimeouts()
        self._drain_timeout_s = drain_timeout_s
        self._environment_timeout_s = environment_timeout_s
        self._backlog = backlog  # calls set up in a burst: asyncio's default of 100 drops connects
        self._metrics = agi_metrics(registry)
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._active = 0

    @classmethod
    def from_settings(
        cls,
        routes: Mapping[str, Handler],
        settings: AgiServerSettings,
        *,
        registry: CollectorRegistry | None = None,
        sounds: SoundFolder | None = None,
        vouch: Vouch | None = None,
    ) -> FastAgiServer:
        """The server as configured in the ``[agi]`` section (``node.settings.AgiSettings``)."""
        timeouts = AgiTimeouts(
            command_s=settings.command_timeout_s,
            media_s=settings.media_timeout_s,
            exec_s=settings.exec_timeout_s,
            margin_s=settings.timeout_margin_s,
        )
        return cls(
            routes,
            host=settings.host,
            port=settings.port,
            max_sessions=settings.max_sessions,
            timeouts=timeouts,
            drain_timeout_s=settings.drain_timeout_s,
            registry=registry,
            sounds=sounds,
            allowed_peers=settings.allowed_peers,
            vouch=vouch,
        )

    # -- lifetime ----------------------------------------------------------------------------
    async def start(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._connection, self._host, self._port, backlog=self._backlog
        )
        log.info("agi.server_started", host=self._host, port=self.port, scripts=sorted(self._routes))

    async def stop(self, drain_timeout_s: float | None = None) -> None:
        """Stop accepting; let running sessions finish for up to ``drain_timeout_s``, then
        cancel them."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        pending = set(self._connections)
        if pending:
            limit = self._drain_timeout_s if drain_timeout_s is None else drain_timeout_s
            _, pending = await asyncio.wait(pending, timeout=limit)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        await server.wait_closed()
        log.info("agi.server_stopped", cancelled=len(pending))

    async def __aenter__(self) -> FastAgiServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The bound port (useful after ``port=0``)."""
        if self._server is None or not self._server.sockets:
            return self._port
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def active_sessions(self) -> int:
        return self._active

    # -- one connection ------------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        peer = writer.get_extra_info("peername")
        try:
            if not self._peer_allowed(peer):
                log.warning("agi.peer_refused", peer=peer)
                self._metrics.errors.labels(kind="peer_refused").inc()
                return
            env, remainder = await self._read_environment(reader, peer)
            if env is not None:
                with bound_contextvars(uniqueid=env.uniqueid, script=env.script):
                    await self._session(env, remainder, reader, writer)
        except Exception:
            # never let one call take the server down
            log.exception("agi.connection_failed", peer=peer)
            self._metrics.errors.labels(kind="internal").inc()
        finally:
            self._connections.discard(task)
            writer.close()

    def _peer_allowed(self, peer: object) -> bool:
        if self._peers is None:
            return True
        if not isinstance(peer, tuple) or not peer:
            return False
        try:
            address = ip_address(str(peer[0]))
        except ValueError:
            return False
        return any(address in net for net in self._peers)

    async def _read_environment(
        self, reader: asyncio.StreamReader, peer: object
    ) -> tuple[AgiEnvironment | None, bytes]:
        env_reader = EnvironmentReader()
        try:
            async with asyncio.timeout(self._environment_timeout_s):
                while True:
                    data = await reader.read(4096)
                    if not data:
                        log.info("agi.closed_before_environment", peer=peer)
                        return None, b""
                    env = env_reader.feed(data)
                    if env is not None:
                        return env, env_reader.remainder
        except AgiProtocolError as exc:
            log.warning("agi.bad_environment", peer=peer, error=str(exc))
            kind = "bad_environment"
        except TimeoutError:
            log.warning("agi.environment_timeout", peer=peer, timeout_s=self._environment_timeout_s)
            kind = "environment_timeout"
        except (ConnectionError, OSError) as exc:
            log.info("agi.connection_lost_before_environment", peer=peer, error=str(exc))
            kind = "connection_lost"
        self._metrics.errors.labels(kind=kind).inc()
        return None, b""

    async def _session(
        self,
        env: AgiEnvironment,
        remainder: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        session = AgiSession(env, writer, timeouts=self._timeouts, metrics=self._metrics, sounds=self._sounds)
        if remainder:
            session.receive(remainder)
        handler = self._routes.get(env.script) or self._routes.get(env.script.strip("/"))
        started = time.monotonic()
        if handler is None:
            script_label, outcome = "unknown", "unknown_script"
            log.warning("agi.unknown_script", request=env.request, known=sorted(self._routes))
            await self._serve(session, reader, _refusal(f"no AGI script named {env.script!r}"))
        elif self._vouch is not None and not await self._vouch(env):
            script_label, outcome = env.script, "untrusted"
            log.warning(
                "agi.channel_unknown", uniqueid=env.uniqueid, channel=env.channel, context=env.context
            )
            self._metrics.errors.labels(kind="channel_unknown").inc()
            await self._serve(session, reader, _refusal("no such channel"))
        elif self._active >= self._max_sessions:
            script_label, outcome = env.script, "rejected"
            log.warning("agi.too_many_sessions", max_sessions=self._max_sessions)
            self._metrics.errors.labels(kind="too_many_sessions").inc()
            await self._serve(session, reader, _refusal("too many AGI sessions"))
        else:
            script_label = env.script
            self._active += 1
            self._metrics.active.inc()
            try:
                outcome = await self._serve(session, reader, handler)
            finally:
                self._active -= 1
                self._metrics.active.dec()
        self._metrics.sessions.labels(script=script_label, outcome=outcome).inc()
        log.info(
            "agi.session_end",
            uniqueid=env.uniqueid,
            channel=env.channel,
            outcome=outcome,
            duration_s=round(time.monotonic() - started, 3),
        )

    async def _serve(self, session: AgiSession, reader: asyncio.StreamReader, handler: Handler) -> str:
        """Run ``handler`` beside the pump; returns how the session ended."""
        eof = asyncio.Event()
        async with asyncio.TaskGroup() as tg:
            handler_task = tg.create_task(self._guarded(handler, session))
            pump_task = tg.create_task(self._pump(session, reader, handler_task, eof))
            handler_task.add_done_callback(lambda _: pump_task.cancel())
        if handler_task.cancelled():
            return "closed_by_asterisk" if eof.is_set() else "cancelled"
        return handler_task.result()

    async def _guarded(self, handler: Handler, session: AgiSession) -> str:
        try:
            await handler(session)
            return "hangup" if session.hungup else "completed"
        except AgiHangup:
            return "hangup"
        except AgiError as exc:
            log.error("agi.handler_agi_error", error=repr(exc))
            self._metrics.errors.labels(kind=type(exc).__name__).inc()
            await self._fail(session)
            return "agi_error"
        except Exception:
            log.exception("agi.handler_failed")
            self._metrics.errors.labels(kind="handler_exception").inc()
            await self._fail(session)
            return "error"
        finally:
            session.close()

    @staticmethod
    async def _fail(session: AgiSession) -> None:
        # after a hang-up AGISTATUS is HANGUP; a failure line would turn it into FAILURE
        if not session.hungup:
            await session.fail()

    @staticmethod
    async def _pump(
        session: AgiSession, reader: asyncio.StreamReader, handler_task: asyncio.Task[str], eof: asyncio.Event
    ) -> None:
        try:
            while data := await reader.read(65536):
                session.receive(data)
        except (ConnectionError, OSError) as exc:
            log.info("agi.connection_lost", error=str(exc))
        session.connection_lost()
        if not handler_task.done():
            eof.set()
            handler_task.cancel()


def _refusal(reason: str) -> Handler:
    async def refuse(session: AgiSession) -> None:
        with contextlib.suppress(AgiError):
            await session.verbose(f"hotline: {reason}", 1)
        await session.fail()

    return refuse
