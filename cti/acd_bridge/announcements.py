"""What a caller waiting for an agent hears, as data (prompts of :mod:`prompts.catalogue`).  Pure.

On arrival: "all our agents are busy" (or, after an escalation, "transferring you to a senior
colleague"); then, every ``announce_interval_s``: the place in line ("there are 3 callers ahead
of you" / "you are next"), the expected wait rounded up to whole minutes when the ACD knows it
(after the first calls of the skill have ended), and the callback offer.  When no agent who
could take the call is logged in (or all are paused) the caller hears so, and the callback offer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from prompts.language import Language
from prompts.speech import Speech, number, phrase

__all__ = ["CALLBACK_KEY", "WaitInfo", "callback_registered", "waiting_speech"]

# the key a waiting caller presses to be called back (the prompt says "press 1")
CALLBACK_KEY = "1"


@dataclass(frozen=True, slots=True)
class WaitInfo:
    ahead: int | None  # waiting calls of the same skill before this one; None: not known
    expected_wait_s: float | None
    staffed: bool  # someone who could take the call is logged in and not paused
    first: bool  # the caller just arrived
    callback: bool  # offer the callback
    escalated: bool = False  # the caller comes back from an agent who escalated the call


def waiting_speech(info: WaitInfo, language: Language) -> Speech:
    parts: list[Speech] = []
    if not info.staffed:
        parts.append(phrase("acd_no_agents", language))
    else:
        if info.first:
            parts.append(phrase("acd_escalated" if info.escalated else "acd_all_busy", language))
        if info.ahead is not None:
            parts.append(_position(info.ahead, language))
        if info.expected_wait_s is not None and info.ahead:
            minutes = max(1, math.ceil(info.expected_wait_s / 60))
            if minutes == 1:
                parts.append(phrase("acd_wait_one_minute", language))
            else:
                parts.append(phrase("acd_wait_minutes", language, minutes=number(minutes)))
    if info.callback:
        parts.append(phrase("acd_callback_offer", language))
    return tuple(sound for part in parts for sound in part)


def callback_registered(language: Language) -> Speech:
    return phrase("acd_callback_registered", language)


def _position(ahead: int, language: Language) -> Speech:
    if ahead <= 0:
        return phrase("acd_next", language)
    if ahead == 1:
        return phrase("acd_position_one", language)
    return phrase("acd_position", language, count=number(ahead))
