"""Looking a channel up in the AMI call state when what was heard another way may be ahead of it.

A FastAGI session can reach the node before the AMI event of its channel does, and another node
sharing the ACD's store can hand this one a caller its AMI session has not seen yet: a channel the
state does not know (or does not know as expected) is looked for again, with back-off (50 ms,
doubling), for a bounded time.  Without an AMI session the state cannot learn anything, so the
look ends at once; the result says so (``seeing``) and the caller decides what that means.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cti.ami.channels import Channel

__all__ = ["FIRST_DELAY_S", "Sighting", "look_for_channel"]

FIRST_DELAY_S = 0.05


@dataclass(frozen=True, slots=True)
class Sighting:
    channel: Channel | None  # what the state has under the uniqueid, at the end of the look
    found: bool  # the channel was there as looked for
    seeing: bool  # the AMI session was up when the look ended (False: it ended for want of one)
    waited_s: float


def _known(channel: Channel | None) -> bool:
    return channel is not None


async def look_for_channel(
    channel: Callable[[str], Channel | None],
    uniqueid: str,
    wait_s: float,
    *,
    found: Callable[[Channel | None], bool] = _known,
    seeing: Callable[[], bool] = lambda: True,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Sighting:
    """Look ``uniqueid`` up with ``channel`` (the state's lookup) until ``found`` holds of it, for at
    most ``wait_s`` seconds in all, while ``seeing()`` (the AMI session is up)."""
    waited, delay = 0.0, FIRST_DELAY_S
    while True:
        current = channel(uniqueid)
        if found(current):
            return Sighting(current, True, True, waited)
        if not seeing():
            return Sighting(current, False, False, waited)
        if waited >= wait_s:
            return Sighting(current, False, True, waited)
        step = min(delay, wait_s - waited)
        await sleep(step)
        waited += step
        delay *= 2
