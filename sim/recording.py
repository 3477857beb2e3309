"""MixMonitor recordings: a real 8 kHz mono 16-bit WAV file per recorded channel.

The simulator has no audio, so the file is synthesised from what happened on the channel
while it was recorded: prompts played to it (from the sound files when they exist, else a
tone), DTMF, and conversation while bridged (two alternating voice-band tone patterns, one
per party), silence otherwise.  Its length is the recorded time, so post-processing, storage
and playback of recordings are exercised on real files.
"""

from __future__ import annotations

import math
import struct
import wave
from array import array
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.channel import Channel
    from sim.pbx import Pbx

RATE = 8000
MAX_SECONDS = 4 * 3600
TURN_SAMPLES = 3 * RATE  # the two parties take turns every 3 s


@lru_cache(maxsize=2)
def _voice_block(talker: int) -> array[int]:
    f = 220.0 if talker == 0 else 330.0
    return array("h", (int(3000 * math.sin(2 * math.pi * f * i / RATE)) for i in range(TURN_SAMPLES)))


class Recorder:
    def __init__(self, pbx: Pbx, chan: Channel, path: Path, *, only_bridged: bool = False) -> None:
        self.pbx = pbx
        self.chan = chan
        self.path = path
        self.only_bridged = only_bridged
        self.started = pbx.clock.now()
        self.muted: dict[str, bool] = {"read": False, "write": False}
        self.stopped = False

    def start(self) -> None:
        self.chan.recorders.append(self)
        self.chan.set_variable("MIXMONITOR_FILENAME", str(self.path))
        self.chan.publish("MixMonitorStart")

    def mute(self, direction: str, state: bool) -> None:
        for d in ("read", "write") if direction == "both" else (direction,):
            self.muted[d] = state
        self.chan.publish("MixMonitorMute", [("Direction", direction), ("State", "1" if state else "0")])

    def stop(self, *, publish: bool = True) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self in self.chan.recorders:
            self.chan.recorders.remove(self)
        self.write_file(self.pbx.clock.now())
        if publish:
            self.chan.publish("MixMonitorStop")
        self.pbx.recordings_done.append(self.path)

    def write_file(self, ended: float) -> None:
        seconds = max(0.0, min(ended - self.started, MAX_SECONDS))
        n = int(seconds * RATE)
        samples = [0] * n
        for item in self.chan.heard:
            offset = int((item.at - self.started) * RATE)
            if offset >= n or offset < -RATE * 3600:
                continue
            audio = self._audio_for(item.kind, item.what)
            for i, v in enumerate(audio):
                j = offset + i
                if 0 <= j < n:
                    samples[j] = max(-32768, min(32767, samples[j] + v))
        for start, end in self.chan.bridged_periods(self.started, ended):
            a = max(0, int((start - self.started) * RATE))
            b = min(n, int((end - self.started) * RATE))
            j = a
            while j < b:
                block_index = j // TURN_SAMPLES
                talker = block_index % 2  # the two parties take turns
                block_end = min(b, (block_index + 1) * TURN_SAMPLES)
                if not self.muted["read" if talker == 0 else "write"]:
                    voice = _voice_block(talker)
                    k0 = j - block_index * TURN_SAMPLES
                    for k, j2 in enumerate(range(j, block_end)):
                        samples[j2] = max(-32768, min(32767, samples[j2] + voice[k0 + k]))
                j = block_end
        if self.only_bridged:
            # MixMonitor option b: only the time the channel spent bridged is written
            kept: list[int] = []
            for start, end in self.chan.bridged_periods(self.started, ended):
                a = max(0, int((start - self.started) * RATE))
                kept += samples[a : min(n, int((end - self.started) * RATE))]
            samples, n = kept, len(kept)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(self.path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(struct.pack(f"<{n}h", *samples))

    def _audio_for(self, kind: str, what: str) -> list[int]:
        if kind == "file":
            path = self.pbx.media.find(what, self.chan.language)
            if path is not None and path.suffix == ".wav":
                try:
                    with wave.open(str(path), "rb") as w:
                        if w.getsampwidth() == 2 and w.getnchannels() == 1 and w.getframerate() == RATE:
                            raw = w.readframes(min(w.getnframes(), RATE * 60))
                            return list(struct.unpack(f"<{len(raw) // 2}h", raw))
                except (wave.Error, EOFError):
                    pass
            duration = self.pbx.media.duration(what, self.chan.language) or 0.25
            return [int(4000 * math.sin(2 * math.pi * 600 * i / RATE)) for i in range(int(duration * RATE))]
        return []


def resolve_path(spool_dir: str, filename: str) -> Path:
    p = Path(filename)
    if p.is_absolute():
        return p
    return Path(spool_dir).resolve() / "monitor" / p
