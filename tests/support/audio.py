"""WAV files for tests, as Asterisk writes and plays them: 8 kHz, mono, 16-bit."""

from __future__ import annotations

import wave
from pathlib import Path


def write_wav(path: Path, seconds: float, frame: bytes = b"\0\0") -> bytes:
    """Write ``seconds`` of ``frame`` (one 16-bit little-endian sample) repeated; the file's bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(frame * int(8000 * seconds))
    return path.read_bytes()
