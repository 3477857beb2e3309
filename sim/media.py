"""Sound files the simulator can "play": how long each lasts, and what SAY NUMBER plays.

Files are looked up as Asterisk does: ``<sounds>/<language>/<name>.<ext>`` then
``<sounds>/<name>.<ext>``, for the formats Asterisk plays (``wav``, ``sln``, ``gsm``,
``ulaw``, ``alaw``).  Absolute names are used as they are.  When no folder has the file, a
small built-in set matches the placeholder prompts of the real test Asterisk
(``../shared/asterisk/gen_sounds.py``: ``beep`` 250 ms, ``digits/0``-``9`` 300 ms each), so
the same AGI script takes the same time on both.

SAY NUMBER composes its files per language as Asterisk 22's ``say.c`` does: Chinese (``zh*``,
``ast_say_number_full_zh``: ``digits/10`` + ``digits/5`` for 15, ``digits/hundred``,
``digits/thousand``, ``digits/wan``, ``digits/yi`` and a ``digits/0`` for a skipped place) and
English for every other language (``get_number_str_en``; Asterisk has more languages, the
simulator only these two).  SAY DIGITS plays ``digits/N``, ``digits/star``, ``digits/pound`` and
``digits/minus`` and ignores any other character.
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
        """The files SAY NUMBER plays in ``language`` (see the module docstring).

        Raises ``ValueError`` for a number Asterisk refuses to say (Chinese: a billion or more).
        """
        if language[:2].lower() == "zh":
            return zh_number_files(number)
        return self._en_number_files(number)

    def _en_number_files(self, number: int) -> list[str]:
        if number < 0:
            return ["digits/minus", *self._en_number_files(-number)]
        if number == 0:
            return ["digits/0"]
        out: list[str] = []
        for value, word in ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand")):
            if number >= value:
                out += [*self._en_number_files(number // value), f"digits/{word}"]
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


DIGIT_FILES = {
    "*": "digits/star",
    "#": "digits/pound",
    "-": "digits/minus",
    **{d: f"digits/{d}" for d in "0123456789"},
}


def digit_files(digits: str) -> list[str]:
    """The files SAY DIGITS plays (``ast_get_digit_str``: other characters are skipped)."""
    return [DIGIT_FILES[ch] for ch in digits if ch in DIGIT_FILES]


def zh_number_files(num: int) -> list[str]:
    """``ast_say_number_full_zh`` (say.c, Asterisk 22), file by file, its quirks included."""
    if num == 0:
        return ["digits/0"]
    out: list[str] = []
    playh = playt = playz = False
    last_length = 0

    def skips_a_place(length: int) -> bool:
        # C: ``last_length - strlen(buf) > 1 && last_length != 0`` (unsigned arithmetic)
        return last_length != 0 and (last_length < length or last_length - length > 1)

    while num or playh or playt or playz:
        if num < 0:
            fn, num = "digits/minus", -num
        elif playz:
            fn, last_length, playz = "digits/0", 0, False
        elif playh:
            fn, playh = "digits/hundred", False
        elif playt:
            fn, playt = "digits/thousand", False
        elif num < 10:
            if skips_a_place(1):
                last_length, playz = 1, True
                continue
            fn, num = f"digits/{num}", 0
        elif num < 100:
            if skips_a_place(len(str(num))):
                last_length, playz = len(str(num)), True
                continue
            last_length = len(str(num))
            fn, num = f"digits/{num // 10 * 10}", num % 10
        elif num < 1000:
            if skips_a_place(len(str(num))):
                last_length, playz = len(str(num)), True
                continue
            fn, playh = f"digits/{num // 100}", True
            last_length, num = len(str(num)), num % 100
        elif num < 10_000:
            fn, playt = f"digits/{num // 1000}", True
            last_length, num = len(str(num)), num % 1000
        elif num < 100_000_000:
            out += zh_number_files(num // 10_000)
            last_length, num, fn = len(str(num)), num % 10_000, "digits/wan"
        elif num < 1_000_000_000:
            out += zh_number_files(num // 100_000_000)
            last_length, num, fn = len(str(num)), num % 100_000_000, "digits/yi"
        else:
            raise ValueError(f"Number '{num}' is too big for me")
        out.append(fn)
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
