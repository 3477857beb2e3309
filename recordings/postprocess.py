"""Post-processing of one MixMonitor file with pydub: loudness, format, checksum.

Blocking (pydub and ffmpeg); callers run it in a worker thread.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydub import AudioSegment
from pydub.exceptions import CouldntDecodeError


class RecordingError(Exception):
    """The file could not be read or written; the message says why."""


@dataclass(frozen=True, slots=True)
class Processed:
    path: Path
    duration_s: float
    size_bytes: int
    sha256: str


def process(source: Path, target: Path, *, fmt: str, normalize_dbfs: float | None) -> Processed:
    """Read ``source`` (any format ffmpeg reads; WAV without it), write ``target`` as ``fmt``."""
    try:
        audio = AudioSegment.from_file(str(source))
    except (CouldntDecodeError, OSError, IndexError) as exc:
        raise RecordingError(f"cannot read {source.name}: {exc}") from exc
    # silence has no loudness (-inf dBFS): leave it, a recording of nothing is still evidence
    if normalize_dbfs is not None and audio.dBFS != float("-inf"):
        gain = normalize_dbfs - audio.dBFS
        audio = audio.apply_gain(min(gain, 30.0))  # never blow up near-silence into noise
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    try:
        audio.export(str(tmp), format=fmt)
    except Exception as exc:  # OSError, or pydub's CouldntEncodeError when ffmpeg fails
        tmp.unlink(missing_ok=True)
        raise RecordingError(f"cannot write {target.name} as {fmt}: {exc}") from exc
    tmp.replace(target)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    return Processed(target, len(audio) / 1000.0, target.stat().st_size, digest)
