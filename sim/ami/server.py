"""The simulator's Asterisk Manager Interface: TCP server, sessions, authentication.

Behaviour copied from Asterisk 22 (``../shared/asterisk/captures``):

* banner ``Asterisk Call Manager/11.0.0``; replies always CRLF, bare-LF actions accepted;
* actions of one session run one at a time; events raised while an action runs are held
  and written after its reply (Asterisk's session loop works the same way);
* before ``Login`` only ``Login``, ``Challenge`` and ``Logoff`` are allowed
  (``Permission denied``); a failed login is answered after about a second with
  ``Authentication failed`` and the connection is closed; ``InvalidPassword``,
  ``InvalidAccountID`` and ``SuccessfulAuth`` security events go to every session that
  reads ``security``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog

from cti.ami.protocol import AmiMessage, AmiParser, MalformedInput
from sim.events import Event, Subscriber, events_mask, privileges_from_mask

if TYPE_CHECKING:
    from sim.pbx import Pbx

log = structlog.get_logger(__name__)

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
AUTH_FAIL_DELAY_S = 1.0
PRE_AUTH_ACTIONS = {"login", "challenge", "logoff"}


@dataclass(frozen=True)
class AmiUser:
    username: str
    secret: str
    read: frozenset[str]
    write: frozenset[str]

    @classmethod
    def build(cls, username: str, secret: str, read: str = "all", write: str = "all") -> AmiUser:
        return cls(username, secret, privileges_from_mask(read), privileges_from_mask(write))


@dataclass(eq=False)
class AmiSession:
    server: AmiServer
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    user: AmiUser | None = None
    challenge: str | None = None
    subscriber: Subscriber | None = None
    in_action: bool = False
    held: list[bytes] = field(default_factory=list)
    closing: bool = False
    session_id: str = field(default_factory=lambda: hex(random.getrandbits(44) | 0x500000000000))
    created: float = 0.0

    def is_closing(self) -> bool:
        return self.closing

    @property
    def authenticated(self) -> bool:
        return self.user is not None

    @property
    def local_address(self) -> str:
        sock = self.writer.get_extra_info("sockname") or ("127.0.0.1", 0)
        return f"IPV4/TCP/{sock[0]}/{sock[1]}"

    @property
    def remote_address(self) -> str:
        peer = self.writer.get_extra_info("peername") or ("127.0.0.1", 0)
        return f"IPV4/TCP/{peer[0]}/{peer[1]}"

    # -- output -----------------------------------------------------------------------------
    def write(self, message: AmiMessage) -> None:
        if self.closing:
            return
        self.writer.write(message.encode())

    def deliver(self, event: Event) -> None:
        data = event.message().encode()
        if self.in_action:
            self.held.append(data)
        elif not self.closing:
            self.writer.write(data)

    def flush_held(self) -> None:
        if self.held and not self.closing:
            self.writer.write(b"".join(self.held))
        self.held.clear()


class AmiServer:
    def __init__(self, pbx: Pbx, users: list[AmiUser], *, host: str = "127.0.0.1", port: int = 5038) -> None:
        from sim.ami.actions import ActionRunner

        self.pbx = pbx
        self.users = {u.username.lower(): u for u in users}
        self.host = host
        self.requested_port = port
        self.sessions: list[AmiSession] = []
        # challenges to hand out before random ones (replaying a recorded MD5 login)
        self.preset_challenges: list[str] = []
        self.actions = ActionRunner(self)
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.sockets
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.requested_port, limit=1 << 20)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for session in list(self.sessions):
            session.closing = True
            session.writer.close()
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        session = AmiSession(self, reader, writer, created=self.pbx.clock.now())
        self.sessions.append(session)
        parser = AmiParser()
        try:
            writer.write(BANNER)
            while not session.closing:
                data = await reader.read(65536)
                if not data:
                    break
                for item in parser.feed(data):
                    if isinstance(item, MalformedInput):
                        log.warning("malformed AMI input", reason=item.reason, raw=item.raw[:80])
                        continue
                    if not isinstance(item, AmiMessage):
                        continue
                    await self._run_action(session, item)
                    if session.is_closing():
                        break
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("AMI session failed")
        finally:
            self._drop(session)
            self._handlers.discard(task)

    def _drop(self, session: AmiSession) -> None:
        session.closing = True
        if session.subscriber is not None:
            self.pbx.bus.unsubscribe(session.subscriber)
        if session in self.sessions:
            self.sessions.remove(session)
        with contextlib.suppress(Exception):  # closing a broken socket
            session.writer.close()

    async def _run_action(self, session: AmiSession, message: AmiMessage) -> None:
        session.in_action = True
        try:
            await self.actions.run(session, message)
        finally:
            session.in_action = False
            session.flush_held()

    # -- authentication ----------------------------------------------------------------------
    def make_challenge(self, session: AmiSession) -> str:
        if self.preset_challenges:
            session.challenge = self.preset_challenges.pop(0)
        else:
            session.challenge = str(random.randint(100_000_000, 999_999_999))
        return session.challenge

    async def login(self, session: AmiSession, message: AmiMessage) -> bool:
        username = message.get("Username") or ""
        user = self.users.get(username.lower())
        ok = False
        if user is not None:
            if (message.get("AuthType") or "").lower() == "md5":
                if session.challenge is not None:
                    expected = hashlib.md5((session.challenge + user.secret).encode()).hexdigest()
                    ok = (message.get("Key") or "").lower() == expected
            else:
                ok = message.get("Secret") == user.secret
        if not ok:
            self._security_event(
                "InvalidPassword" if user is not None else "InvalidAccountID", session, username, ok=False
            )
            await self.pbx.clock.sleep(AUTH_FAIL_DELAY_S)
            return False
        assert user is not None
        session.user = user
        enabled, wanted = events_mask(message.get("Events"), user.read)
        session.subscriber = Subscriber(session.deliver, user.read, enabled, wanted)
        return True

    def after_login(self, session: AmiSession) -> None:
        """Subscribe the session and announce it (FullyBooted to it, SuccessfulAuth to all)."""
        assert session.subscriber is not None and session.user is not None
        self.pbx.bus.subscribe(session.subscriber)
        up = int(self.pbx.clock.now() - self.pbx.started)
        if session.subscriber.accepts(_probe("system")):
            session.deliver(
                Event(
                    "FullyBooted",
                    "system",
                    (("Uptime", str(up)), ("LastReload", str(up)), ("Status", "Fully Booted")),
                )
            )
        self._security_event("SuccessfulAuth", session, session.user.username, ok=True)

    def _security_event(self, name: str, session: AmiSession, account: str, *, ok: bool) -> None:
        now = self.pbx.clock.now()
        tv = _event_tv(now)
        headers: list[tuple[str, str]] = [
            ("EventTV", tv),
            ("Severity", "Informational" if ok else "Error"),
            ("Service", "AMI"),
            ("EventVersion", "2" if name == "InvalidPassword" else "1"),
            ("AccountID", account),
            ("SessionID", session.session_id),
            ("LocalAddress", session.local_address),
            ("RemoteAddress", session.remote_address),
        ]
        if ok:
            headers += [("UsingPassword", "0"), ("SessionTV", tv)]
        else:
            headers.append(("SessionTV", "1970-01-01T00:00:00.000+0000"))
        self.pbx.bus.publish(name, "security", headers)


def _probe(privilege: str) -> Event:
    return Event("probe", privilege, ())


def _event_tv(ts: float) -> str:
    import time

    millis = int((ts - int(ts)) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{millis:03d}+0000"
