"""A call recorded from the answer (MixMonitor before the IVR): the IVR pauses the recording while
the caller keys their service PIN, keeps the span (reason ``ivr-pin``), and the file is silent over
it — the PIN prompt and the keys are not in the recording, the rest of the call is."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydub import AudioSegment

from cti.ami.channels import ChannelUpdated
from recordings.analysis import FRAME_MS, speech_frames
from storage.recording_pauses import PauseReason, pauses_of
from tests.e2e.ivr.accounts import set_known_bill
from tests.e2e.ivr.conftest import hotline_today
from tests.e2e.ivr.stack import SHIPPED_DIALPLAN, HotlineStack, hotline_stack
from tests.e2e.ivr.test_services import keys

RECORDED_FROM_ANSWER = " same => n,MixMonitor(ivr-${UNIQUEID}.wav)\n same => n,AGI(${HOTLINE_AGI}/ivr)\n"


@pytest.fixture
async def recorded_stack(
    seeded_database: str, placeholder_sounds: Path, tmp_path: Path
) -> AsyncIterator[HotlineStack]:
    text = SHIPPED_DIALPLAN.read_text()
    assert text.count(" same => n,AGI(${HOTLINE_AGI}/ivr)\n") == 1
    dialplan = tmp_path / "extensions.conf"
    dialplan.write_text(text.replace(" same => n,AGI(${HOTLINE_AGI}/ivr)\n", RECORDED_FROM_ANSWER))
    async with hotline_stack(seeded_database, placeholder_sounds, speed=1.0, dialplan=dialplan) as running:
        yield running


async def test_the_ivr_pauses_a_running_recording_while_the_pin_is_keyed(
    recorded_stack: HotlineStack,
) -> None:
    stack = recorded_stack
    await set_known_bill(stack.sessions, "13800000001", hotline_today())
    recording_started: dict[str, float] = {}

    async def watch() -> None:
        async with stack.ivr.node.ami.changes() as changes:
            async for change in changes:
                if isinstance(change, ChannelUpdated) and change.after.variable("MIXMONITOR_FILENAME"):
                    recording_started.setdefault(change.after.uniqueid, time.time())

    watcher = asyncio.create_task(watch())
    try:
        call = await stack.call("13800000001", keys("2"), keys("123456#"), keys("1"))
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    assert call.step("bill_check_pin").result == "ok"
    async with stack.sessions() as db:
        [span] = await pauses_of(db, call.uniqueid)
    assert (span.reason, span.started_by, span.ended_by) == (PauseReason.IVR_PIN, "ivr", "ivr")
    assert span.ended_at is not None
    pin = call.step(
        "bill_pin"
    )  # the span is the collect node's visit: paused as it starts, resumed as it ends
    assert pin.left_at is not None
    assert pin.entered_at <= span.started_at < span.ended_at <= pin.left_at
    # (a PauseMonitor round trip each way; a loaded CI machine has taken a few hundred ms)
    assert (span.started_at - pin.entered_at).total_seconds() < 0.6
    assert (pin.left_at - span.ended_at).total_seconds() < 0.6

    mix = Path(call.variables["MIXMONITOR_FILENAME"])
    await asyncio.sleep(0.5)
    audio = AudioSegment.from_file(str(mix))
    frames = speech_frames(audio, -45.0, len(audio) // FRAME_MS)
    # t0 is when the node heard of the recording, a little after it began (more on a loaded
    # machine): the file is read 0.3 s inside the span at either end
    t0 = recording_started[call.uniqueid]
    first = int((span.started_at.timestamp() - t0 + 0.3) * 1000) // FRAME_MS
    last = int((span.ended_at.timestamp() - t0 - 0.3) * 1000) // FRAME_MS
    assert last - first > 100  # the prompt and six keys: ~6 s, well over 2 s
    assert not any(frames[first:last])  # "please key your PIN" and the keys: not in the file
    assert any(frames[:first]) and any(frames[last:])  # the menus before and the bill after: in it
