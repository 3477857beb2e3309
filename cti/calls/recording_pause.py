"""The agent pauses and resumes their call's recording (a card number or an address read out).

The recording runs on the caller's channel (MixMonitor in ``[acd-connect]``); the pause is
:class:`recordings.pause.RecordingPauses` (MixMonitorMute + a row with the span).  Under the call's
lock like every call-control operation; the agent's page is told (``call.updated``).
"""

from __future__ import annotations

from typing import Any

from cti.calls.call_control import CallControl
from cti.calls.live_calls import LiveCall
from cti.errors import CallStateConflict
from cti.notifier import Hub, agent_topic
from recordings.errors import NotRecording, PauseStateError
from recordings.pause import RecordedChannel, RecordingPauses
from storage.recording_pauses import PauseReason, RecordingPause

__all__ = ["RecordingPauseControl"]

MIXMONITOR_FILENAME = "MIXMONITOR_FILENAME"


class RecordingPauseControl:
    def __init__(self, control: CallControl, pauses: RecordingPauses, hub: Hub) -> None:
        self._control = control
        self._pauses = pauses
        self._hub = hub

    async def pause(self, agent_id: str) -> dict[str, Any]:
        return await self._switch(agent_id, paused=True)

    async def resume(self, agent_id: str) -> dict[str, Any]:
        return await self._switch(agent_id, paused=False)

    async def _switch(self, agent_id: str, *, paused: bool) -> dict[str, Any]:
        call = await self._control.current(agent_id)
        async with self._control.locked(call):
            channel = self._recorded(call)
            try:
                if paused:
                    row = await self._pauses.pause(channel, PauseReason.AGENT, by=agent_id)
                else:
                    row = await self._pauses.resume(channel, by=agent_id)
            except (NotRecording, PauseStateError) as exc:
                raise CallStateConflict(str(exc)) from None
            call.recording_paused = paused
        view = {**call.view(), "pause": _pause_view(row)}
        self._hub.publish(agent_topic(agent_id), "call.updated", {**view, "operation": "recording"})
        return view

    def _recorded(self, call: LiveCall) -> RecordedChannel:
        caller = self._control.ami.state.channel(call.caller)
        if caller is None:
            raise CallStateConflict("the caller has left the call")
        recording = caller.variable(MIXMONITOR_FILENAME)
        if not recording:
            raise CallStateConflict("this call is not being recorded")
        return RecordedChannel(caller.name, caller.uniqueid, caller.linkedid, recording)


def _pause_view(row: RecordingPause) -> dict[str, Any]:
    return {
        "reason": row.reason.value,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
        "paused_s": None
        if row.ended_at is None
        else round((row.ended_at - row.started_at).total_seconds(), 3),
    }
