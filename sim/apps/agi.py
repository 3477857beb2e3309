"""``AGI(agi://host[:port]/script[?query][,arg1[,arg2…]])``: hand the channel to a FastAGI server.

Only FastAGI (``agi://``) is simulated; a local script path sets ``AGISTATUS=FAILURE`` as
Asterisk does when it cannot run the script.

``agi_override`` (``hotline sim --agi``) replaces the host and port of every URL; several
``HOST:PORT`` separated by commas are used in turn, one per AGI connection, as a load
balancer in front of several CTI nodes would.

An AMI ``Redirect`` of a channel running AGI looks like a hang-up to the script, then the channel
carries on at the redirect's target; :class:`sim.apps.agi_channel.ChannelAsAgiSeesIt` gives the
FastAGI client that view of the channel.
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING

from sim.apps.agi_channel import ChannelAsAgiSeesIt
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
    await run_fastagi(ChannelAsAgiSeesIt(chan), url, args[1:])
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


APPS = {"AGI": app_agi}
