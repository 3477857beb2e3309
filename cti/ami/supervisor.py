"""Keeping one AMI session up: connect, log in, enable events, resync, watch it, reconnect.

Each session: connect -> banner -> ``Login`` (plain, or MD5 challenge) -> ``Events: on`` ->
``CoreStatus`` (when this Asterisk started: a restart since the last session cut its calls) ->
``CoreShowChannels`` (the call state model rebuilds its table from the list as it is read)
-> ready (:attr:`AmiSupervisor.connected` set) -> a Ping watchdog runs until the connection
is lost (EOF, error, ``Shutdown``, or a Ping unanswered within ``ping_timeout_s``: a
half-open TCP connection) -> exponential backoff with jitter -> again.  The supervisor's
:meth:`run` is one task, owned by :class:`cti.ami.client.AmiClient`; the watchdog runs in a
``TaskGroup`` inside it.

:meth:`AmiSupervisor.request` sends one action on a connection and waits for its reply,
with a timeout; nothing is ever re-sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import random
import time
import uuid
from collections.abc import Callable, Sequence

import structlog

from cti.ami.connection import SUCCESS, AmiConnection, ConnectionSink, messages_of
from cti.ami.errors import (
    AmiActionError,
    AmiActionTimeout,
    AmiConnectionLost,
    AmiError,
    AmiLoginError,
    AmiNotConnected,
)
from cti.ami.events import header_map, pbx_started
from cti.ami.metrics import AmiMetrics
from cti.ami.protocol import AmiMessage, AmiProtocolError
from cti.ami.settings import AmiSettings

__all__ = ["AmiSupervisor"]

log = structlog.get_logger(__name__)


class AmiSupervisor:
    def __init__(
        self, settings: AmiSettings, metrics: AmiMetrics, sink: ConnectionSink, rng: random.Random
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.connected = asyncio.Event()  # set while a session is logged in and synced
        self.version: str | None = None  # from the banner, "11.0.0" on Asterisk 22
        self.last_error: BaseException | None = None  # why the last session attempt failed
        self.stopping = False
        self.sessions = 0  # sessions made ready so far (each one resynced)
        # told when each session's Asterisk started (None: it does not say), before its channels are listed
        self.on_pbx_started: Callable[[str | None], None] = lambda started: None
        self._sink = sink
        self._rng = rng
        self._conn: AmiConnection | None = None
        self._ids = itertools.count(1)
        self._id_prefix = f"hotline-{uuid.uuid4().hex[:8]}"

    def ready(self) -> AmiConnection:
        """The connection of the ready session; :class:`AmiNotConnected` if there is none."""
        conn = self._conn
        if conn is None or not self.connected.is_set():
            raise AmiNotConnected("no AMI session is ready; the action was not sent")
        return conn

    def next_id(self) -> str:
        return f"{self._id_prefix}-{next(self._ids)}"

    async def logoff(self) -> None:
        """Say goodbye on the ready session, if any (best effort, short timeout)."""
        conn = self._conn
        if conn is not None and self.connected.is_set():
            try:
                await self.request(conn, "Logoff", [], timeout_s=min(1.0, self.settings.action_timeout_s))
            except AmiError as exc:
                log.debug("ami.logoff_failed", error=str(exc))

    async def request(
        self,
        conn: AmiConnection,
        name: str,
        headers: Sequence[tuple[str, str]],
        *,
        timeout_s: float | None = None,
        as_list: bool = False,
        complete_event: str | None = None,
        action_id: str | None = None,
    ) -> list[AmiMessage]:
        timeout = self.settings.action_timeout_s if timeout_s is None else timeout_s
        action_id = action_id or self.next_id()
        outcome = self.metrics.actions.labels(name, "lost")
        started = time.perf_counter()
        try:
            action = conn.send_action([("Action", name), ("ActionID", action_id), *headers], as_list=as_list)
            async with asyncio.timeout(timeout):
                result = await action.future
        except AmiConnectionLost:
            outcome.inc()
            raise
        except TimeoutError:
            conn.forget(action_id)
            self.metrics.actions.labels(name, "timeout").inc()
            log.warning("ami.action_timeout", action=name, action_id=action_id, timeout_s=timeout)
            raise AmiActionTimeout(name, action_id, timeout) from None
        except asyncio.CancelledError:
            conn.forget(action_id)
            raise
        self.metrics.action_seconds.labels(name).observe(time.perf_counter() - started)
        messages = messages_of(result)
        first, last = messages[0], messages[-1]
        if first.kind == "response" and (first.response or "").lower() not in SUCCESS:
            self.metrics.actions.labels(name, "error").inc()
            raise AmiActionError(first.get("Message") or f"{name} failed (Response: {first.response})", first)
        if complete_event is not None and (last.event or "").lower() != complete_event.lower():
            self.metrics.actions.labels(name, "error").inc()
            raise AmiActionError(
                f"{name} list ended by {last.event or last.response!r}, not {complete_event}", last
            )
        self.metrics.actions.labels(name, "ok").inc()
        return messages

    async def run(self) -> None:
        """Keep a session up until cancelled."""
        failures = 0
        while True:
            ready_for = 0.0
            try:
                ready_for = await self._session()
            except (OSError, TimeoutError, AmiError, AmiProtocolError) as exc:
                self.last_error = exc
                log.error(
                    "ami.session_failed", host=self.settings.host, port=self.settings.port, error=str(exc)
                )
            except Exception as exc:  # a bug of ours: log it, and keep supervising
                self.last_error = exc
                log.exception("ami.session_crashed", host=self.settings.host, port=self.settings.port)
            if self.stopping:
                return
            # a session that stayed up a while resets the backoff; one that fails at once does not
            failures = 1 if ready_for >= self.settings.reconnect_max_s else failures + 1
            delay = self._backoff(failures)
            log.info("ami.reconnecting", in_s=round(delay, 3), attempt=failures)
            await asyncio.sleep(delay)

    def _backoff(self, failures: int) -> float:
        """Exponential in the number of failures in a row, capped, with jitter (50-100 %)."""
        s = self.settings
        ceiling = min(s.reconnect_max_s, s.reconnect_min_s * (1 << min(failures - 1, 30)))
        return ceiling * (0.5 + 0.5 * self._rng.random())

    async def _session(self) -> float:
        """One session, from connecting until it is lost; how long it was ready, in seconds."""
        s = self.settings
        loop = asyncio.get_running_loop()
        conn = AmiConnection(self._sink)
        stage = "connect"
        try:
            async with asyncio.timeout(s.action_timeout_s):
                await loop.create_connection(lambda: conn, s.host, s.port)
                self.version = await conn.banner
            if self.version is None:
                log.warning("ami.no_banner", host=s.host, port=s.port)
            stage = "login"
            await self._login(conn)
            stage = "setup"
            await self.request(conn, "Events", [("EventMask", "on")])
            self.on_pbx_started(await self._pbx_started(conn))
            listing = await self.request(
                conn, "CoreShowChannels", [], as_list=True, complete_event="CoreShowChannelsComplete"
            )  # the state model rebuilt its table from the list as it was read
        except BaseException as exc:
            conn.abort(f"session {stage} failed")
            if isinstance(exc, Exception):
                self.metrics.connect_failures.labels(stage).inc()
            raise
        self.metrics.resyncs.inc()
        self._conn = conn
        ready_since = loop.time()
        self.last_error = None
        self.sessions += 1
        self.connected.set()
        self.metrics.connected.set(1)
        self.metrics.sessions.inc()
        log.info("ami.ready", host=s.host, port=s.port, version=self.version, channels=len(listing) - 2)
        try:
            async with asyncio.TaskGroup() as tg:
                watchdog = tg.create_task(self._watchdog(conn), name="ami-watchdog")
                reason = await asyncio.shield(conn.lost)
                watchdog.cancel()
        finally:
            self.connected.clear()
            self.metrics.connected.set(0)
            self._conn = None
            conn.abort("client stopped" if self.stopping else "session ended")
        self.metrics.disconnects.inc()
        log.warning("ami.disconnected", host=s.host, port=s.port, reason=reason)
        return loop.time() - ready_since

    async def _pbx_started(self, conn: AmiConnection) -> str | None:
        """When this Asterisk started (``CoreStatus``): a restart is told from a lost connection by
        it.  None from a PBX that does not know the action."""
        try:
            [reply, *_] = await self.request(conn, "CoreStatus", [])
        except AmiActionError:
            return None
        return pbx_started(header_map(reply))

    async def _login(self, conn: AmiConnection) -> None:
        s = self.settings
        if s.auth == "md5":
            [reply, *_] = await self.request(conn, "Challenge", [("AuthType", "MD5")])
            challenge = reply.get("Challenge")
            if not challenge:
                raise AmiLoginError("no Challenge in the reply to Action: Challenge", reply)
            key = hashlib.md5((challenge + s.secret).encode()).hexdigest()
            credentials = [("AuthType", "MD5"), ("Username", s.username), ("Key", key)]
        else:
            credentials = [("Username", s.username), ("Secret", s.secret)]
        try:
            await self.request(conn, "Login", [*credentials, ("Events", "off")])
        except AmiActionError as exc:
            raise AmiLoginError(f"AMI login as {s.username!r} refused: {exc.message}", exc.response) from None

    async def _watchdog(self, conn: AmiConnection) -> None:
        s = self.settings
        while True:
            await asyncio.sleep(s.ping_interval_s)
            started = time.perf_counter()
            try:
                await self.request(conn, "Ping", [], timeout_s=s.ping_timeout_s)
            except AmiActionTimeout:
                self.metrics.ping_timeouts.inc()
                log.error("ami.ping_unanswered", host=s.host, port=s.port, timeout_s=s.ping_timeout_s)
                conn.abort(f"no reply to Ping within {s.ping_timeout_s:g} s")
                return
            except AmiConnectionLost:
                return
            except AmiActionError as exc:
                log.warning("ami.ping_refused", error=exc.message)
                continue
            self.metrics.ping_seconds.observe(time.perf_counter() - started)
