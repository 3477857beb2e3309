"""``BridgeAdd(channel)``: join the bridge another channel is in (app_bridgeaddchan).

As Asterisk 22 does: the channel named (a name prefix is enough) must exist and be in a bridge,
else ``BRIDGERESULT=FAILURE`` and the dialplan goes on.  Otherwise the caller joins that bridge
(a third party makes it a conference) and stays until it hangs up, is redirected, or the bridge
ends; then ``BRIDGERESULT=SUCCESS`` and the dialplan goes on (or stops, after a hang-up).  The
bridge ends when its last member leaves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.channel import AST_STATE_UP, Channel

if TYPE_CHECKING:
    from sim.pbx import Pbx


def _find(pbx: Pbx, chan: Channel, prefix: str) -> Channel | None:
    wanted = prefix.lower()
    for other in pbx.channels.values():
        if other is not chan and not other.dead and other.name.lower().startswith(wanted):
            return other
    return None


async def app_bridgeadd(pbx: Pbx, chan: Channel, data: str) -> int:
    name = data.strip()
    target = _find(pbx, chan, name) if name else None
    bridge = target.bridge if target is not None else None
    if bridge is None or bridge.destroyed:
        chan.set_variable("BRIDGERESULT", "FAILURE")
        return 0
    if chan.state != AST_STATE_UP:
        await pbx.answer(chan)
    pbx.stop_moh(chan)
    bridge.enter(chan)
    while chan.bridge is bridge and not chan.hungup and chan.pending_goto is None:
        bridge.changed.clear()
        await bridge.changed.wait()
    if chan.bridge is bridge:
        pbx.leave_bridge(chan)
    if not bridge.channels and not bridge.destroyed:
        bridge.destroy()
    if chan.hungup:
        return -1
    chan.set_variable("BRIDGERESULT", "SUCCESS")
    return 0


APPS = {"BridgeAdd": app_bridgeadd}
