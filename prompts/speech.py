"""What the caller hears, as data: a sequence of prompt files, spoken numbers and spoken digits.

Built from the prompt catalogue (:mod:`prompts.catalogue`) with its slots filled, and from the pieces
that read amounts, dates and durations the way each language says them:

- amounts in fen: Mandarin "123元4角5分" (``一百二十三元零五分`` when there are no jiao), English
  "123 yuan 45 fen"; zero parts are left out, and a zero amount is "0 yuan";
- dates: Mandarin "7月15日", English "July 15";
- durations in whole hours, rounded up: "24小时", "24 hours" / "1 hour".

Numbers are spoken by Asterisk (SAY NUMBER / SAY DIGITS in the channel's language), everything
else is a file under ``hotline/``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from prompts.catalogue import Piece, prompt
from prompts.language import Language

SOUND_FOLDER = "hotline"


@dataclass(frozen=True, slots=True)
class Play:
    file: str  # as Asterisk names it: "hotline/welcome"


@dataclass(frozen=True, slots=True)
class SayNumber:
    value: int


@dataclass(frozen=True, slots=True)
class SayDigits:
    value: str


Sound = Play | SayNumber | SayDigits
Speech = tuple[Sound, ...]


def play(file: str) -> Speech:
    return (Play(f"{SOUND_FOLDER}/{file}"),)


def phrase(prompt_id: str, language: Language, **slots: Speech) -> Speech:
    """The prompt's pieces with its slots filled; a missing or unknown slot is a programming error."""
    p = prompt(prompt_id)
    expected = set(p.slots(language))
    if expected != set(slots):
        raise ValueError(f"prompt {prompt_id}: slots {sorted(expected)} needed, got {sorted(slots)}")
    out: list[Sound] = []
    for part in p.parts(language):
        if isinstance(part, Piece):
            out.append(Play(f"{SOUND_FOLDER}/{part.file}"))
        else:
            out.extend(slots[part.name])
    return tuple(out)


def number(value: int) -> Speech:
    return (SayNumber(value),)


def digits(value: str) -> Speech:
    return (SayDigits(value),)


def amount(fen: int, language: Language) -> Speech:
    """A non-negative amount of money (callers get "in arrears" from the sentence around it)."""
    fen = abs(fen)
    yuan, cents = divmod(fen, 100)
    if language is Language.EN:
        out: list[Sound] = [SayNumber(yuan), *play("unit_yuan")]
        if cents:
            out += [SayNumber(cents), *play("unit_fen")]
        return tuple(out)
    jiao, rest = divmod(cents, 10)
    out = []
    if yuan or not cents:
        out += [SayNumber(yuan), *play("unit_yuan")]
    if jiao:
        out += [SayNumber(jiao), *play("unit_jiao")]
    if rest:
        if yuan and not jiao:
            out.append(SayNumber(0))  # 零: "一百二十三元零五分"
        out += [SayNumber(rest), *play("unit_fen")]
    return tuple(out)


def day_of_month(day: date, language: Language) -> Speech:
    if language is Language.EN:
        month: Speech = play(f"month_{day.month}")
    else:
        month = number(day.month)
    return phrase("date_md", language, month=month, day=number(day.day))


def hours(duration: timedelta, language: Language) -> Speech:
    """A duration as whole hours, rounded up (a time limit is never understated)."""
    n = max(1, math.ceil(duration.total_seconds() / 3600))
    return (SayNumber(n), *play("unit_hour" if n == 1 else "unit_hours"))


def files_of(speech: Speech) -> tuple[str, ...]:
    return tuple(s.file for s in speech if isinstance(s, Play))
