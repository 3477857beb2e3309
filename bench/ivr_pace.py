"""How long the IVR bench's callers take: the sounds they hear and their keying in.

Two paces.  The *caller's* pace (the default of ``hotline bench ivr``) is the one a node meets:
with ``prompts_dir`` (a folder ``hotline prompts build`` rendered; :func:`rendered_prompts` renders
the shipped ones once into a cache folder) each sound lasts as long as its audio, in the channel's
language (the shipped Mandarin prompts: median 3.2 s, mean 4.5 s; a spoken digit 0.8 s), and SAY
NUMBER/DIGITS as long as the digit sounds Asterisk would string together
(:class:`sim.media.SoundLibrary`, as the simulator plays them); a sound the folder lacks (the
demo's knowledge entries, unless rendered too) takes ``prompt_s``.  That is a caller who never
barges in; ``think_s`` is then how quickly they key in once the prompt has ended.  The *stress*
pace plays every prompt for ``prompt_s`` (0.4 s), every SAY NUMBER/DIGITS for ``say_s`` and keys
in ``think_s`` after a digit wait starts: a call through the shipped menu takes about 9 s, several
times busier than a real caller, so a level of N lines is the IVR work of several times N real
calls.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.media import SoundLibrary, digit_files

__all__ = ["LEVELS", "STRESS_PACE", "Levels", "Pace", "SoundLengths", "cache_folder", "rendered_prompts"]


@dataclass(frozen=True, slots=True)
class Pace:
    """Seconds a prompt plays, a SAY NUMBER/DIGITS lasts, and a caller takes to key in; with
    ``prompts_dir``, sounds last as long as their rendered audio instead."""

    prompt_s: float = 0.4
    say_s: float = 0.2
    think_s: float = 0.4
    prompts_dir: str | None = None


STRESS_PACE = Pace()


class SoundLengths:
    """Seconds each sound lasts at ``pace`` (the audio's own length read once per file)."""

    def __init__(self, pace: Pace) -> None:
        self.pace = pace
        self._library = SoundLibrary([Path(pace.prompts_dir)]) if pace.prompts_dir else None
        self._known: dict[tuple[str, str], float] = {}

    def file(self, name: str, language: str) -> float:
        if self._library is None:
            return self.pace.prompt_s
        key = (name, language)
        seconds = self._known.get(key)
        if seconds is None:
            found = self._library.duration(name, language)
            seconds = self._known[key] = self.pace.prompt_s if found is None else found
        return seconds

    def digits(self, digits: str, language: str) -> float:
        if self._library is None:
            return self.pace.say_s
        return sum(self.file(name, language) for name in digit_files(digits))

    def number(self, number: int, language: str) -> float:
        if self._library is None:
            return self.pace.say_s
        try:
            names = self._library.number_files(number, language)
        except ValueError:  # a number the language cannot say: as Asterisk, nothing is played
            return 0.0
        return sum(self.file(name, language) for name in names)


@dataclass(frozen=True, slots=True)
class Levels:
    """How a run's levels go at a pace: the first level's lines, each level's seconds, the seconds
    over which its calls start (None: the bench's own), and the caller's seconds to key in."""

    start: int
    duration_s: float
    ramp_s: float | None
    think_s: float


# a call at the caller's pace lasts one to two minutes: a level runs two minutes after a minute's
# ramp, and starts at the 1,000 lines the floor asks for; the stress pace's calls last ~9 s
LEVELS = {"caller": Levels(1000, 120.0, 60.0, 1.0), "stress": Levels(50, 10.0, None, 0.4)}


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hotline" / "bench-prompts"


def rendered_prompts(folder: Path | None = None, progress: Callable[[int, int], None] | None = None) -> Path:
    """``folder`` (default :func:`cache_folder`) holding the shipped prompts of both languages and
    the digit sounds, rendered as ``hotline prompts build`` does; what is there from the same text
    is kept, so only the first run renders (a minute or two).  Raises
    :class:`prompts.audio.PromptBuildError` without espeak-ng or ffmpeg."""
    from prompts.audio import PromptBuildError, build, catalogue_jobs

    folder = folder or cache_folder()
    report = build(catalogue_jobs(), folder, progress=progress)
    if report.failed:
        key, error = sorted(report.failed.items())[0]
        raise PromptBuildError(f"{len(report.failed)} prompts not rendered in {folder}, e.g. {key}: {error}")
    return folder
