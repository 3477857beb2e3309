"""Talking to the called person over FastAGI: play what the catalogue says, read one key.

A question is declared, not coded (:class:`Question`): the prompt, the keys that answer it, how
long to wait and how often to ask again; :func:`ask` plays it with barge-in, re-asks on a wrong
key or silence (saying so), and returns the key or ``None`` when the person never answered.  A
sound that cannot be played is skipped, never the end of the call; a hang-up raises
:class:`cti.agi.errors.AgiHangup` for the script to close what it started.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from cti.agi.errors import AgiCommandFailed
from cti.agi.session import AgiSession
from prompts.language import Language
from prompts.speech import Play, SayDigits, SayNumber, Speech, phrase

__all__ = ["Question", "ask", "say"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Question:
    prompt: str  # prompt id in prompts/catalogue.py
    keys: str  # the keys that answer it, e.g. "12345"
    timeout_ms: int = 6000
    tries: int = 3


async def say(session: AgiSession, speech: Speech, escape: str = "") -> str | None:
    """Play ``speech``; the first key of ``escape`` pressed, if any."""
    for sound in speech:
        try:
            if isinstance(sound, Play):
                key = (await session.stream_file(sound.file, escape)).digit
            elif isinstance(sound, SayNumber):
                key = await session.say_number(sound.value, escape)
            else:
                assert isinstance(sound, SayDigits)
                key = await session.say_digits(sound.value, escape)
        except AgiCommandFailed as exc:
            log.debug(
                "outbound sound not played", uniqueid=session.env.uniqueid, sound=repr(sound), error=str(exc)
            )
            continue
        if key:
            return key
    return None


async def ask(
    session: AgiSession, question: Question, language: Language, preamble: Speech = ()
) -> str | None:
    """The key answering ``question`` (one of ``question.keys``), or ``None`` after every try."""
    for attempt in range(question.tries):
        speech = (preamble if attempt == 0 else ()) + phrase(question.prompt, language)
        key = await say(session, speech, "0123456789*#")
        if key is None:
            key = await session.wait_for_digit(question.timeout_ms)
        if key is not None and key in question.keys:
            return key
        if attempt + 1 < question.tries:
            await say(session, phrase("outbound_invalid" if key else "outbound_no_input", language))
    return None
