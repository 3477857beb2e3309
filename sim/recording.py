"""MixMonitor recordings: a real 8 kHz mono 16-bit WAV file per recorded channel.

The simulator has no audio, so the file is synthesised from what happened on the channel
while it was recorded: prompts played to it (from the sound files when they exist, else a
tone), DTMF, and conversation while bridged (two alternating voice-band tone patterns, one
per party), silence otherwise.  Its length is the recorded time, so post-processing, storage
and playback of recordings are exercised on real files.

As in Asterisk, the *read* direction is what the channel sends (its party talking) and the
*write* direction what is sent to it (prompts, the other party); options ``r(file)`` and
``t(file)`` write each direction to its own file besides the mix, ``b`` keeps only the time the
channel was bridged.  ``MixMonitorMute`` silences a direction from the moment it arrives until it
is unmuted: the file keeps its length and the muted span is zeros.
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


def parse_options(options: str) -> dict[str, str]:
    """MixMonitor's options: ``br(in.wav)t(out.wav)`` -> ``{"b": "", "r": "in.wav", "t": "out.wav"}``."""
    found: dict[str, str] = {}
    i = 0
    while i < len(options):
        letter = options[i]
        i += 1
        if i < len(options) and options[i] == "(":
            end = options.find(")", i)
            end = len(options) if end < 0 else end
            found[letter] = options[i + 1 : end]
            i = end + 1
        else:
            found[letter] = ""
    return found


class Recorder:
    def __init__(
        self,
        pbx: Pbx,
        chan: Channel,
        path: Path,
        *,
        only_bridged: bool = False,
        read_path: Path | None = None,
        write_path: Path | None = None,
    ) -> None:
        self.pbx = pbx
        self.chan = chan
        self.path = path
        self.only_bridged = only_bridged
        self.read_path = read_path
        self.write_path = write_path
        self.started = pbx.clock.now()
        # per direction, the spans it was muted: [start, end or None while still muted]
        self.mutes: dict[str, list[list[float | None]]] = {"read": [], "write": []}
        self.stopped = False

    def start(self) -> None:
        self.chan.recorders.append(self)
        self.chan.set_variable("MIXMONITOR_FILENAME", str(self.path))
        self.chan.publish("MixMonitorStart")

    def mute(self, direction: str, state: bool) -> None:
        now = self.pbx.clock.now()
        for d in ("read", "write") if direction == "both" else (direction,):
            spans = self.mutes[d]
            muted = bool(spans) and spans[-1][1] is None
            if state and not muted:
                spans.append([now, None])
            elif not state and muted:
                spans[-1][1] = now
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
        read = [0] * n  # what the channel's party says
        write = [0] * n  # what is played or said to it
        for item in self.chan.heard:
            offset = int((item.at - self.started) * RATE)
            if offset >= n or offset < -RATE * 3600:
                continue
            audio = self._audio_for(item.kind, item.what)
            for i, v in enumerate(audio):
                j = offset + i
                if 0 <= j < n:
                    write[j] = max(-32768, min(32767, write[j] + v))
        bridged = self.chan.bridged_periods(self.started, ended)
        for start, end in bridged:
            a = max(0, int((start - self.started) * RATE))
            b = min(n, int((end - self.started) * RATE))
            j = a
            while j < b:
                block_index = j // TURN_SAMPLES
                talker = block_index % 2  # the two parties take turns
                block_end = min(b, (block_index + 1) * TURN_SAMPLES)
                voice = _voice_block(talker)
                target = read if talker == 0 else write
                k0 = j - block_index * TURN_SAMPLES
                for k, j2 in enumerate(range(j, block_end)):
                    target[j2] = max(-32768, min(32767, target[j2] + voice[k0 + k]))
                j = block_end
        for direction, samples in (("read", read), ("write", write)):
            for span in self.mutes[direction]:
                muted_from, muted_to = span
                a = max(0, int(((muted_from or 0.0) - self.started) * RATE))
                b = n if muted_to is None else min(n, int((muted_to - self.started) * RATE))
                samples[a:b] = [0] * max(0, b - a)
        mixed = [max(-32768, min(32767, x + y)) for x, y in zip(read, write, strict=True)]
        for path, samples in ((self.path, mixed), (self.read_path, read), (self.write_path, write)):
            if path is not None:
                _write_wav(path, self._kept(samples, bridged, n))

    def _kept(self, samples: list[int], bridged: list[tuple[float, float]], n: int) -> list[int]:
        if not self.only_bridged:
            return samples
        # MixMonitor option b: only the time the channel spent bridged is written
        kept: list[int] = []
        for start, end in bridged:
            a = max(0, int((start - self.started) * RATE))
            kept += samples[a : min(n, int((end - self.started) * RATE))]
        return kept

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


def _write_wav(path: Path, samples: list[int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))


def resolve_path(spool_dir: str, filename: str) -> Path:
    p = Path(filename)
    if p.is_absolute():
        return p
    return Path(spool_dir).resolve() / "monitor" / p
