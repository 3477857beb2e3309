from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.errors import RulesError
from acd.model import Segment
from acd.priority import HEAD_EPSILON_S, PriorityPolicy, requeue_score

POLICY = PriorityPolicy({Segment.NORMAL: 0.0, Segment.VIP: 300.0, Segment.PRIVATE_LINE: 300.0})


def test_vip_and_private_line_go_first_then_wait_time() -> None:
    normal = POLICY.score(Segment.NORMAL, 1000.0)
    vip_later = POLICY.score(Segment.VIP, 1100.0)
    assert vip_later < normal
    assert POLICY.score(Segment.NORMAL, 999.0) < normal  # among equals: who waited longer


def test_priority_rises_with_wait_at_the_same_rate_for_all() -> None:
    assert POLICY.priority(Segment.NORMAL, 0.0, 400.0) > POLICY.priority(Segment.VIP, 350.0, 400.0)


arrivals = st.lists(
    st.tuples(st.sampled_from(list(Segment)), st.floats(min_value=0, max_value=5000, allow_nan=False)),
    min_size=1,
    max_size=60,
)


@given(own=st.floats(min_value=0, max_value=5000, allow_nan=False), others=arrivals)
def test_starvation_bound(own: float, others: list[tuple[Segment, float]]) -> None:
    """An ordinary call is never overtaken by a call arriving more than the bound after it."""
    bound = POLICY.starvation_bound_s(Segment.NORMAL)
    assert bound == 300.0
    mine = POLICY.score(Segment.NORMAL, own)
    for segment, at in others:
        if at > own + bound:
            assert POLICY.score(segment, at) > mine


def test_requeue_goes_to_the_head_unless_already_ahead() -> None:
    assert requeue_score(50.0, 10.0) == 10.0 - HEAD_EPSILON_S
    assert requeue_score(5.0, 10.0) == 5.0
    assert requeue_score(50.0, None) == 50.0


def test_negative_head_start_is_refused() -> None:
    with pytest.raises(RulesError, match="'vip' is negative"):
        PriorityPolicy({Segment.NORMAL: 0.0, Segment.VIP: -1.0, Segment.PRIVATE_LINE: 0.0})
