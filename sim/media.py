"""Sound files the simulator can "play": how long each lasts, and what SAY NUMBER plays.

Files are looked up as Asterisk does: ``<sounds>/<language>/<name>.<ext>`` then
``<sounds>/<name>.<ext>``, for the formats Asterisk plays (``wav``, ``sln``, ``gsm``,
``ulaw``, ``alaw``).  Absolute names are used as they are.  When no folder has the file, a
small built-in set matches the placeholder prompts of the real test Asterisk
(``../shared/asterisk/gen_sounds.py``: ``beep`` 250 ms, ``digits/0``-``9`` 300 ms each), so
the same AGI script takes the same time on both.
"""

from __future__ import annotations

import wave
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

BUILTIN_MS = {"beep": 250, **{f"digits/{d}": 300 for d in range(10)}}
BYTES_PER_SECOND = {"sln": 16000, "ulaw": 8000, "alaw": 8000, "gsm": 1650}
FORMATS = ("wav", "sln", "gsm", "ulaw", "alaw")


class SoundLibrary:
    def __init__(self, folders: Sequence[Path] = ()) -> None:
        self.folders = [Path(f) for f in folders]

    def add_folder(self, folder: Path) -> None:
        if folder not in self.folders:
            self.folders.append(folder)

    def duration(self, name: str, language: str = "en") -> float | None:
        """Seconds of audio in sound ``name``, or None if there is no such sound."""
        path = self.find(name, language)
        if path is not None:
            return _file_duration(str(path))
        ms = BUILTIN_MS.get(name)
        return None if ms is None else ms / 1000.0

    def find(self, name: str, language: str = "en") -> Path | None:
        candidates: list[Path] = []
        if name.startswith("/"):
            candidates.append(Path(name))
        else:
            for folder in self.folders:
                candidates += [folder / language / name, folder / name]
        for base in candidates:
            for ext in FORMATS:
                p = base.with_name(base.name + "." + ext)
                if p.is_file():
                    return p
        return None

    def number_files(self, number: int, language: str = "en") -> list[str]:
        """The files SAY NUMBER plays (Asterisk's ``say.c`` for English, simplified)."""
        if number < 0:
            return ["digits/minus", *self.number_files(-number, language)]
        if number == 0:
            return ["digits/0"]
        out: list[str] = []
        for value, word in ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand")):
            if number >= value:
                out += [*self.number_files(number // value, language), f"digits/{word}"]
                number %= value
        if number >= 100:
            out += [f"digits/{number // 100}", "digits/hundred"]
            number %= 100
        if number >= 20:
            out.append(f"digits/{number // 10 * 10}")
            number %= 10
        if number:
            out.append(f"digits/{number}")
        return out


@lru_cache(maxsize=4096)
def _file_duration(path: str) -> float:
    p = Path(path)
    ext = p.suffix[1:].lower()
    if ext == "wav":
        try:
            with wave.open(str(p), "rb") as w:
                return w.getnframes() / float(w.getframerate() or 8000)
        except (wave.Error, EOFError):
            return 0.0
    size = p.stat().st_size
    return size / BYTES_PER_SECOND.get(ext, 16000)
