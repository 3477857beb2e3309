"""A scriptable fake Asterisk manager (AMI) server for the client's tests.

It answers like Asterisk 22 does in the captures (banner ``Asterisk Call Manager/11.0.0``,
``Permission denied`` before Login, ``Authentication failed`` then close, MD5 challenge,
``CoreShowChannels`` lists...) and lets a test misbehave on purpose: never answer a Ping,
drop the connection mid-message, send garbage, answer late, replay a capture.  Handlers are
looked up by action name in :attr:`FakeAmi.handlers`; a test replaces one to script it.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from cti.ami.protocol import AmiMessage, AmiParser, encode_message

Handler = Callable[["FakeSession", AmiMessage], Awaitable[None]]


@dataclass
class Received:
    session: int
    at: float
    action: AmiMessage


class FakeSession:
    def __init__(
        self, server: FakeAmi, number: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ):
        self.server = server
        self.number = number
        self.reader = reader
        self.writer = writer
        self.logged_in = False
        self.challenge: str | None = None
        self.closed = asyncio.Event()

    def send(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)

    def reply(self, action: AmiMessage, *headers: tuple[str, str], response: str = "Success") -> None:
        pairs = [("Response", response)]
        if action.action_id is not None:
            pairs.append(("ActionID", action.action_id))
        self.send(encode_message([*pairs, *headers]))

    def event(self, name: str, *headers: tuple[str, str]) -> None:
        self.send(encode_message([("Event", name), *headers]))

    def close(self) -> None:
        self.writer.close()

    def abort(self) -> None:
        self.writer.transport.abort()


@dataclass
class FakeAmi:
    username: str = "hotline"
    secret: str = "s3cret"
    answer_pings: bool = True
    login_delay_s: float = 0.0  # Asterisk waits about 1 s before refusing a login
    # what CoreShowChannels lists: CoreShowChannel events (the ActionID is added)
    channels: list[AmiMessage] = field(default_factory=list)
    handlers: dict[str, Handler] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    sessions: list[FakeSession] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    # when this "Asterisk" started, as CoreStatus says (None: CoreStatus is an unknown action)
    started: tuple[str, str] | None = ("2026-12-06", "05:00:00")

    def __post_init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._challenges = itertools.count(154933700)
        self._arrived = asyncio.Condition()
        self.handlers = {
            "login": self._login,
            "challenge": self._challenge,
            "events": self._events,
            "ping": self._ping,
            "coreshowchannels": self._core_show_channels,
            "corestatus": self._core_status,
            "logoff": self._logoff,
            "originate": self._originate,
            "command": self._command,
            "getvar": self._getvar,
            "setvar": self._ok,
            "hangup": self._ok,
            "redirect": self._ok,
            **self.handlers,
        }

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for session in self.sessions:
            session.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    # -- what tests look at -----------------------------------------------------------------
    def actions(self, name: str | None = None) -> list[AmiMessage]:
        return [
            r.action for r in self.received if name is None or (r.action.action or "").lower() == name.lower()
        ]

    async def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
        async with asyncio.timeout(timeout_s), self._arrived:
            await self._arrived.wait_for(predicate)

    async def wait_action(self, name: str, count: int = 1, timeout_s: float = 5.0) -> AmiMessage:
        await self.wait_for(lambda: len(self.actions(name)) >= count, timeout_s)
        return self.actions(name)[count - 1]

    async def wait_sessions(self, count: int, timeout_s: float = 5.0) -> FakeSession:
        await self.wait_for(lambda: len(self.sessions) >= count, timeout_s)
        return self.sessions[count - 1]

    def broadcast(self, data: bytes) -> None:
        for session in self.sessions:
            if session.logged_in:
                session.send(data)

    # -- the session loop -------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        session = FakeSession(self, len(self.sessions) + 1, reader, writer)
        async with self._arrived:
            self.sessions.append(session)
            self._arrived.notify_all()
        parser = AmiParser()
        try:
            session.send(b"Asterisk Call Manager/11.0.0\r\n")
            while data := await reader.read(65536):
                for item in parser.feed(data):
                    if isinstance(item, AmiMessage):
                        await self._dispatch(session, item)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            session.closed.set()
            writer.close()
            self._tasks.discard(task)

    async def _dispatch(self, session: FakeSession, action: AmiMessage) -> None:
        async with self._arrived:
            self.received.append(Received(session.number, time.monotonic(), action))
            self._arrived.notify_all()
        name = (action.action or "").lower()
        if not session.logged_in and name not in ("login", "challenge", "logoff"):
            session.reply(action, ("Message", "Permission denied"), response="Error")
            return
        handler = self.handlers.get(name)
        if handler is None:
            msg = f"Invalid/unknown command: {action.action}. "
            msg += "Use Action: ListCommands to show available commands."
            session.reply(action, ("Message", msg), response="Error")
            return
        await handler(session, action)

    # -- default handlers: what Asterisk 22 answers -----------------------------------------
    async def _login(self, session: FakeSession, action: AmiMessage) -> None:
        if (action.get("AuthType") or "").lower() == "md5":
            expected = hashlib.md5(f"{session.challenge}{self.secret}".encode()).hexdigest()
            ok = session.challenge is not None and action.get("Key") == expected
        else:
            ok = action.get("Secret") == self.secret
        ok = ok and action.get("Username") == self.username
        if not ok:
            await asyncio.sleep(self.login_delay_s)
            session.reply(action, ("Message", "Authentication failed"), response="Error")
            session.close()
            return
        session.logged_in = True
        session.reply(action, ("Message", "Authentication accepted"))
        if (action.get("Events") or "on").lower() != "off":
            session.event("FullyBooted", ("Privilege", "system,all"), ("Status", "Fully Booted"))

    async def _challenge(self, session: FakeSession, action: AmiMessage) -> None:
        session.challenge = str(next(self._challenges))
        session.reply(action, ("Challenge", session.challenge))

    async def _events(self, session: FakeSession, action: AmiMessage) -> None:
        session.reply(action, ("Events", "On" if action.get("EventMask") == "on" else "Off"))

    async def _ping(self, session: FakeSession, action: AmiMessage) -> None:
        if self.answer_pings:
            session.reply(action, ("Ping", "Pong"), ("Timestamp", f"{time.time():.6f}"))

    async def _core_show_channels(self, session: FakeSession, action: AmiMessage) -> None:
        action_id = action.action_id or ""
        session.reply(action, ("EventList", "start"), ("Message", "Channels will follow"))
        for listed in self.channels:
            session.send(encode_message([listed.headers[0], ("ActionID", action_id), *listed.headers[1:]]))
        session.event(
            "CoreShowChannelsComplete",
            ("ActionID", action_id),
            ("EventList", "Complete"),
            ("ListItems", str(len(self.channels))),
        )

    async def _core_status(self, session: FakeSession, action: AmiMessage) -> None:
        if self.started is None:
            msg = "Invalid/unknown command: CoreStatus. Use Action: ListCommands to show available commands."
            session.reply(action, ("Message", msg), response="Error")
            return
        date, time_of_day = self.started
        session.reply(
            action,
            ("CoreStartupDate", date),
            ("CoreStartupTime", time_of_day),
            ("CoreReloadDate", date),
            ("CoreReloadTime", time_of_day),
            ("CoreCurrentCalls", str(len(self.channels))),
        )

    async def _logoff(self, session: FakeSession, action: AmiMessage) -> None:
        session.reply(action, ("Message", "Thanks for all the fish."), response="Goodbye")
        session.close()

    async def _originate(self, session: FakeSession, action: AmiMessage) -> None:
        session.reply(action, ("Message", "Originate successfully queued"))
        if (action.get("Async") or "").lower() == "true":
            session.event(
                "OriginateResponse",
                ("Privilege", "call,all"),
                ("ActionID", action.action_id or ""),
                ("Response", "Success"),
                ("Channel", f"{action.get('Channel')}-00000001;1"),
                ("Reason", "4"),
                ("Uniqueid", "1795673901.54"),
                ("CallerIDNum", "<unknown>"),
                ("CallerIDName", "<unknown>"),
            )

    async def _command(self, session: FakeSession, action: AmiMessage) -> None:
        command = action.get("Command") or ""
        if command == "core show version":
            session.reply(
                action, ("Message", "Command output follows"), ("Output", "Asterisk 22.10.1 (fake)")
            )
        else:
            out = f"No such command '{command}' (type 'core show help {command}' for other possible commands)"
            session.reply(action, ("Message", "Command output follows"), ("Output", out), response="Error")

    async def _getvar(self, session: FakeSession, action: AmiMessage) -> None:
        session.reply(action, ("Variable", action.get("Variable") or ""), ("Value", "bar"))

    async def _ok(self, session: FakeSession, action: AmiMessage) -> None:
        session.reply(action, ("Message", f"{action.action} done"))


def listed_channel(name: str, uniqueid: str, linkedid: str = "", bridge_id: str = "") -> AmiMessage:
    """A CoreShowChannel event as Asterisk 22 sends it (ActionID added by the server)."""
    return AmiMessage.build(
        ("Event", "CoreShowChannel"),
        ("Channel", name),
        ("ChannelState", "6"),
        ("ChannelStateDesc", "Up"),
        ("CallerIDNum", "1001"),
        ("CallerIDName", "Hotline"),
        ("ConnectedLineNum", "1001"),
        ("ConnectedLineName", "Hotline"),
        ("Language", "en"),
        ("AccountCode", ""),
        ("Context", "test"),
        ("Exten", "100"),
        ("Priority", "1"),
        ("Uniqueid", uniqueid),
        ("Linkedid", linkedid or uniqueid),
        ("Application", "Wait"),
        ("ApplicationData", "30"),
        ("Duration", "00:00:02"),
        ("BridgeId", bridge_id),
    )
