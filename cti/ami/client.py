"""The AMI client: one supervised manager session to Asterisk, its actions, events and call state.

    async with AmiClient(settings.ami) as ami:
        await ami.wait_connected(timeout_s=5)
        call = await ami.originate("Local/100@test", application="Wait", data="5")
        outcome = await call  # its OriginateResponse
        async with ami.subscribe("Hangup") as hangups:
            async for event in hangups:
                ...

The client owns one supervisor task.  Each session: connect -> banner -> ``Login`` (plain,
or MD5 challenge) -> ``Events: on`` -> ``CoreShowChannels`` (the call state is rebuilt from
the list) -> ready (:attr:`AmiClient.connected` set) -> a Ping watchdog runs until the
connection is lost (EOF, error, ``Shutdown``, or a Ping unanswered within
``ping_timeout_s``: a half-open TCP connection) -> exponential backoff with jitter -> again.

Actions have a timeout (:class:`AmiActionTimeout`) and fail with
:class:`AmiConnectionLost` when the connection drops under them; nothing is ever re-sent by
the client.  While no session is ready, actions fail at once with :class:`AmiNotConnected`.

Events feed :attr:`AmiClient.state` inline, in wire order, then bounded subscriptions
(:meth:`subscribe`, :meth:`changes`; overflow policy in :mod:`cti.ami.subscriptions`).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import random
import re
import time
import uuid
from collections.abc import Mapping, Sequence

import structlog

from cti.ami.connection import SUCCESS, AmiConnection, messages_of
from cti.ami.errors import (
    AmiActionError,
    AmiActionTimeout,
    AmiConnectionLost,
    AmiError,
    AmiLoginError,
    AmiNotConnected,
)
from cti.ami.events import header_map
from cti.ami.metrics import AmiMetrics
from cti.ami.originate import PendingOriginate, originate_headers
from cti.ami.protocol import AmiMessage, AmiProtocolError, MalformedInput, ParsedItem
from cti.ami.state import CallState, Change, ChannelAdded, ChannelRemoved, OriginateFinished
from cti.ami.subscriptions import Subscription, compile_pattern
from cti.settings import AmiSettings

__all__ = ["AmiClient", "HeaderValue"]

log = structlog.get_logger(__name__)

HeaderValue = str | int | bool | Sequence[str]


def _headers(named: Mapping[str, HeaderValue]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in named.items():
        if key.lower() in ("action", "actionid"):
            raise ValueError(f"{key} is set by the client")
        if isinstance(value, bool):
            out.append((key, "true" if value else "false"))
        elif isinstance(value, str | int):
            out.append((key, str(value)))
        else:
            out.extend((key, str(v)) for v in value)
    return out


class AmiClient:
    def __init__(
        self,
        settings: AmiSettings,
        *,
        metrics: AmiMetrics | None = None,
        state: CallState | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics if metrics is not None else AmiMetrics()
        self.state = state if state is not None else CallState()
        self.connected = asyncio.Event()  # set while a session is logged in and synced
        self.version: str | None = None  # from the banner, "11.0.0" on Asterisk 22
        self.last_error: BaseException | None = None  # why the last session attempt failed
        self._rng = rng if rng is not None else random.Random()
        self._conn: AmiConnection | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False
        self._events: dict[Subscription[AmiMessage], re.Pattern[str]] = {}
        self._changes: dict[Subscription[Change], None] = {}
        self._ids = itertools.count(1)
        self._id_prefix = f"hotline-{uuid.uuid4().hex[:8]}"
        self._sink = _Sink(self)
        self.metrics.watch_state(
            lambda: len(self.state), lambda: len(self.state.bridges()), lambda: self.state.stats.ignored
        )

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the supervisor (returns at once; see :meth:`wait_connected`)."""
        if self._supervisor is not None:
            raise RuntimeError("AmiClient already started")
        self._stopping = False
        self._supervisor = asyncio.create_task(self._supervise(), name="ami-supervisor")

    async def stop(self) -> None:
        """Log off, close the session, end the supervisor and every subscription."""
        if self._supervisor is None:
            return
        self._stopping = True
        conn = self._conn
        if conn is not None and self.connected.is_set():
            try:
                await self._request(conn, "Logoff", [], timeout_s=min(1.0, self.settings.action_timeout_s))
            except AmiError as exc:
                log.debug("ami.logoff_failed", error=str(exc))
        self._supervisor.cancel()
        await asyncio.wait([self._supervisor])
        self._supervisor = None
        for events in list(self._events):
            events.close()
        for changes in list(self._changes):
            changes.close()

    async def __aenter__(self) -> AmiClient:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def wait_connected(self, timeout_s: float | None = None) -> None:
        """Wait until a session is ready; :class:`AmiNotConnected` (with the last error) if not in time."""
        try:
            async with asyncio.timeout(timeout_s):
                await self.connected.wait()
        except TimeoutError:
            s = self.settings
            detail = f": {self.last_error}" if self.last_error is not None else ""
            raise AmiNotConnected(f"no AMI session with {s.host}:{s.port} after {timeout_s} s{detail}") from (
                self.last_error
            )

    # -- actions ----------------------------------------------------------------------------
    async def action(
        self, name: str, /, *, timeout_s: float | None = None, **headers: HeaderValue
    ) -> AmiMessage:
        """Send ``Action: name`` with ``headers`` (AMI names as keywords); its ``Response``.

        A header given a list is repeated (``Variable=["A=1", "B=2"]``).  Raises
        :class:`AmiActionError` on ``Response: Error``.
        """
        conn = self._ready()
        [response, *_] = await self._request(conn, name, _headers(headers), timeout_s=timeout_s)
        return response

    async def action_list(
        self, name: str, complete_event: str, /, *, timeout_s: float | None = None, **headers: HeaderValue
    ) -> list[AmiMessage]:
        """An action answered by a list of events closed by ``complete_event``: the list's items."""
        conn = self._ready()
        messages = await self._request(
            conn, name, _headers(headers), timeout_s=timeout_s, as_list=True, complete_event=complete_event
        )
        items = messages[1:-1]
        listed = messages[-1].get("ListItems")
        if listed is not None and listed.isdigit() and int(listed) != len(items):
            log.warning("ami.list_count_mismatch", action=name, announced=int(listed), received=len(items))
        return items

    async def originate(
        self,
        channel: str,
        *,
        context: str | None = None,
        exten: str | None = None,
        priority: int | str | None = None,
        application: str | None = None,
        data: str | None = None,
        caller_id: str | None = None,
        timeout_ms: int = 30_000,
        variables: Mapping[str, str] | None = None,
        account: str | None = None,
        channel_id: str | None = None,
        other_channel_id: str | None = None,
        timeout_s: float | None = None,
    ) -> PendingOriginate:
        """Originate with ``Async: true``; returns once queued, ``await`` the result for the outcome."""
        headers = originate_headers(
            channel,
            context=context,
            exten=exten,
            priority=priority,
            application=application,
            data=data,
            caller_id=caller_id,
            timeout_ms=timeout_ms,
            variables=variables,
            account=account,
            channel_id=channel_id,
            other_channel_id=other_channel_id,
        )
        conn = self._ready()
        action_id = self._next_id()
        future = conn.expect_originate(action_id)  # before sending: the event may beat the Response
        try:
            [response, *_] = await self._request(
                conn, "Originate", headers, timeout_s=timeout_s, action_id=action_id
            )
        except BaseException:
            conn.forget_originate(action_id)
            raise
        log.info("ami.originate_queued", action_id=action_id, channel=channel)
        return PendingOriginate(
            action_id,
            channel,
            response,
            future,
            default_timeout_s=timeout_ms / 1000 + self.settings.action_timeout_s,
            forget=lambda: conn.forget_originate(action_id),
        )

    async def redirect(
        self,
        channel: str,
        context: str,
        exten: str,
        priority: int | str = 1,
        *,
        extra_channel: str | None = None,
        extra_context: str | None = None,
        extra_exten: str | None = None,
        extra_priority: int | str | None = None,
        timeout_s: float | None = None,
    ) -> AmiMessage:
        """Send ``channel`` (and ``extra_channel``, e.g. its bridged peer) to ``exten@context``."""
        headers: dict[str, HeaderValue] = {"Channel": channel, "Context": context, "Exten": exten}
        headers["Priority"] = str(priority)
        if extra_channel is not None:
            headers["ExtraChannel"] = extra_channel
            headers["ExtraContext"] = extra_context or context
            headers["ExtraExten"] = extra_exten or exten
            headers["ExtraPriority"] = str(extra_priority or priority)
        return await self.action("Redirect", timeout_s=timeout_s, **headers)

    async def hangup(
        self, channel: str, cause: int | None = None, *, timeout_s: float | None = None
    ) -> AmiMessage:
        headers: dict[str, HeaderValue] = {"Channel": channel}
        if cause is not None:
            headers["Cause"] = cause
        return await self.action("Hangup", timeout_s=timeout_s, **headers)

    async def setvar(
        self, variable: str, value: str, channel: str | None = None, *, timeout_s: float | None = None
    ) -> None:
        """Set a channel variable, or a global one when ``channel`` is None."""
        headers: dict[str, HeaderValue] = {"Variable": variable, "Value": value}
        if channel is not None:
            headers["Channel"] = channel
        await self.action("Setvar", timeout_s=timeout_s, **headers)

    async def getvar(
        self, variable: str, channel: str | None = None, *, timeout_s: float | None = None
    ) -> str:
        """A channel (or global) variable or dialplan function; ``""`` when unset."""
        headers: dict[str, HeaderValue] = {"Variable": variable}
        if channel is not None:
            headers["Channel"] = channel
        response = await self.action("Getvar", timeout_s=timeout_s, **headers)
        return response.get("Value") or ""

    async def command(self, cli: str, *, timeout_s: float | None = None) -> list[str]:
        """Run a CLI command; its output lines (``Output:`` headers, or the body of older versions)."""
        try:
            response = await self.action("Command", timeout_s=timeout_s, Command=cli)
        except AmiActionError as exc:
            output = "\n".join(exc.response.get_all("Output")) or exc.message
            raise AmiActionError(output, exc.response) from None
        lines = response.get_all("Output")
        return lines if lines else [line for line in response.junk if line != "--END COMMAND--"]

    async def ping(self, *, timeout_s: float | None = None) -> float:
        """Round trip of a ``Ping``, in seconds."""
        started = time.perf_counter()
        await self.action("Ping", timeout_s=timeout_s)
        return time.perf_counter() - started

    # -- subscriptions ----------------------------------------------------------------------
    def subscribe(self, pattern: str = "*", *, maxsize: int | None = None) -> Subscription[AmiMessage]:
        """Events whose name matches ``pattern`` (fnmatch, any case), unless an action consumed them."""
        sub: Subscription[AmiMessage] = Subscription(
            f"events:{pattern}",
            maxsize or self.settings.subscription_queue_size,
            on_close=lambda sub: self._events.pop(sub, None),
            on_drop=self.metrics.subscription_dropped.labels("events").inc,
        )
        self._events[sub] = compile_pattern(pattern)
        return sub

    def changes(self, *, maxsize: int | None = None) -> Subscription[Change]:
        """Every change of :attr:`state`, in order."""
        sub: Subscription[Change] = Subscription(
            "changes",
            maxsize or self.settings.subscription_queue_size,
            on_close=lambda sub: self._changes.pop(sub, None),
            on_drop=self.metrics.subscription_dropped.labels("changes").inc,
        )
        self._changes[sub] = None
        return sub

    # -- internals: requests ----------------------------------------------------------------
    def _ready(self) -> AmiConnection:
        conn = self._conn
        if conn is None or not self.connected.is_set():
            raise AmiNotConnected("no AMI session is ready; the action was not sent")
        return conn

    def _next_id(self) -> str:
        return f"{self._id_prefix}-{next(self._ids)}"

    async def _request(
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
        action_id = action_id or self._next_id()
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

    # -- internals: the session -------------------------------------------------------------
    async def _supervise(self) -> None:
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
            if self._stopping:
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
            await self._request(conn, "Events", [("EventMask", "on")])
            await self._request(
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
        self.connected.set()
        self.metrics.connected.set(1)
        self.metrics.sessions.inc()
        log.info("ami.ready", host=s.host, port=s.port, version=self.version, channels=len(self.state))
        try:
            async with asyncio.TaskGroup() as tg:
                watchdog = tg.create_task(self._watchdog(conn), name="ami-watchdog")
                reason = await asyncio.shield(conn.lost)
                watchdog.cancel()
        finally:
            self.connected.clear()
            self.metrics.connected.set(0)
            self._conn = None
            conn.abort("client stopped" if self._stopping else "session ended")
        self.metrics.disconnects.inc()
        log.warning("ami.disconnected", host=s.host, port=s.port, reason=reason)
        return loop.time() - ready_since

    async def _login(self, conn: AmiConnection) -> None:
        s = self.settings
        if s.auth == "md5":
            [reply, *_] = await self._request(conn, "Challenge", [("AuthType", "MD5")])
            challenge = reply.get("Challenge")
            if not challenge:
                raise AmiLoginError("no Challenge in the reply to Action: Challenge", reply)
            key = hashlib.md5((challenge + s.secret).encode()).hexdigest()
            credentials = [("AuthType", "MD5"), ("Username", s.username), ("Key", key)]
        else:
            credentials = [("Username", s.username), ("Secret", s.secret)]
        try:
            await self._request(conn, "Login", [*credentials, ("Events", "off")])
        except AmiActionError as exc:
            raise AmiLoginError(f"AMI login as {s.username!r} refused: {exc.message}", exc.response) from None

    async def _watchdog(self, conn: AmiConnection) -> None:
        s = self.settings
        while True:
            await asyncio.sleep(s.ping_interval_s)
            started = time.perf_counter()
            try:
                await self._request(conn, "Ping", [], timeout_s=s.ping_timeout_s)
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

    # -- internals: the read path (called synchronously by the connection) ------------------
    def _on_event(self, event: AmiMessage) -> None:
        self.metrics.events.inc()
        try:
            for change in self.state.apply(event):
                if isinstance(change, ChannelAdded | ChannelRemoved | OriginateFinished):
                    _log_change(change)
                for sub in self._changes:
                    sub.offer(change)
        except Exception as exc:  # a bug of ours must not keep the event from anyone else
            self._sink.on_read_error(exc, event)

    def _on_unsolicited(self, event: AmiMessage) -> None:
        name = event.event or ""
        for sub, pattern in self._events.items():
            if pattern.match(name):
                sub.offer(event)


def _log_change(change: ChannelAdded | ChannelRemoved | OriginateFinished) -> None:
    if isinstance(change, OriginateFinished):
        o = change.outcome
        log.info("ami.originate_outcome", action_id=o.action_id, uniqueid=o.uniqueid, reason=o.reason_text)
        return
    ch = change.channel
    bound = log.bind(uniqueid=ch.uniqueid, linkedid=ch.linkedid)
    if isinstance(change, ChannelAdded):
        bound.debug("ami.channel_added", channel=ch.name, ami_event=change.event)
    else:
        bound.debug("ami.channel_removed", channel=ch.name, ami_event=change.event, cause=change.cause)


class _Sink:
    """What the connection calls from its read path (a :class:`~cti.ami.connection.ConnectionSink`)."""

    def __init__(self, client: AmiClient) -> None:
        self._client = client

    def on_event(self, event: AmiMessage) -> None:
        self._client._on_event(event)

    def on_unsolicited(self, event: AmiMessage) -> None:
        self._client._on_unsolicited(event)

    def on_malformed(self, item: MalformedInput) -> None:
        self._client.metrics.malformed.inc()
        log.warning("ami.malformed_input", reason=item.reason, raw=item.raw[:120])

    def on_unmatched(self, response: AmiMessage) -> None:
        self._client.metrics.unmatched.inc()
        h = header_map(response)
        log.info("ami.unmatched_response", action_id=h.get("actionid"), response=h.get("response"))

    def on_read_error(self, error: Exception, item: ParsedItem) -> None:
        self._client.metrics.read_errors.inc()
        log.error("ami.read_error", error=repr(error), item=repr(item)[:200], exc_info=error)
