"""AMI actions that act on calls in the simulated Asterisk: Originate, Redirect, Hangup, Bridge,
PlayDTMF, and MixMonitor's start, stop and mute (``manager.c``, ``manager_bridges.c``,
``app_mixmonitor.c``), answered with Asterisk 22's wording.

:func:`register` adds them, with the write permission each needs, to an
:class:`~sim.ami.actions.ActionRunner`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from cti.ami.protocol import AmiMessage
from sim.ami.replies import error, success
from sim.apps.mixmonitor import start_recording, stop_recording
from sim.channel import Channel, Location
from sim.functions import parse_callerid
from sim.originate import OriginateRequest, OriginateResult, originate

if TYPE_CHECKING:
    from sim.ami.actions import ActionRunner
    from sim.ami.server import AmiSession
    from sim.pbx import Pbx


def register(runner: ActionRunner) -> None:
    actions = CallActions(runner.pbx)
    runner.handlers.update(
        {
            "originate": ("originate", actions.originate),
            "redirect": ("call", actions.redirect),
            "hangup": ("system", actions.hangup),
            "bridge": ("call", actions.bridge),
            "playdtmf": ("call", actions.play_dtmf),
            "mixmonitor": ("system", actions.mixmonitor),
            "stopmixmonitor": ("system", actions.stop_mixmonitor),
            "mixmonitormute": ("system", actions.mixmonitor_mute),
        }
    )


class CallActions:
    def __init__(self, pbx: Pbx) -> None:
        self.pbx = pbx

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
            channel_id=message.get("ChannelId") or None,
            other_channel_id=message.get("OtherChannelId") or None,
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
