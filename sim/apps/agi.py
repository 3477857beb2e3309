"""``AGI(agi://host[:port]/script[?query][,arg1[,arg2…]])``: hand the channel to a FastAGI server.

Only FastAGI (``agi://``) is simulated; a local script path sets ``AGISTATUS=FAILURE`` as
Asterisk does when it cannot run the script.

``agi_override`` (``hotline sim --agi``) replaces the host and port of every URL; several
``HOST:PORT`` separated by commas are used in turn, one per AGI connection, as a load
balancer in front of several CTI nodes would.

An AMI ``Redirect`` of a channel running AGI sets Asterisk's ``AST_SOFTHANGUP_ASYNCGOTO``;
``run_agi`` checks hang-ups with ``ast_check_hangup()``, which counts that flag too, so the
script sees exactly what a hang-up looks like: the command under way answers ``-1``, the
``HANGUP`` line follows, only dead-channel commands answer after that; once the script closes
the connection the channel carries on at the redirect's target.  :class:`_AsRunAgiSeesIt`
gives the FastAGI client that view of the channel.
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING, Any, cast

from sim.agi.port import AgiChannel, ChannelHungUp, PlaybackOutcome
from sim.channel import Channel
from sim.dialplan.args import split_app_args

if TYPE_CHECKING:
    from sim.pbx import Pbx

_HOSTPORT = re.compile(r"^agi://[^/]*")
_turns: weakref.WeakKeyDictionary[Pbx, int] = weakref.WeakKeyDictionary()


async def app_agi(pbx: Pbx, chan: Channel, data: str) -> int:
    from sim.agi.client import run_fastagi

    args = split_app_args(data)
    if not args or not args[0]:
        chan.set_variable("AGISTATUS", "FAILURE")
        return -1
    url = args[0]
    if not url.startswith("agi://"):
        chan.set_variable("AGISTATUS", "FAILURE")
        return 0
    if pbx.agi_override:
        url = _HOSTPORT.sub(f"agi://{_next_target(pbx, pbx.agi_override)}", url)
    # sets AGISTATUS itself
    await run_fastagi(cast(AgiChannel, _AsRunAgiSeesIt(chan)), url, args[1:])
    if chan.hungup and chan.pending_goto is None:
        return -1
    return 0


def _next_target(pbx: Pbx, override: str) -> str:
    targets = [t.strip() for t in override.split(",") if t.strip()]
    if len(targets) <= 1:
        return override.strip()
    turn = _turns.get(pbx, 0)
    _turns[pbx] = turn + 1
    return targets[turn % len(targets)]


class _AsRunAgiSeesIt:
    """The channel, with a pending asynchronous goto counted as a hang-up (see the module doc)."""

    def __init__(self, chan: Channel) -> None:
        self._chan = chan

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chan, name)

    @property
    def hungup(self) -> bool:
        return self._chan.hungup or self._chan.pending_goto is not None

    async def wait_hangup(self) -> None:
        while not self.hungup:
            await self._chan.wait_state_change()

    def _check(self) -> None:
        if self._chan.pending_goto is not None:
            raise ChannelHungUp(self._chan.name)

    async def play(self, filename: str, escape_digits: str) -> PlaybackOutcome:
        self._check()
        outcome = await self._chan.play(filename, escape_digits)
        self._check()
        return outcome

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        self._check()
        digit = await self._chan.wait_for_digit(timeout_ms)
        self._check()
        return digit

    async def say_digits(self, digits: str, escape_digits: str) -> str | None:
        self._check()
        digit = await self._chan.say_digits(digits, escape_digits)
        self._check()
        return digit

    async def say_number(self, number: int, escape_digits: str, gender: str | None) -> str | None:
        self._check()
        digit = await self._chan.say_number(number, escape_digits, gender)
        self._check()
        return digit

    async def answer(self) -> None:
        self._check()
        await self._chan.answer()


APPS = {"AGI": app_agi}
