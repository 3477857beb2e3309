"""A started node's heap is out of the collector's sight, and its young generation larger."""

from __future__ import annotations

import gc

from node.heap import YOUNG_THRESHOLD, settle_heap


def test_settling_freezes_what_start_up_made_and_widens_the_young_generation() -> None:
    before = gc.get_threshold()
    try:
        settle_heap()
        assert gc.get_freeze_count() > 10_000  # the modules loaded: never walked again
        assert gc.get_threshold() == (YOUNG_THRESHOLD, before[1], before[2])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
