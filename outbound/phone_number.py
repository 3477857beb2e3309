"""Chinese telephone numbers as we store, compare and dial them: the national format, digits only.

:func:`normalize_number` accepts what people type or Excel exports and returns one canonical
string, so the do-not-call list, the once-a-day rule and duplicate detection compare like with like:

* full-width digits and spaces (``１３８``) become ASCII (Unicode NFKC);
* spaces, ``-`` and parentheses are dropped (``(010) 1234-5678``);
* the country code ``+86`` / ``0086`` is dropped; a landline written internationally loses its
  trunk ``0`` (``+86 10 …``) and gets it back, and the ``+86 (0)10 …`` form is understood;
* the result must be a **mobile** number (``1`` + ``3``–``9`` + 9 digits, 11 digits) or a
  **landline with its area code** (``010`` / ``02X`` + 8 digits, or ``0XXX`` + 7–8 digits; local
  numbers do not start with 0 or 1).

Everything else raises :class:`~outbound.errors.InvalidNumber` with the reason: a landline without
area code (which prefecture?), a foreign country code, short service numbers (10000, 95xxx) and
400/800 numbers, which no campaign calls.
"""

from __future__ import annotations

import re
import unicodedata

from outbound.errors import InvalidNumber

__all__ = ["is_mobile", "normalize_number"]

_DROPPED = str.maketrans("", "", " \t-()\u00a0")
_MOBILE = re.compile(r"1[3-9]\d{9}")
# 010 and 02X carry 8-digit local numbers; three-digit area codes 7 or 8.
_LANDLINE = re.compile(r"0(?:10|2\d)[2-9]\d{7}|0[3-9]\d{2}[2-9]\d{6,7}")


def normalize_number(raw: str) -> str:
    """The national-format digits of ``raw``; raises :class:`InvalidNumber` saying why not."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise InvalidNumber(raw, "empty")
    if text.startswith("+"):
        if not text[1:].translate(_DROPPED).startswith("86"):
            raise InvalidNumber(raw, "not a Chinese number (the country code is not +86)")
        text = text[1:].translate(_DROPPED)[2:]
        international = True
    else:
        text = text.translate(_DROPPED)
        international = text.startswith("0086")
        if international:
            text = text[4:]
        elif text.startswith("00"):
            raise InvalidNumber(raw, "not a Chinese number (international prefix 00 without 86)")
    if not text:
        raise InvalidNumber(raw, "only a country code")
    bad = next((ch for ch in text if not ch.isascii() or not ch.isdigit()), None)
    if bad is not None:
        raise InvalidNumber(raw, f"unexpected character {bad!r}")
    if international and text and not text.startswith("0") and not _MOBILE.fullmatch(text):
        text = "0" + text  # +86 10 1234 5678 is 010 1234 5678
    if _MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text):
        return text
    raise InvalidNumber(raw, _why_not(text))


def is_mobile(number: str) -> bool:
    """Whether a normalized number is a mobile number."""
    return _MOBILE.fullmatch(number) is not None


def _why_not(digits: str) -> str:
    if digits.startswith("1"):
        if len(digits) == 11:
            return "no mobile network uses the prefix " + digits[:2]
        if len(digits) <= 6:
            return "a short service number, not a customer's line"
        return f"a mobile number has 11 digits, this has {len(digits)}"
    if digits.startswith(("400", "800")):
        return "a 400/800 service number, not a customer's line"
    if digits.startswith("9") and len(digits) <= 6:
        return "a short service number, not a customer's line"
    if digits.startswith("0"):
        return f"not a landline number with a valid area code and local number ({len(digits)} digits)"
    if len(digits) in (7, 8):
        return "a landline number needs its area code (0XX or 0XXX)"
    return f"neither a mobile nor a landline number ({len(digits)} digits)"
