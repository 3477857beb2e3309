"""Dialplan applications the simulator runs, registered by (case-insensitive) name."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.pbx import Pbx


def register_all(pbx: Pbx) -> None:
    from sim.apps import agi, basic, bridgeadd, chanspy, dial, media, mixmonitor, queue

    for module in (basic, media, dial, mixmonitor, chanspy, agi, queue, bridgeadd):
        for name, func in module.APPS.items():
            pbx.apps[name.lower()] = func
