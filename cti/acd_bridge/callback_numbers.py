"""Which numbers the hotline may call back (security finding 1: a fake FastAGI peer registered a
callback to ``0090012345678`` and the node dialled it — toll fraud, or harassment through the
trunk).  ``[acd] callback_numbers`` chooses:

* ``domestic`` (default): a mainland mobile (``1[3-9]`` + 9 digits) or a landline with its area
  code (``0`` + area code + number: 10 to 12 digits) — never an international prefix (``00``),
  a service number or an extension;
* ``registered``: only a number of a customer on record (the caller's own registered number);
* ``any``: every number of at least three digits (a lab, a private network).

Pure, apart from the registered lookup the caller passes in.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

__all__ = ["callback_allowed", "is_domestic"]

_DOMESTIC = re.compile(r"1[3-9][0-9]{9}|0[1-9][0-9]{8,10}")


def is_domestic(number: str) -> bool:
    return number.isascii() and _DOMESTIC.fullmatch(number) is not None


async def callback_allowed(number: str, policy: str, registered: Callable[[str], Awaitable[bool]]) -> bool:
    if not (number.isascii() and number.isdigit()) or len(number) < 3 or len(number) > 20:
        return False
    if policy == "any":
        return True
    if policy == "domestic":
        return is_domestic(number)
    return await registered(number)
