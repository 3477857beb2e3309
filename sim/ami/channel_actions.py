"""AMI actions that read channels or set variables in the simulated Asterisk: Status and
CoreShowChannels (a list event per channel, then the list's end), Getvar and Setvar (a channel's
variables, or globals), answered with Asterisk 22's wording.

:func:`register` adds them, with the permission each needs, to an
:class:`~sim.ami.actions.ActionRunner`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cti.ami.protocol import AmiMessage
from sim.ami.replies import error, reply, success

if TYPE_CHECKING:
    from sim.ami.actions import ActionRunner
    from sim.ami.server import AmiSession
    from sim.pbx import Pbx


def register(runner: ActionRunner) -> None:
    actions = ChannelActions(runner.pbx)
    runner.handlers.update(
        {
            "setvar": ("call", actions.setvar),
            "getvar": ("call", actions.getvar),
            "status": ("system", actions.status),
            "coreshowchannels": ("system", actions.core_show_channels),
        }
    )


def _duration(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


class ChannelActions:
    def __init__(self, pbx: Pbx) -> None:
        self.pbx = pbx

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
