"""Bridges: two or more channels whose audio is mixed (Asterisk's basic bridge)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from sim.events import Headers

if TYPE_CHECKING:
    from sim.channel import Channel
    from sim.pbx import Pbx


class Bridge:
    def __init__(self, pbx: Pbx, bridge_id: str, *, bridge_type: str = "basic") -> None:
        self.pbx = pbx
        self.id = bridge_id
        self.type = bridge_type
        self.technology = "simple_bridge"
        self.channels: list[Channel] = []
        self.destroyed = False
        self.changed = asyncio.Event()  # set when a member hangs up, is redirected or leaves

    def snapshot(self) -> Headers:
        return [
            ("BridgeUniqueid", self.id),
            ("BridgeType", self.type),
            ("BridgeTechnology", self.technology),
            ("BridgeCreator", "<unknown>"),
            ("BridgeName", "<unknown>"),
            ("BridgeNumChannels", str(len(self.channels))),
            ("BridgeVideoSourceMode", "none"),
        ]

    def publish_create(self) -> None:
        self.pbx.bus.publish("BridgeCreate", "call", self.snapshot())

    def enter(self, chan: Channel) -> None:
        if chan.bridge is not None and chan.bridge is not self:
            chan.bridge.leave(chan)
        self.channels.append(chan)
        chan.bridge = self
        chan.bridge_log.append([self.pbx.clock.now(), None])
        self.pbx.bus.publish("BridgeEnter", "call", [*self.snapshot(), *chan.snapshot()])

    def leave(self, chan: Channel) -> None:
        if chan not in self.channels:
            return
        self.channels.remove(chan)
        chan.bridge = None
        if chan.bridge_log and chan.bridge_log[-1][1] is None:
            chan.bridge_log[-1][1] = self.pbx.clock.now()
        self.changed.set()
        self.pbx.bus.publish("BridgeLeave", "call", [*self.snapshot(), *chan.snapshot()])

    def destroy(self) -> None:
        if self.destroyed:
            return
        self.destroyed = True
        self.pbx.bus.publish("BridgeDestroy", "call", self.snapshot())
        self.pbx.bridges.pop(self.id, None)

    def peers(self, chan: Channel) -> list[Channel]:
        return [c for c in self.channels if c is not chan]
