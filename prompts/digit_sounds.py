"""The sound files Asterisk's SAY NUMBER and SAY DIGITS play, per language.

Asterisk composes numbers from ``digits/<name>`` in the channel's language folder (``say.c``):
Chinese (``ast_say_number_full_zh``) uses 0-9, the tens 10-90, ``hundred`` (百), ``thousand``
(千), ``wan`` (万), ``yi`` (亿) and ``minus``; English uses 0-19, the tens 20-90, ``hundred``,
``thousand``, ``million``, ``billion`` and ``minus``. Asterisk's own sound packages carry no
Mandarin, so ``hotline prompts build`` renders these next to the hotline's prompts
(``<prompts_dir>/<lang>/digits/<name>``) with the same voices.
"""

from __future__ import annotations

from prompts.language import Language

_ZH_DIGITS = "零一二三四五六七八九"
_EN_SMALL = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)  # fmt: skip
_EN_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def digit_sounds(language: Language) -> dict[str, str]:
    """File name under ``digits/`` → the text to render."""
    if language is Language.ZH:
        sounds = {str(i): _ZH_DIGITS[i] for i in range(10)}
        sounds["10"] = "十"
        sounds.update({str(t * 10): _ZH_DIGITS[t] + "十" for t in range(2, 10)})
        sounds.update({"hundred": "百", "thousand": "千", "wan": "万", "yi": "亿", "minus": "负"})
        return sounds
    sounds = {str(i): word for i, word in enumerate(_EN_SMALL)}
    sounds.update({str(t * 10): word for t, word in zip(range(2, 10), _EN_TENS, strict=True)})
    sounds.update(
        {
            "hundred": "hundred",
            "thousand": "thousand",
            "million": "million",
            "billion": "billion",
            "minus": "minus",
        }
    )
    return sounds
