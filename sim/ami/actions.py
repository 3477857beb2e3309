"""AMI actions of the simulated Asterisk, answered with Asterisk 22's wording.

:class:`ActionRunner` holds the table of actions and runs one: it refuses what needs a login or a
write permission the user lacks (Asterisk's: ``originate`` for Originate, ``call`` for
Redirect/Setvar, ``command`` for Command, ...) and an unknown action, then calls the handler,
which writes its reply (and, for list actions, the list events) to the session.  The session's
own actions (Login, Challenge, Logoff, Ping, Events, ListCommands) and Command and UserEvent are
here; the families register themselves: :mod:`sim.ami.call_actions` (Originate, Redirect, Hangup,
Bridge, PlayDTMF, MixMonitor), :mod:`sim.ami.channel_actions` (Status, CoreShowChannels, Getvar,
Setvar) and :mod:`sim.ami.queue_actions` (app_queue's).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import structlog

from cti.ami.protocol import AmiMessage
from sim.ami import call_actions, channel_actions, queue_actions
from sim.ami.cli import run_command
from sim.ami.replies import error, reply, success

if TYPE_CHECKING:
    from sim.ami.server import AmiServer, AmiSession

log = structlog.get_logger(__name__)

Handler = Callable[["AmiSession", AmiMessage], Awaitable[None]]


class ActionRunner:
    def __init__(self, server: AmiServer) -> None:
        self.server = server
        self.pbx = server.pbx
        self.handlers: dict[str, tuple[str | None, Handler]] = {
            "login": (None, self.login),
            "challenge": (None, self.challenge),
            "logoff": (None, self.logoff),
            "ping": (None, self.ping),
            "events": (None, self.events),
            "command": ("command", self.command),
            "userevent": ("user", self.user_event),
            "listcommands": (None, self.list_commands),
        }
        for family in (call_actions, channel_actions, queue_actions):
            family.register(self)

    async def run(self, session: AmiSession, message: AmiMessage) -> None:
        name = (message.get("Action") or "").strip()
        if not name:
            error(session, message, "Missing action in request")
            return
        entry = self.handlers.get(name.lower())
        if not session.authenticated and name.lower() not in ("login", "challenge", "logoff"):
            error(session, message, "Permission denied")
            return
        if entry is None:
            error(
                session,
                message,
                f"Invalid/unknown command: {name}. Use Action: ListCommands to show available commands.",
            )
            return
        needed, handler = entry
        user = session.user
        if needed is not None and user is not None and needed not in user.write:
            error(session, message, "Permission denied")
            return
        try:
            await handler(session, message)
        except Exception:
            log.exception("AMI action failed", action=name)
            error(session, message, "Internal error while processing the action")

    # -- session ------------------------------------------------------------------------------
    async def login(self, session: AmiSession, message: AmiMessage) -> None:
        if session.authenticated:
            success(session, message, "Already authenticated")
            return
        if await self.server.login(session, message):
            success(session, message, "Authentication accepted")
            self.server.after_login(session)
        else:
            error(session, message, "Authentication failed")
            session.closing = True
            await session.writer.drain()
            session.writer.close()

    async def challenge(self, session: AmiSession, message: AmiMessage) -> None:
        if (message.get("AuthType") or "").lower() != "md5":
            error(session, message, "Must specify AuthType")
            return
        reply(session, message, "Success", ("Challenge", self.server.make_challenge(session)))

    async def logoff(self, session: AmiSession, message: AmiMessage) -> None:
        reply(session, message, "Goodbye", ("Message", "Thanks for all the fish."))
        session.flush_held()
        await session.writer.drain()
        session.closing = True
        session.writer.close()

    async def ping(self, session: AmiSession, message: AmiMessage) -> None:
        reply(session, message, "Success", ("Ping", "Pong"), ("Timestamp", f"{self.pbx.clock.now():.6f}"))

    async def events(self, session: AmiSession, message: AmiMessage) -> None:
        from sim.events import events_mask

        sub = session.subscriber
        mask = message.get("EventMask")
        if sub is None or session.user is None:
            error(session, message, "Permission denied")
            return
        sub.enabled, sub.wanted = events_mask(mask, session.user.read)
        reply(session, message, "Success", ("Events", "On" if sub.enabled else "Off"))

    async def list_commands(self, session: AmiSession, message: AmiMessage) -> None:
        fields = [(name, f"(Priv: {perm or '<none>'})") for name, (perm, _h) in sorted(self.handlers.items())]
        reply(session, message, "Success", *fields)

    # -- the CLI and user events ---------------------------------------------------------------
    async def command(self, session: AmiSession, message: AmiMessage) -> None:
        line = (message.get("Command") or "").strip()
        known, lines = run_command(self.pbx, line)
        fields = [("Message", "Command output follows"), *[("Output", text) for text in lines]]
        reply(session, message, "Success" if known else "Error", *fields)

    async def user_event(self, session: AmiSession, message: AmiMessage) -> None:
        name = message.get("UserEvent")
        if not name:
            error(session, message, "Missing UserEvent")
            return
        success(session, message, "Event Sent")
        headers = [(k, v) for k, v in message.headers if k.lower() not in ("action", "userevent")]
        self.pbx.bus.publish("UserEvent", "user", [("UserEvent", name), *headers])
