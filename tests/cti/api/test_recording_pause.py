"""The agent pauses their call's recording from the desk: MixMonitorMute on the caller's channel, the
span in ``recording_pauses``, and the file silent for exactly that span — on the simulator and on
the real Asterisk 22 (``../shared/asterisk``, Local channels: both parties play music on hold, so
the recording is sound everywhere except where it was paused)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pydub import AudioSegment

from acd.model import SkillRequirement
from cti.ami.channels import Channel, ChannelRemoved, ChannelUpdated
from cti.ami.client import AmiClient
from cti.ami.settings import AmiSettings
from recordings.analysis import FRAME_MS, side_files, speech_frames
from storage.recording_pauses import PauseReason, pauses_of
from tests.support.pbx import parametrize_pbx_kind
from tests.support.real_asterisk import real_asterisk

from .conftest import ApiEnv, make_env
from .pbx import eventually, simulated_pbx
from .test_call_control_asterisk import _dialplan

pytestmark = pytest.mark.conformance


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize_pbx_kind(metafunc)  # --pbx=sim,asterisk


@dataclass
class Line:
    """A caller talking to agent-1001 through ``[acd-connect]`` (recorded), on either PBX."""

    api: ApiEnv
    ami: AmiClient
    bridged_at: dict[str, float] = field(default_factory=dict)  # uniqueid -> when it entered a bridge
    left_at: dict[str, float] = field(default_factory=dict)  # uniqueid -> when it left its bridge

    async def watch(self) -> None:
        async with self.ami.changes() as changes:
            async for change in changes:
                if isinstance(change, ChannelRemoved):
                    self.left_at.setdefault(change.channel.uniqueid, time.time())
                elif isinstance(change, ChannelUpdated) and bool(change.before.bridge_id) != bool(
                    change.after.bridge_id
                ):
                    entered = change.after.bridge_id is not None
                    (self.bridged_at if entered else self.left_at).setdefault(
                        change.after.uniqueid, time.time()
                    )

    def caller(self) -> Channel | None:
        for c in self.ami.state:
            if c.variable("MIXMONITOR_FILENAME") and self.ami.state.bridge_peers(c.uniqueid):
                return c
        return None


@pytest.fixture
async def line(pbx_kind: str, tmp_path: Path) -> AsyncIterator[Line]:
    async with contextlib.AsyncExitStack() as stack:
        if pbx_kind == "sim":
            pbx = await stack.enter_async_context(simulated_pbx(tmp_path))
            ami, call = pbx.ami, lambda: pbx.call_agent("1001")
        else:
            asterisk = stack.enter_context(real_asterisk(extensions=_dialplan(tmp_path)))
            asterisk.cli("core waitfullybooted")
            settings = AmiSettings(port=asterisk.ami_port, username=asterisk.username, secret=asterisk.secret)
            ami = await stack.enter_async_context(AmiClient(settings))
            await ami.wait_connected(timeout_s=10)

            def call() -> object:
                return asyncio.ensure_future(
                    ami.originate(
                        "Local/c@sim-caller/n",
                        context="acd-connect",
                        exten="1001",
                        priority=1,
                        caller_id="13800000001",
                    )
                )

        async for api in make_env(tmp_path, ami=ami):
            found = Line(api, ami)
            watcher = asyncio.create_task(found.watch())
            await asyncio.sleep(0.05)
            await api.acd.login("agent-1001")
            started = call()
            await eventually(found.caller, within_s=10)
            caller = found.caller()
            assert caller is not None
            await api.acd.enqueue(caller.uniqueid, SkillRequirement("billing"), "normal", "lanzhou")
            assert await api.acd.agent_answered(caller.uniqueid, "agent-1001")
            yield found
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            if isinstance(started, asyncio.Future):
                with contextlib.suppress(Exception):
                    await started


def _silent_runs(path: Path, min_s: float = 0.3) -> list[tuple[float, float]]:
    """The spans (start, end; seconds into the file) of at least ``min_s`` without sound."""
    audio = AudioSegment.from_file(str(path))
    frames = speech_frames(audio, -45.0, len(audio) // FRAME_MS)
    runs, start = [], None
    for i, sound in enumerate([*frames, True]):
        if not sound and start is None:
            start = i
        elif sound and start is not None:
            if (i - start) * FRAME_MS / 1000 >= min_s:
                runs.append((start * FRAME_MS / 1000, i * FRAME_MS / 1000))
            start = None
    return runs


async def test_a_paused_recording_is_silent_for_exactly_the_paused_span(line: Line, pbx_kind: str) -> None:
    api = line.api
    caller = line.caller()
    assert caller is not None
    mix = Path(caller.variable("MIXMONITOR_FILENAME") or "")
    await asyncio.sleep(1.5)
    status, paused = await api.call("POST", "/api/agent/call/recording/pause", "agent1001")
    assert status == 200, paused
    assert paused["call"]["recording_paused"] is True and paused["call"]["pause"]["ended_at"] is None
    status, error = await api.call("POST", "/api/agent/call/recording/pause", "agent1001")
    assert (status, error["error_id"]) == (409, "call-state")  # paused already
    await asyncio.sleep(2.0)
    status, resumed = await api.call("POST", "/api/agent/call/recording/resume", "agent1001")
    assert status == 200 and resumed["call"]["recording_paused"] is False
    status, error = await api.call("POST", "/api/agent/call/recording/resume", "agent1001")
    assert (status, error["error_id"]) == (409, "call-state")
    await asyncio.sleep(1.5)
    status, _ = await api.call("POST", "/api/agent/call/hangup", "agent1001")
    assert status == 200
    await eventually(lambda: caller.uniqueid in line.left_at, within_s=10)
    await asyncio.sleep(1.0)  # MixMonitor closes its files just after the channel leaves

    async with api.sessions() as db:
        [span] = await pauses_of(db, caller.uniqueid)
    assert (
        span.reason is PauseReason.AGENT and span.started_by == "agent-1001" and span.ended_by == "agent-1001"
    )
    assert span.ended_at is not None and span.recording_file == str(mix)
    paused_from = span.started_at.timestamp() - line.bridged_at[caller.uniqueid]  # option b: from the bridge
    paused_s = (span.ended_at - span.started_at).total_seconds()
    assert paused_s == pytest.approx(2.0, abs=0.3)

    assert await asyncio.to_thread(mix.is_file), f"no recording {mix} on {pbx_kind}"
    [(silent_from, silent_to)] = _silent_runs(mix)
    assert silent_to - silent_from == pytest.approx(paused_s, abs=0.1), (
        pbx_kind,
        silent_from,
        silent_to,
        paused_s,
    )
    # where: the sound after the silence is the time from the resume to the end of the call
    duration = len(AudioSegment.from_file(str(mix))) / 1000
    after_resume = line.left_at[caller.uniqueid] - span.ended_at.timestamp()
    assert duration - silent_to == pytest.approx(after_resume, abs=0.15), (
        pbx_kind,
        duration,
        silent_to,
        after_resume,
    )
    if pbx_kind == "sim":  # and from the start of the file (option b: the bridge)
        assert silent_from == pytest.approx(paused_from, abs=0.15), (silent_from, paused_from)
    else:  # Asterisk writes the first frames once both directions have audio: ~0.5 s after the bridge
        assert 0 <= paused_from - silent_from < 1.0, (silent_from, paused_from)
    assert duration == pytest.approx(1.5 + paused_s + 1.5, abs=0.7)  # the pause is in the file, as silence
    caller_side, agent_side = side_files(mix)  # MixMonitor's r() and t() files: both silent over the span
    for side in (caller_side, agent_side):
        audio = AudioSegment.from_file(str(side))
        frames = speech_frames(audio, -45.0, len(audio) // FRAME_MS)
        first, last = int((silent_from + 0.04) * 1000) // FRAME_MS, int((silent_to - 0.04) * 1000) // FRAME_MS
        assert not any(frames[first:last]), (pbx_kind, side.name)
        assert any(frames[:first]) or any(frames[last:])  # and not silent throughout
