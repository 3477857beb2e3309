"""AMI ``Bridge``: put two existing channels into a new bridge.

As Asterisk's ``action_bridge`` does, each channel leaves what it was doing (its
application is interrupted, or it leaves its old bridge) and, when the new bridge ends,
a channel that was running the dialplan carries on at its next priority; one that was not
(e.g. the called party of a ``Dial``) is hung up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.bridge import Bridge
from sim.channel import Channel

if TYPE_CHECKING:
    from sim.pbx import Pbx


def bridge_two(pbx: Pbx, a: Channel, b: Channel) -> Bridge:
    bridge = pbx.new_bridge()
    for chan in (a, b):
        pbx.stop_moh(chan)
        if chan.driven:
            chan.pending_bridge = bridge
            chan.notify_change()
            chan._kick()
        else:
            if chan.bridge is not None:
                pbx.leave_bridge(chan)
            chan.pending_bridge = bridge  # on its way: a Dial it leaves must not hang it up
            pbx.spawn(participate(pbx, chan, bridge), name=f"bridge {chan.name}")
    pbx.spawn(_drive(pbx, bridge), name=f"bridge {bridge.id}")
    return bridge


async def participate(pbx: Pbx, chan: Channel, bridge: Bridge) -> None:
    """Stay in ``bridge`` until the channel leaves it, hangs up or is redirected."""
    if chan.pending_bridge is bridge:
        chan.pending_bridge = None
    if bridge.destroyed:
        return
    if chan.bridge is not bridge:
        bridge.enter(chan)
        pbx.set_bridgepeers(bridge)
        if len(bridge.channels) == 2:
            pbx.notify_bridged(bridge)
    while chan.bridge is bridge and not chan.hungup and chan.pending_goto is None:
        bridge.changed.clear()
        await bridge.changed.wait()
    if chan.bridge is bridge:
        pbx.leave_bridge(chan)
    if not bridge.channels and not bridge.destroyed:
        bridge.destroy()  # the last one out
    if not chan.driven and not chan.dead and chan.pending_goto is None:
        if chan.hangupcause == 0:
            chan.hangupcause = 16
        await pbx.hangup(chan)


async def _drive(pbx: Pbx, bridge: Bridge) -> None:
    """End the bridge once fewer than two parties remain (after both have joined)."""
    joined = False
    while not bridge.destroyed:
        if len(bridge.channels) == 2:
            joined = True
        if joined and len(bridge.channels) < 2:
            for chan in list(bridge.channels):
                pbx.leave_bridge(chan)
            bridge.destroy()
            return
        bridge.changed.clear()
        await bridge.changed.wait()
