"""One manager session over TCP: panoramisk's ``AMIProtocol`` with our parser and writer.

What we keep from panoramisk 1.4: ``AMIProtocol.handle_message``, which finds the pending
:class:`panoramisk.actions.Action` a reply belongs to by ActionID, and ``Action``, which
collects the replies (one, or a list) and resolves its future.  What we replace, and why
(panoramisk issues #88 #89 #90 #97 #104 #115 #121, ``../shared/notes/panoramisk.md``):

- ``data_received`` decodes with ``errors='ignore'`` and splits on blank lines by hand: ours
  feeds :class:`cti.ami.protocol.AmiParser` (bounded buffers, bad input reported, not
  dropped), and no exception escapes it (asyncio would close the transport, which is how
  panoramisk's ``KeyError: 'async'`` kills a connection).
- ``send`` writes ``str(action)`` in ASCII without checking values (a CR/LF in a value
  injects headers; a non-ASCII caller name is logged and the action never resolves): ours
  writes :func:`cti.ami.protocol.encode_message` bytes in UTF-8 and refuses bad values.
- ``close``/``connection_lost`` queue unanswered actions for re-sending on the next
  connection (a second ``Originate`` is a second call): ours fails every pending action with
  :class:`AmiConnectionLost` and re-sends nothing.
- An ``as_list`` action answered ``Response: Error`` never resolves in panoramisk (it waits
  for a second message): we resolve it with the error.
- An ``OriginateResponse`` event whose ActionID is still pending would complete the
  ``Originate`` action in panoramisk: we route it to the originate's own future first.

Every action is sent with ``as_list`` set explicitly (True or False): ``Action.multi`` reads
``self['async']`` only when ``as_list`` is None.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Protocol

from panoramisk import actions
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from cti.ami.errors import AmiConnectionLost
from cti.ami.event_fields import EventFields
from cti.ami.protocol import (
    DEFAULT_MAX_LINE_BYTES,
    DEFAULT_MAX_MESSAGE_BYTES,
    AmiMessage,
    AmiParser,
    Banner,
    MalformedInput,
    ParsedItem,
    encode_message,
)

__all__ = ["AmiConnection", "ConnectionSink", "PendingAction", "messages_of"]

SUCCESS = frozenset({"success", "follows", "goodbye"})
# headers panoramisk reads as strings: a repeated one must not become a list there
_SCALAR = frozenset(
    {"actionid", "commandid", "event", "response", "message", "eventlist", "subevent", "async"}
)

PendingAction = Any  # panoramisk.actions.Action: a dict with a ``future`` and ``as_list`` (untyped)


class ConnectionSink(Protocol):
    """What the connection tells its owner, synchronously, from the read path."""

    def on_event(self, event: AmiMessage) -> None:
        """Every event, in wire order (list items included): the state model."""

    def on_unsolicited(self, event: AmiMessage) -> None:
        """Events no pending action consumed: the subscribers."""

    def on_malformed(self, item: MalformedInput) -> None: ...

    def on_unmatched(self, response: AmiMessage) -> None:
        """A response to no pending action (e.g. after its timeout)."""

    def on_read_error(self, error: Exception, item: ParsedItem) -> None:
        """A bug of ours while handling ``item``; the connection carries on."""


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # an unawaited failure is expected here, not a leak


def to_panoramisk(message: AmiMessage) -> Message:
    """A panoramisk ``Message`` for ``handle_message``; ``.source`` keeps our message."""
    headers: dict[str, Any] = {}
    names: dict[str, str] = {}
    for key, value in message.headers:
        lkey = key.lower()
        if lkey not in names:
            names[lkey] = key
            headers[key] = value
        elif lkey not in _SCALAR:
            first = headers[names[lkey]]
            headers[names[lkey]] = [*first, value] if isinstance(first, list) else [first, value]
    converted = Message(headers)
    converted.source = message
    return converted


def messages_of(result: Any) -> list[AmiMessage]:
    """An action's result (one panoramisk ``Message`` or a list of them) as our messages."""
    items = result if isinstance(result, list) else [result]
    return [item.source for item in items]


