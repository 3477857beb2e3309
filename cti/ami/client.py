"""The AMI client: a supervised manager session to Asterisk, its actions, events and call state.

    async with AmiClient(settings.ami) as ami:
        await ami.wait_connected(timeout_s=5)
        call = await ami.originate("Local/100@test", application="Wait", data="5")
        outcome = await call  # its OriginateResponse
        async with ami.subscribe("Hangup") as hangups:
            async for event in hangups:
                ...

The client owns one task, the :class:`~cti.ami.supervisor.AmiSupervisor` (connect, log in,
``Events: on``, resync from ``CoreShowChannels``, Ping watchdog, reconnect with backoff).

Actions have a timeout (:class:`AmiActionTimeout`) and fail with
:class:`AmiConnectionLost` when the connection drops under them; nothing is ever re-sent by
the client.  While no session is ready, actions fail at once with :class:`AmiNotConnected`.

Events feed :attr:`AmiClient.state` inline, in wire order, then bounded subscriptions
(:meth:`subscribe`, :meth:`changes`; overflow policy in :mod:`cti.ami.subscriptions`).
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Mapping, Sequence

import structlog

from cti.ami.channels import Change, ChannelAdded, ChannelRemoved, OriginateFinished
from cti.ami.errors import AmiActionError, AmiNotConnected
from cti.ami.events import header_map
from cti.ami.metrics import AmiMetrics
from cti.ami.originate import PendingOriginate, originate_headers
from cti.ami.protocol import AmiMessage, MalformedInput, ParsedItem
from cti.ami.settings import AmiSettings
from cti.ami.state import CallState
from cti.ami.subscriptions import Subscription, compile_pattern
from cti.ami.supervisor import AmiSupervisor

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
        self.metrics = (
            metrics if metrics is not None else AmiMetrics(server=f"{settings.host}:{settings.port}")
        )
        self.state = state if state is not None else CallState()
        self._events: dict[Subscription[AmiMessage], re.Pattern[str]] = {}
        self._changes: dict[Subscription[Change], None] = {}
        self._sink = _Sink(self)
        self._supervisor = AmiSupervisor(
            settings, self.metrics, self._sink, rng if rng is not None else random.Random()
        )
        self._supervisor.on_pbx_started = self.state.pbx_started
        self._task: asyncio.Task[None] | None = None
        self.metrics.watch_state(
            lambda: len(self.state), lambda: len(self.state.bridges()), lambda: self.state.stats.ignored
        )

    @property
    def connected(self) -> asyncio.Event:
        """Set while a session is logged in and synced."""
        return self._supervisor.connected

    @property
    def sessions(self) -> int:
        """How many sessions have been made ready (the first is 1; each reconnect adds one)."""
        return self._supervisor.sessions

    @property
    def version(self) -> str | None:
        """The manager version of the banner ("11.0.0" on Asterisk 22)."""
        return self._supervisor.version

    @property
    def last_error(self) -> BaseException | None:
        """Why the last attempt to set up a session failed (None once one is ready)."""
        return self._supervisor.last_error

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the supervisor (returns at once; see :meth:`wait_connected`)."""
        if self._task is not None:
            raise RuntimeError("AmiClient already started")
        self._supervisor.stopping = False
        self._task = asyncio.create_task(self._supervisor.run(), name="ami-supervisor")

    async def stop(self) -> None:
        """Log off, close the session, end the supervisor and every subscription."""
        if self._task is None:
            return
        self._supervisor.stopping = True
        await self._supervisor.logoff()
        self._task.cancel()
        await asyncio.wait([self._task])
        self._task = None
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
        conn = self._supervisor.ready()
        [response, *_] = await self._supervisor.request(conn, name, _headers(headers), timeout_s=timeout_s)
        return response

    async def action_list(
        self, name: str, complete_event: str, /, *, timeout_s: float | None = None, **headers: HeaderValue
    ) -> list[AmiMessage]:
        """An action answered by a list of events closed by ``complete_event``: the list's items."""
        conn = self._supervisor.ready()
        messages = await self._supervisor.request(
            conn, name, _headers(headers), timeout_s=timeout_s, as_list=True, complete_event=complete_event
        )
        items = messages[1:-1]
        listed = messages[-1].get("ListItems")
        if listed is not None and listed.isascii() and listed.isdigit() and int(listed) != len(items):
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
        conn = self._supervisor.ready()
        action_id = self._supervisor.next_id()
        future = conn.expect_originate(action_id)  # before sending: the event may beat the Response
        try:
            [response, *_] = await self._supervisor.request(
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
    ch = change.channel  # no log.bind(): a new logger per channel, for lines usually filtered out
    if isinstance(change, ChannelAdded):
        log.debug(
            "ami.channel_added",
            uniqueid=ch.uniqueid,
            linkedid=ch.linkedid,
            channel=ch.name,
            ami_event=change.event,
        )
    else:
        log.debug(
            "ami.channel_removed",
            uniqueid=ch.uniqueid,
            linkedid=ch.linkedid,
            channel=ch.name,
            ami_event=change.event,
            cause=change.cause,
        )


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
