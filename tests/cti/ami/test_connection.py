"""The panoramisk-based protocol (cti/ami/connection.py) fed bytes through a fake transport,
and the panoramisk 1.4 pitfalls it works around, shown on panoramisk itself."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from panoramisk import actions
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from cti.ami.connection import AmiConnection, messages_of
from cti.ami.errors import AmiConnectionLost
from cti.ami.protocol import AmiMessage, MalformedInput, ParsedItem, encode_message


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closing = False
        self.protocol: Any = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        if not self.closing:
            self.closing = True
            if self.protocol is not None:
                asyncio.get_running_loop().call_soon(self.protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()


class Recorder:
    def __init__(self) -> None:
        self.events: list[AmiMessage] = []
        self.unsolicited: list[AmiMessage] = []
        self.malformed: list[MalformedInput] = []
        self.unmatched: list[AmiMessage] = []
        self.errors: list[Exception] = []
        self.fail_on: str | None = None

    def on_event(self, event: AmiMessage) -> None:
        if event.event == self.fail_on:
            raise RuntimeError("a bug in the sink")
        self.events.append(event)

    def on_unsolicited(self, event: AmiMessage) -> None:
        self.unsolicited.append(event)

    def on_malformed(self, item: MalformedInput) -> None:
        self.malformed.append(item)

    def on_unmatched(self, response: AmiMessage) -> None:
        self.unmatched.append(response)

    def on_read_error(self, error: Exception, item: ParsedItem) -> None:
        self.errors.append(error)


def open_connection() -> tuple[AmiConnection, FakeTransport, Recorder]:
    sink = Recorder()
    conn = AmiConnection(sink)
    transport = FakeTransport()
    transport.protocol = conn
    conn.connection_made(transport)
    conn.data_received(b"Asterisk Call Manager/11.0.0\r\n")
    return conn, transport, sink


def msg(*pairs: tuple[str, str]) -> bytes:
    return encode_message(pairs)


async def test_actions_are_written_with_our_encoder_and_matched_by_actionid() -> None:
    conn, transport, _ = open_connection()
    assert conn.banner.result() == "11.0.0"
    headers = [("Action", "Setvar"), ("ActionID", "a1"), ("Variable", "NAME"), ("Value", "Zoë")]
    action = conn.send_action(headers, as_list=False)
    assert bytes(transport.written) == encode_message(headers)  # UTF-8, our order, checked values
    conn.data_received(msg(("Response", "Success"), ("ActionID", "a1"), ("Message", "Variable Set")))
    [reply] = messages_of(action.future.result())
    assert reply.get("Message") == "Variable Set" and conn.pending == 0


async def test_originate_reply_without_async_does_not_raise() -> None:
    conn, _, sink = open_connection()
    action = conn.send_action(
        [("Action", "Originate"), ("ActionID", "o1"), ("Channel", "Local/1@t")], as_list=False
    )
    conn.data_received(
        msg(("Response", "Success"), ("ActionID", "o1"), ("Message", "Originate successfully queued"))
    )
    assert messages_of(action.future.result())[0].response == "Success"
    assert sink.errors == []


async def test_list_with_error_response_resolves() -> None:
    conn, _, _ = open_connection()
    action = conn.send_action([("Action", "Status"), ("ActionID", "s1"), ("Channel", "nope")], as_list=True)
    conn.data_received(msg(("Response", "Error"), ("ActionID", "s1"), ("Message", "No such channel")))
    assert messages_of(action.future.result())[0].get("Message") == "No such channel"


async def test_list_items_go_to_the_action_and_the_state_not_the_subscribers() -> None:
    conn, _, sink = open_connection()
    action = conn.send_action([("Action", "CoreShowChannels"), ("ActionID", "c1")], as_list=True)
    conn.data_received(
        msg(("Response", "Success"), ("ActionID", "c1"), ("EventList", "start"))
        + msg(("Event", "CoreShowChannel"), ("ActionID", "c1"), ("Channel", "A/1"))
        + msg(("Event", "Newchannel"), ("Channel", "B/1"))
        + msg(("Event", "CoreShowChannelsComplete"), ("ActionID", "c1"), ("ListItems", "1"))
    )
    assert [m.name for m in messages_of(action.future.result())] == [
        "Success",
        "CoreShowChannel",
        "CoreShowChannelsComplete",
    ]
    assert [e.event for e in sink.events] == ["CoreShowChannel", "Newchannel", "CoreShowChannelsComplete"]
    assert [e.event for e in sink.unsolicited] == ["Newchannel"]


async def test_originate_response_goes_to_its_future_even_before_the_response() -> None:
    conn, _, sink = open_connection()
    future = conn.expect_originate("o2")
    action = conn.send_action([("Action", "Originate"), ("ActionID", "o2"), ("Async", "true")], as_list=False)
    conn.data_received(msg(("Event", "OriginateResponse"), ("ActionID", "o2"), ("Response", "Success")))
    assert future.result().event == "OriginateResponse" and not action.future.done()
    conn.data_received(
        msg(("Response", "Success"), ("ActionID", "o2"), ("Message", "Originate successfully queued"))
    )
    assert messages_of(action.future.result())[0].kind == "response"
    assert [e.event for e in sink.unsolicited] == ["OriginateResponse"]


async def test_connection_lost_fails_everything_pending_and_resends_nothing() -> None:
    conn, transport, _ = open_connection()
    first = conn.send_action([("Action", "Originate"), ("ActionID", "o3")], as_list=False)
    listing = conn.send_action([("Action", "CoreShowChannels"), ("ActionID", "c3")], as_list=True)
    conn.data_received(msg(("Response", "Success"), ("ActionID", "c3"), ("EventList", "start")))
    outcome = conn.expect_originate("o3")
    written = bytes(transport.written)
    conn.connection_lost(ConnectionResetError("reset by peer"))
    for future in (first.future, listing.future, outcome):
        with pytest.raises(AmiConnectionLost, match="reset by peer"):
            future.result()
    assert conn.lost.result() == "ConnectionResetError: reset by peer"
    assert bytes(transport.written) == written
    with pytest.raises(AmiConnectionLost):
        conn.send_action([("Action", "Ping"), ("ActionID", "p")], as_list=False)


async def test_a_bug_in_the_sink_does_not_stop_the_stream() -> None:
    conn, transport, sink = open_connection()
    sink.fail_on = "Boom"
    conn.data_received(msg(("Event", "Boom")) + msg(("Event", "After")))
    assert len(sink.errors) == 1 and [e.event for e in sink.events] == ["After"]
    assert not transport.closing


async def test_bad_input_is_reported_not_dropped() -> None:
    conn, _, sink = open_connection()
    conn.data_received(b"garbage line\r\n\r\nFoo: bar\r\n\r\nEvent: X\r\nName: caf\xe9\r\n\r\n")
    assert [m.reason for m in sink.malformed] == [
        "message without any 'Name: value' header",
        "message is neither a response nor an event",
    ]
    assert sink.unsolicited[0]["Name"] == "caf\ufffd"


async def test_late_response_is_unmatched() -> None:
    conn, _, sink = open_connection()
    conn.send_action([("Action", "Ping"), ("ActionID", "p1")], as_list=False)
    conn.forget("p1")
    conn.data_received(msg(("Response", "Success"), ("ActionID", "p1"), ("Ping", "Pong")))
    assert [m.action_id for m in sink.unmatched] == ["p1"]


# -- panoramisk 1.4 itself: the pitfalls above are real (these fail if a release fixes them) -----
async def test_panoramisk_raises_keyerror_async_on_a_queued_originate() -> None:
    action = actions.Action({"Action": "Originate", "ActionID": "x"})  # as_list left None
    with pytest.raises(KeyError, match="async"):
        action.add_message(
            Message({"Response": "Success", "ActionID": "x", "Message": "Originate successfully queued"})
        )


async def test_panoramisk_never_resolves_a_list_answered_with_an_error() -> None:
    action = actions.Action({"Action": "Status", "ActionID": "y"}, as_list=True)
    action.add_message(Message({"Response": "Error", "ActionID": "y", "Message": "No such channel"}))
    assert not action.future.done()


async def test_panoramisk_queues_unanswered_actions_for_resending() -> None:
    class Factory:
        def __init__(self) -> None:
            self.forgetable_actions = ("ping", "login")
            self.awaiting_actions: list[Any] = []

    protocol = AMIProtocol()
    protocol.connection_made(FakeTransport())
    protocol.factory = factory = Factory()
    protocol.send({"Action": "Originate", "Channel": "Local/1@t"}, as_list=False)
    protocol.close()
    assert [a["Action"] for a in factory.awaiting_actions] == ["Originate"]


async def test_panoramisk_decoding_drops_bad_bytes() -> None:
    seen: list[Any] = []

    class Factory:
        def dispatch(self, message: Any) -> None:
            seen.append(message)

    protocol = AMIProtocol()
    protocol.connection_made(FakeTransport())
    protocol.factory = Factory()
    protocol.encoding = "utf-8"
    protocol.data_received(b"Event: X\r\nName: caf\xe9\r\n\r\n")
    assert seen[0]["Name"] == "caf"  # the byte is gone without a trace
