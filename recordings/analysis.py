"""Post-processing of a recorded call with pydub: how long, who talked, silence, overlap, flags.

MixMonitor can write each side of the call to its own file besides the mix (options ``r(file)``:
what the recorded channel — the caller — said, ``t(file)``: what was sent to it — the agent).  The
dialplan names them after the mix: ``<mix>-rx.wav`` and ``<mix>-tx.wav``.  Each side is cut in
20 ms frames; a frame is *speech* when its level is above ``silence_dbfs``.  Then:

* ``caller_talk_s`` / ``agent_talk_s`` — the frames with speech on that side;
* ``overlap_s`` — frames with speech on both sides (talking over each other);
* ``silence_s`` — frames with speech on neither side (with no side files: quiet frames of the mix).

Flags: ``empty`` (no audio at all), ``silent`` (not one frame of speech), ``short`` (the file is
shorter than the call: more than 1 s and 5 % less than the time the channel was bridged),
``no-sides`` (no side files to tell who talked).  Blocking (pydub): run it in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydub import AudioSegment
from pydub.exceptions import CouldntDecodeError

__all__ = ["FRAME_MS", "Analysis", "analyse", "side_files", "speech_frames"]

FRAME_MS = 20


@dataclass(frozen=True, slots=True)
class Analysis:
    duration_s: float
    caller_talk_s: float | None
    agent_talk_s: float | None
    silence_s: float
    overlap_s: float | None
    call_s: float | None
    flags: tuple[str, ...]


def side_files(mix: Path) -> tuple[Path, Path]:
    """Where MixMonitor's ``r()`` and ``t()`` files of ``mix`` are (the caller's, the agent's)."""
    return mix.with_name(f"{mix.stem}-rx{mix.suffix}"), mix.with_name(f"{mix.stem}-tx{mix.suffix}")


def speech_frames(audio: AudioSegment, silence_dbfs: float, frames: int) -> list[bool]:
    """Per 20 ms frame, whether it holds speech (level above ``silence_dbfs``); ``frames`` long."""
    full_scale = float(1 << (8 * audio.sample_width - 1))
    threshold = full_scale * 10 ** (silence_dbfs / 20)
    out = []
    for i in range(frames):
        frame = audio[i * FRAME_MS : (i + 1) * FRAME_MS]
        out.append(len(frame) > 0 and frame.rms > threshold)
    return out


def _read(path: Path | None) -> AudioSegment | None:
    if path is None or not path.is_file():
        return None
    try:
        return AudioSegment.from_file(str(path))
    except (CouldntDecodeError, OSError, IndexError):
        return None


def analyse(mix: Path, *, call_s: float | None, silence_dbfs: float = -45.0) -> Analysis:
    """Measure the recording ``mix`` (and its side files, when MixMonitor wrote them)."""
    audio = _read(mix)
    duration = 0.0 if audio is None else len(audio) / 1000.0
    frames = int(duration * 1000) // FRAME_MS
    caller_path, agent_path = side_files(mix)
    caller, agent = _read(caller_path), _read(agent_path)
    flags: list[str] = []
    if audio is None or frames == 0:
        flags.append("empty")
    if caller is not None and agent is not None:
        said = speech_frames(caller, silence_dbfs, frames)
        heard = speech_frames(agent, silence_dbfs, frames)
        caller_talk: float | None = _seconds(sum(said))
        agent_talk: float | None = _seconds(sum(heard))
        overlap: float | None = _seconds(sum(a and b for a, b in zip(said, heard, strict=True)))
        silence = _seconds(sum(not (a or b) for a, b in zip(said, heard, strict=True)))
        any_speech = any(said) or any(heard)
    else:
        flags.append("no-sides")
        mixed = speech_frames(audio, silence_dbfs, frames) if audio is not None else []
        caller_talk = agent_talk = overlap = None
        silence = _seconds(mixed.count(False))
        any_speech = any(mixed)
    if frames and not any_speech:
        flags.append("silent")
    if call_s is not None and call_s - duration > max(1.0, 0.05 * call_s):
        flags.append("short")
    return Analysis(
        duration_s=round(duration, 3),
        caller_talk_s=caller_talk,
        agent_talk_s=agent_talk,
        silence_s=silence,
        overlap_s=overlap,
        call_s=None if call_s is None else round(call_s, 3),
        flags=tuple(flags),
    )


def _seconds(frames: int) -> float:
    return round(frames * FRAME_MS / 1000, 3)
