"""AMI actions of the simulated Asterisk, answered with Asterisk 22's wording.

Each handler gets the session and the action message and writes its reply (and, for
list actions, the list events) to the session.  Required write permissions are
Asterisk's (``originate`` for Originate, ``call`` for Redirect/Hangup/Setvar, ``command``
for Command, …).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import structlog

from cti.ami.protocol import AmiMessage
from sim.ami.cli import run_command
from sim.apps.mixmonitor import start_recording, stop_recording
from sim.channel import Channel, Location
from sim.functions import parse_callerid
from sim.originate import OriginateRequest, OriginateResult, originate

if TYPE_CHECKING:
    from sim.ami.server import AmiServer, AmiSession

log = structlog.get_logger(__name__)

Handler = Callable[["AmiSession", AmiMessage], Awaitable[None]]


def reply(session: AmiSession, message: AmiMessage, status: str, *fields: tuple[str, str]) -> None:
    headers: list[tuple[str, str]] = [("Response", status)]
    action_id = message.action_id
    if action_id is not None:
        headers.append(("ActionID", action_id))
    headers.extend(fields)
    session.write(AmiMessage(tuple(headers)))


def error(session: AmiSession, message: AmiMessage, text: str) -> None:
    reply(session, message, "Error", ("Message", text))


def success(session: AmiSession, message: AmiMessage, text: str | None = None) -> None:
    if text is None:
        reply(session, message, "Success")
    else:
        reply(session, message, "Success", ("Message", text))


def _duration(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


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
            "originate": ("originate", self.originate),
            "redirect": ("call", self.redirect),
            "hangup": ("system", self.hangup),
            "bridge": ("call", self.bridge),
            "setvar": ("call", self.setvar),
            "getvar": ("call", self.getvar),
            "status": ("system", self.status),
            "coreshowchannels": ("system", self.core_show_channels),
            "mixmonitor": ("system", self.mixmonitor),
            "stopmixmonitor": ("system", self.stop_mixmonitor),
            "mixmonitormute": ("system", self.mixmonitor_mute),
            "command": ("command", self.command),
            "playdtmf": ("call", self.play_dtmf),
            "userevent": ("user", self.user_event),
            "listcommands": (None, self.list_commands),
        }
        from sim.ami.queue_actions import register

        register(self)

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

    # -- channels -----------------------------------------------------------------------------
    def _channel(self, session: AmiSession, message: AmiMessage, missing: str) -> Channel | None:
        name = message.get("Channel")
        if not name:
            error(session, message, missing)
            return None
        chan = self.pbx.find_channel(name)
        if chan is None:
            error(session, message, "No such channel")
        return chan

    async def originate(self, session: AmiSession, message: AmiMessage) -> None:
        target = message.get("Channel")
        if not target:
            error(session, message, "Channel not specified")
            return
        app = message.get("Application")
        exten = message.get("Exten")
        context = message.get("Context")
        priority = message.get("Priority")
        if not app and not (exten and context and priority):
            error(session, message, "Originate with 'Exten' requires 'Context' and 'Priority'")
            return
        if priority and not priority.strip().isdigit() and not app:
            error(session, message, "Invalid priority")
            return
        try:
            timeout_s = float(message.get("Timeout") or "30000") / 1000.0
        except ValueError:
            error(session, message, "Invalid timeout")
            return
        num, name = parse_callerid(message.get("CallerID") or "")
        variables: list[tuple[str, str]] = []
        for item in message.get_all("Variable"):
            for part in item.split(","):
                key, sep, value = part.partition("=")
                if sep and key.strip():
                    variables.append((key.strip(), value))
        is_async = (message.get("Async") or "").strip().lower() in ("true", "yes", "1", "on")
        req = OriginateRequest(
            channel=target,
            context=context,
            exten=exten,
            priority=int(priority) if priority and priority.strip().isdigit() else None,
            application=app,
            data=message.get("Data") or "",
            timeout_s=timeout_s,
            caller_num=num,
            caller_name=name,
            variables=variables,
            account=message.get("Account") or "",
            action_id=message.action_id,
            is_async=is_async,
        )
        if is_async:
            success(session, message, "Originate successfully queued")
            self.pbx.spawn(originate(self.pbx, req), name=f"originate {target}")
            return
        placed: asyncio.Future[OriginateResult] = asyncio.get_running_loop().create_future()

        def settle(result: OriginateResult) -> None:
            if not placed.done():
                placed.set_result(result)

        self.pbx.spawn(originate(self.pbx, req, settle))
        result = await placed
        if result.status == "ANSWER":
            success(session, message, "Originate successfully queued")
        else:
            error(session, message, "Originate failed")

    async def redirect(self, session: AmiSession, message: AmiMessage) -> None:
        name = message.get("Channel")
        if not name:
            error(session, message, "Channel not specified")
            return
        context, exten, priority = message.get("Context"), message.get("Exten"), message.get("Priority")
        if not exten:
            error(session, message, "Exten not specified")
            return
        if not context:
            error(session, message, "Context not specified")
            return
        if not priority or not priority.strip().isdigit():
            error(session, message, "Invalid priority")
            return
        chan = self.pbx.find_channel(name)
        if chan is None:
            error(session, message, f"Channel does not exist: {name}")
            return
        extra_name = message.get("ExtraChannel")
        extra = self.pbx.find_channel(extra_name) if extra_name else None
        if extra_name and extra is None:
            error(session, message, f"ExtraChannel does not exist: {extra_name}")
            return
        loc = Location(context, exten, int(priority))
        if extra is not None:
            extra_loc = Location(
                message.get("ExtraContext") or context,
                message.get("ExtraExten") or exten,
                int(message.get("ExtraPriority") or priority),
            )
            self.pbx.async_goto(extra, extra_loc)
        if self.pbx.async_goto(chan, loc):
            success(
                session, message, "Dual Redirect successful" if extra is not None else "Redirect successful"
            )
        else:
            error(session, message, "Redirect failed")

    async def hangup(self, session: AmiSession, message: AmiMessage) -> None:
        name = message.get("Channel")
        if not name:
            error(session, message, "No channel specified")
            return
        chan = self.pbx.find_channel(name)
        if chan is None:
            error(session, message, "No such channel")
            return
        cause = message.get("Cause")
        if cause and cause.strip().isdigit():
            chan.hangupcause = int(cause)
        chan.soft_hangup()
        success(session, message, "Channel Hungup")

    async def bridge(self, session: AmiSession, message: AmiMessage) -> None:
        from sim.bridging import bridge_two

        a_name, b_name = message.get("Channel1"), message.get("Channel2")
        if not a_name or not b_name:
            error(session, message, "Missing channel parameter in request")
            return
        a = self.pbx.find_channel(a_name)
        if a is None:
            error(session, message, f"Channel1 does not exist: {a_name}")
            return
        b = self.pbx.find_channel(b_name)
        if b is None:
            error(session, message, f"Channel2 does not exist: {b_name}")
            return
        if a is b:
            error(session, message, "Unable to bridge channel to itself")
            return
        bridge_two(self.pbx, a, b)
        success(session, message, "Channels have been bridged")

    async def setvar(self, session: AmiSession, message: AmiMessage) -> None:
        var = message.get("Variable")
        if not var:
            error(session, message, "No variable specified")
            return
        value = message.get("Value") or ""
        name = message.get("Channel")
        if name:
            chan = self.pbx.find_channel(name)
            if chan is None:
                error(session, message, "No such channel")
                return
            success(session, message, "Variable Set")
            chan.set_variable(var, value)
        else:
            success(session, message, "Variable Set")
            self.pbx.set_global(var, value)

    async def getvar(self, session: AmiSession, message: AmiMessage) -> None:
        var = message.get("Variable")
        if not var:
            error(session, message, "No variable specified")
            return
        name = message.get("Channel")
        if name:
            chan = self.pbx.find_channel(name)
            if chan is None:
                error(session, message, "No such channel")
                return
            value = chan.get_variable(var) if not var.startswith("$") else chan.substitute(var)
        else:
            value = self.pbx.functions.read(None, var) if "(" in var else self.pbx.globals.get(var)
        reply(session, message, "Success", ("Variable", var), ("Value", value or ""))

    async def status(self, session: AmiSession, message: AmiMessage) -> None:
        name = message.get("Channel")
        if name:
            chan = self.pbx.find_channel(name)
            if chan is None:
                error(session, message, "No such channel")
                return
            chans = [chan]
        else:
            chans = sorted(self.pbx.channels.values(), key=lambda c: c.created)
        reply(session, message, "Success", ("EventList", "start"), ("Message", "Channel status will follow"))
        now = self.pbx.clock.now()
        for c in chans:
            headers: list[tuple[str, str]] = [("Event", "Status"), ("Privilege", "Call"), *c.snapshot()]
            headers += [
                ("Type", c.tech),
                ("DNID", c.dnid or ""),
                ("EffectiveConnectedLineNum", c.connected_num or "<unknown>"),
                ("EffectiveConnectedLineName", c.connected_name or "<unknown>"),
                ("TimeToHangup", "0"),
                ("BridgeID", c.bridge.id if c.bridge else ""),
                ("Application", c.appl),
                ("Data", c.data),
                ("Nativeformats", "(slin)" if c.tech == "Local" else "(ulaw)"),
                ("Readformat", "slin" if c.tech == "Local" else "ulaw"),
                ("Readtrans", ""),
                ("Writeformat", "slin" if c.tech == "Local" else "ulaw"),
                ("Writetrans", ""),
                ("Callgroup", "0"),
                ("Pickupgroup", "0"),
                ("Seconds", str(int(now - c.created))),
            ]
            if message.action_id is not None:
                headers.append(("ActionID", message.action_id))
            session.write(AmiMessage(tuple(headers)))
        tail: list[tuple[str, str]] = [("Event", "StatusComplete")]
        if message.action_id is not None:
            tail.append(("ActionID", message.action_id))
        tail += [("EventList", "Complete"), ("ListItems", str(len(chans))), ("Items", str(len(chans)))]
        session.write(AmiMessage(tuple(tail)))

    async def core_show_channels(self, session: AmiSession, message: AmiMessage) -> None:
        reply(session, message, "Success", ("EventList", "start"), ("Message", "Channels will follow"))
        chans = sorted(self.pbx.channels.values(), key=lambda c: c.created)
        now = self.pbx.clock.now()
        aid = [("ActionID", message.action_id)] if message.action_id is not None else []
        for c in chans:
            headers = [
                ("Event", "CoreShowChannel"),
                *aid,
                *c.snapshot(),
                ("Application", c.appl),
                ("ApplicationData", c.data),
                ("Duration", _duration(now - c.created)),
                ("BridgeId", c.bridge.id if c.bridge else ""),
            ]
            session.write(AmiMessage(tuple(headers)))
        session.write(
            AmiMessage(
                (
                    ("Event", "CoreShowChannelsComplete"),
                    *aid,
                    ("EventList", "Complete"),
                    ("ListItems", str(len(chans))),
                )
            )
        )

    async def mixmonitor(self, session: AmiSession, message: AmiMessage) -> None:
        chan = self._channel(session, message, "No channel specified")
        if chan is None:
            return
        filename = message.get("File") or f"{chan.uniqueid}.wav"
        start_recording(self.pbx, chan, filename, message.get("Options") or "")
        success(session, message)

    async def stop_mixmonitor(self, session: AmiSession, message: AmiMessage) -> None:
        chan = self._channel(session, message, "No channel specified")
        if chan is None:
            return
        stop_recording(chan)
        success(session, message)

    async def mixmonitor_mute(self, session: AmiSession, message: AmiMessage) -> None:
        chan = self._channel(session, message, "No channel specified")
        if chan is None:
            return
        direction = (message.get("Direction") or "both").lower()
        if direction not in ("read", "write", "both"):
            error(session, message, "Invalid direction specified. Must be read, write or both")
            return
        state = (message.get("State") or "1").strip() not in ("0", "false", "no", "off")
        for recorder in chan.recorders:
            mute = getattr(recorder, "mute", None)
            if mute is not None:
                mute(direction, state)
        success(session, message)

    async def command(self, session: AmiSession, message: AmiMessage) -> None:
        line = (message.get("Command") or "").strip()
        known, lines = run_command(self.pbx, line)
        fields = [("Message", "Command output follows"), *[("Output", text) for text in lines]]
        reply(session, message, "Success" if known else "Error", *fields)

    async def play_dtmf(self, session: AmiSession, message: AmiMessage) -> None:
        chan = self._channel(session, message, "Channel not specified")
        if chan is None:
            return
        digit = message.get("Digit")
        if not digit:
            error(session, message, "No digit specified")
            return
        try:
            duration = int(message.get("Duration") or "120")
        except ValueError:
            duration = 120
        success(session, message, "DTMF successfully queued")
        chan.send_dtmf(digit[0], duration)

    async def user_event(self, session: AmiSession, message: AmiMessage) -> None:
        name = message.get("UserEvent")
        if not name:
            error(session, message, "Missing UserEvent")
            return
        success(session, message, "Event Sent")
        headers = [(k, v) for k, v in message.headers if k.lower() not in ("action", "userevent")]
        self.pbx.bus.publish("UserEvent", "user", [("UserEvent", name), *headers])
