"""``AGI(agi://host[:port]/script[?query][,arg1[,arg2…]])``: hand the channel to a FastAGI server.

Only FastAGI (``agi://``) is simulated; a local script path sets ``AGISTATUS=FAILURE`` as
Asterisk does when it cannot run the script.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sim.channel import Channel
from sim.dialplan.args import split_app_args

if TYPE_CHECKING:
    from sim.pbx import Pbx

_HOSTPORT = re.compile(r"^agi://[^/]*")


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
        url = _HOSTPORT.sub(f"agi://{pbx.agi_override}", url)
    await run_fastagi(chan, url, args[1:])  # sets AGISTATUS itself
    if chan.hungup and chan.pending_goto is None:
        return -1
    return 0


APPS = {"AGI": app_agi}
