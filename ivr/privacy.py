"""Keys the recording must not keep: a collect node with ``secret: true`` (the service PIN) pauses
the call's recording while the caller keys, where a recording is running.

Calls are recorded from ``[acd-connect]`` on, after the IVR; but a site that records from the
answer, or an agent who sends a caller back to the IVR to key their PIN, has MixMonitor running
on the channel (``MIXMONITOR_FILENAME`` is set).  Then the node mutes it for the collect node
(MixMonitorMute; the span is kept with reason ``ivr-pin``) and unmutes it after, whatever way the
node ends.  A pause that fails is logged and the caller is served all the same: the IVR never
drops a call over its recording.

The IVR reaches the recordings only through :class:`RecordingPrivacy`, which the composition root
fills with :class:`recordings.pause.RecordingPauses`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Protocol

from cti.agi.errors import AgiError

if TYPE_CHECKING:
    from ivr.call import IvrCall

__all__ = ["RecordingPrivacy", "private_keys"]

RECORDING_VARIABLE = "MIXMONITOR_FILENAME"


class RecordingPrivacy(Protocol):
    async def pause_for_pin(
        self, channel: str, uniqueid: str, linkedid: str, recording_file: str
    ) -> None: ...

    async def resume_after_pin(self, channel: str, uniqueid: str) -> None: ...


@contextlib.asynccontextmanager
async def private_keys(call: IvrCall, secret: bool) -> AsyncIterator[None]:
    """Around a collect node: the recording paused while ``secret`` keys are collected."""
    privacy = call.privacy
    if not secret or privacy is None:
        yield
        return
    env = call.channel.env
    paused = False
    try:
        recording = await call.channel.get_variable(RECORDING_VARIABLE)
        if recording:
            linkedid = await call.channel.get_variable("CHANNEL(linkedid)") or env.uniqueid
            await privacy.pause_for_pin(env.channel, env.uniqueid, linkedid, recording)
            paused = True
    except AgiError:
        raise  # the caller hung up: nothing to keep private any more
    except Exception as exc:
        call.log.error("ivr.recording_not_paused", error=repr(exc))
    try:
        yield
    finally:
        if paused:
            try:
                await privacy.resume_after_pin(env.channel, env.uniqueid)
            except Exception as exc:  # gone with the caller: the archive closes the span at hang-up
                call.log.warning("ivr.recording_not_resumed", error=repr(exc))
