"""Post-processing with pydub: talk per side, overlap, silence, and files flagged empty or short."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

import pytest

from recordings.analysis import analyse, side_files


def _wav(path: Path, seconds: float, talking: list[tuple[float, float]]) -> None:
    """``seconds`` of 8 kHz audio: a 300 Hz tone in the ``talking`` spans, zeros elsewhere."""
    n = int(8000 * seconds)
    samples = [0] * n
    for start, end in talking:
        for i in range(int(start * 8000), min(n, int(end * 8000))):
            samples[i] = int(5000 * math.sin(2 * math.pi * 300 * i / 8000))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(struct.pack(f"<{n}h", *samples))


def test_talk_per_side_overlap_and_silence(tmp_path: Path) -> None:
    mix = tmp_path / "hotline-1718000000.1-1001.wav"
    caller, agent = side_files(mix)
    assert (caller.name, agent.name) == (
        "hotline-1718000000.1-1001-rx.wav",
        "hotline-1718000000.1-1001-tx.wav",
    )
    # the caller talks 0–2 s, the agent 1.5–4 s (over the caller for 0.5 s), nobody 4–5 s
    _wav(caller, 5.0, [(0.0, 2.0)])
    _wav(agent, 5.0, [(1.5, 4.0)])
    _wav(mix, 5.0, [(0.0, 4.0)])
    found = analyse(mix, call_s=5.4)
    assert found.duration_s == 5.0
    assert (found.caller_talk_s, found.agent_talk_s, found.overlap_s, found.silence_s) == (2.0, 2.5, 0.5, 1.0)
    assert found.flags == () and found.call_s == 5.4


def test_files_empty_silent_or_shorter_than_the_call_are_flagged(tmp_path: Path) -> None:
    mix = tmp_path / "a.wav"
    _wav(mix, 5.0, [(0.0, 3.0)])
    short = analyse(mix, call_s=8.0)  # 3 s of the call are not in the file
    assert short.flags == ("no-sides", "short")
    assert (short.caller_talk_s, short.agent_talk_s, short.overlap_s) == (None, None, None)
    assert short.silence_s == 2.0  # quiet frames of the mix, without sides to tell who
    assert "short" not in analyse(mix, call_s=5.9).flags  # within a second: MixMonitor's start-up

    quiet = tmp_path / "quiet.wav"
    _wav(quiet, 4.0, [])
    for side in side_files(quiet):
        _wav(side, 4.0, [])
    assert analyse(quiet, call_s=4.0).flags == ("silent",)

    empty = tmp_path / "empty.wav"
    _wav(empty, 0.0, [])
    assert analyse(empty, call_s=30.0).flags == ("empty", "no-sides", "short")
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00")
    assert analyse(broken, call_s=None).flags == ("empty", "no-sides")


@pytest.mark.parametrize("level", [-50.0, -40.0])
def test_the_silence_threshold_is_a_setting(tmp_path: Path, level: float) -> None:
    mix = tmp_path / "m.wav"
    _wav(mix, 1.0, [(0.0, 1.0)])  # about -19 dBFS RMS
    found = analyse(mix, call_s=None, silence_dbfs=level)
    assert found.silence_s == 0.0
    assert analyse(mix, call_s=None, silence_dbfs=-10.0).silence_s == 1.0