class AmiConnection(AMIProtocol):  # type: ignore[misc]  # panoramisk is untyped
    """The asyncio protocol of one manager session; :class:`cti.ami.client.AmiClient` owns it."""

    def __init__(
        self,
        sink: ConnectionSink,
        *,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        loop = asyncio.get_running_loop()
        self._sink = sink
        self._parser = AmiParser(
            expect_banner=True, max_message_bytes=max_message_bytes, max_line_bytes=max_line_bytes
        )
        self.banner: asyncio.Future[str | None] = loop.create_future()  # None: no banner line
        self.lost: asyncio.Future[str] = loop.create_future()  # the reason, once the session is over
        self._originates: dict[str, asyncio.Future[AmiMessage]] = {}
        self._abort_reason: str | None = None
        self.responses: dict[str, PendingAction] = {}
        self.closed = False
        self.transport: asyncio.Transport | None = None

    # -- asyncio.Protocol -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # panoramisk's attributes: queue, responses, version, log
        self.responses = {}
        self.factory = self  # handle_message() hands unmatched events to factory.dispatch()
        self.encoding = "utf-8"

    def data_received(self, data: bytes) -> None:
        for item in self._parser.feed(data):
            try:
                self._route(item)
            except Exception as exc:  # a bug of ours must not close the transport
                self._sink.on_read_error(exc, item)

    def connection_lost(self, exc: object) -> None:
        if self.lost.done():
            return
        self.closed = True
        if self._abort_reason is not None:
            reason = self._abort_reason
        elif isinstance(exc, Message):  # handle_message() calls us with a Shutdown event
            reason = "Asterisk is shutting down"
        elif isinstance(exc, BaseException):
            reason = f"{type(exc).__name__}: {exc}"
        else:
            reason = "closed by the peer"
        error = AmiConnectionLost(f"AMI connection lost ({reason}); whatever was in flight is not re-sent")
        pending = {id(action): action for action in self.responses.values()}
        self.responses.clear()
        for action in pending.values():
            if not action.future.done():
                action.future.set_exception(error)
        for future in self._originates.values():
            if not future.done():
                future.set_exception(error)
        self._originates.clear()
        if not self.banner.done():
            self.banner.add_done_callback(_retrieve)
            self.banner.set_exception(error)
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()
        self.lost.set_result(reason)

    # -- panoramisk's factory interface -----------------------------------------------------
    def dispatch(self, message: Message) -> None:
        self._sink.on_unsolicited(message.source)

    def close(self, reason: str = "closed by us") -> None:
        """Close gracefully (buffered bytes are still written); pending actions fail."""
        self._abort_reason = self._abort_reason or reason
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def abort(self, reason: str) -> None:
        """Drop the connection now (a dead peer will not read what we buffered)."""
        self._abort_reason = self._abort_reason or reason
        if self.transport is not None:
            self.transport.abort()

    # -- sending ----------------------------------------------------------------------------
    def send_action(self, headers: Sequence[tuple[str, str]], *, as_list: bool) -> PendingAction:
        """Write one action (its ``ActionID`` among ``headers``); its future resolves with the reply."""
        if self.lost.done() or self.transport is None or self.transport.is_closing():
            raise AmiConnectionLost("AMI connection is closed; the action was not sent")
        payload = encode_message(headers)  # AmiProtocolError on a CR/LF in a value
        grouped: dict[str, Any] = {}
        for key, value in headers:
            first = grouped.get(key)
            grouped[key] = (
                value if first is None else [*first, value] if isinstance(first, list) else [first, value]
            )
        action = actions.Action(grouped, as_list=as_list)
        if action.id in self.responses:
            raise ValueError(f"ActionID {action.id!r} is already pending")
        self.responses[action.id] = action
        self.transport.write(payload)
        return action

    def forget(self, action_id: str) -> None:
        """Stop waiting for ``action_id`` (timed out): a late reply is reported as unmatched."""
        self.responses.pop(action_id, None)

    def expect_originate(self, action_id: str) -> asyncio.Future[AmiMessage]:
        """A future for the ``OriginateResponse`` event of ``action_id`` (register before sending)."""
        future: asyncio.Future[AmiMessage] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_retrieve)
        self._originates[action_id] = future
        return future

    def forget_originate(self, action_id: str) -> None:
        self._originates.pop(action_id, None)

    @property
    def pending(self) -> int:
        return len(self.responses)

    # -- reading ----------------------------------------------------------------------------
    def _route(self, item: ParsedItem) -> None:
        if isinstance(item, Banner):
            self.version = item.version
            if not self.banner.done():
                self.banner.set_result(item.version)
            return
        if not self.banner.done():
            self.banner.set_result(None)
        if isinstance(item, MalformedInput):
            self._sink.on_malformed(item)
            return
        kind = item.kind
        if kind == "event":  # its ActionID by its layout's index, not by a scan of every header
            action_id = EventFields(item).get("actionid")
            self._sink.on_event(item)
            name = (item.event or "").lower()
            if name == "originateresponse" and action_id in self._originates:
                future = self._originates.pop(action_id)
                if not future.done():
                    future.set_result(item)
                self._sink.on_unsolicited(item)
                return
            if action_id is None and name != "shutdown":
                self._sink.on_unsolicited(item)  # what handle_message() would do, without the conversion
                return
        elif kind == "response":
            action_id = item.action_id
            action = self.responses.get(action_id) if action_id is not None else None
            if action is None:
                self._sink.on_unmatched(item)
                return
            if action.as_list and (item.response or "").lower() not in SUCCESS:
                self._finish(action, to_panoramisk(item))  # panoramisk would wait for more
                return
        else:
            raw = item.encode()[:256]
            self._sink.on_malformed(MalformedInput("message is neither a response nor an event", raw))
            return
        self.handle_message(to_panoramisk(item))

    def _finish(self, action: PendingAction, message: Message) -> None:
        self.responses.pop(action.id, None)
        if not action.future.done():
            action.future.set_result(message)
