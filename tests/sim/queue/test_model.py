"""app_queue's model: container order, ring strategies, availability and the empty conditions."""

from __future__ import annotations

from typing import cast

from hypothesis import given
from hypothesis import strategies as st

from sim.channel import Channel
from sim.queue_config import EMPTY_INUSE, EMPTY_PAUSED, EMPTY_PENALTY, EMPTY_WRAPUP, QueueConfig
from sim.queues import (
    INUSE,
    INVALID,
    NOT_INUSE,
    Caller,
    Member,
    Queue,
    calc_metric,
    member_hash,
    state_device,
    store_next_rr,
    str_case_hash,
)


def _queue(strategy: str = "ringall", *names: str, **config: object) -> Queue:
    queue = Queue(QueueConfig("q", strategy=strategy, **config), 0)  # type: ignore[arg-type]
    for i, name in enumerate(names):
        queue.add(Member(f"Local/{name}@agents/n", name, f"Local/{name}@agents", seq=i))
    return queue


def _caller(**fields: object) -> Caller:
    return Caller(cast(Channel, None), 0.0, **fields)  # type: ignore[arg-type]


def _ring_order(queue: Queue, caller: Caller) -> list[str]:
    """The members in the order a single-member strategy rings them (lowest metric, then list order)."""
    calls: list[tuple[int, str]] = []
    for pos, member in enumerate(queue.members):
        metric = calc_metric(queue, member, pos, caller, random_value=0, now=1000)
        if metric is not None:
            calls.insert(0, (metric, member.name))
    return [name for _metric, name in sorted(calls, key=lambda c: c[0])]


def test_asterisk_hashes_order_queues_and_members() -> None:
    # QueueStatus lists lonely, support, sales: buckets 4, 18, 40 of 53
    assert [str_case_hash(n) % 53 for n in ("lonely", "support", "sales")] == [4, 18, 40]
    assert str_case_hash("Support") == str_case_hash("support")
    # the five characters from the "/": agent1 and agent2 share a bucket, so they keep their age order
    assert member_hash("Local/agent1@agents/n") == member_hash("Local/agent2@agents/n")
    queue = _queue("ringall", "b", "a")
    assert [m.name for m in queue.members] == sorted(
        ["a", "b"], key=lambda n: member_hash(f"Local/{n}@") % 37
    )
    assert state_device("Local/agent1@agents/n") == "Local/agent1@agents"
    assert state_device("PJSIP/1001") == "PJSIP/1001"


def test_linear_and_rrordered_keep_the_order_they_were_given() -> None:
    queue = _queue("linear", "b", "a", "c")
    assert [m.name for m in queue.members] == ["b", "a", "c"]
    queue.remove(queue.members[0])
    assert [(m.name, m.queuepos) for m in queue.members] == [("a", 0), ("c", 1)]


def test_ringall_rings_the_lowest_penalty_together() -> None:
    queue = _queue("ringall", "a", "b", "c")
    queue.members[0].penalty = 1
    caller = _caller()
    metrics = [calc_metric(queue, m, i, caller, random_value=0, now=0) for i, m in enumerate(queue.members)]
    assert sorted(m for m in metrics if m is not None) == [0, 0, 1_000_000]
    limited = _queue("ringall", "a", "b", penaltymemberslimit=5)  # few members: penalties ignored
    limited.members[0].penalty = 3
    assert {calc_metric(limited, m, 0, caller, random_value=0, now=0) for m in limited.members} == {0}


def test_rrmemory_goes_round_and_remembers_where() -> None:
    queue = _queue("rrmemory", "a", "b", "c")
    caller = _caller()
    served = []
    for _ in range(5):
        order = _ring_order(queue, caller)
        served.append(order[0])
        # the round ends with the next member (the best one not rung) remembered
        remaining = [m for m in queue.members if m.name != order[0]]
        best = min(
            (calc_metric(queue, m, 0, caller, random_value=0, now=0) or 0 for m in remaining), default=None
        )
        store_next_rr(queue, best)
    by_age = [m.name for m in sorted(queue.members, key=lambda m: m.queuepos)]
    assert served == [by_age[0], by_age[1], by_age[2], by_age[0], by_age[1]]


def test_fewestcalls_leastrecent_and_penalty_bounds() -> None:
    queue = _queue("fewestcalls", "a", "b")
    queue.member("Local/a@agents/n").calls = 3  # type: ignore[union-attr]
    assert _ring_order(queue, _caller())[0] == "b"
    recent = _queue("leastrecent", "a", "b")
    recent.member("Local/b@agents/n").lastcall = 990  # type: ignore[union-attr]
    assert _ring_order(recent, _caller())[0] == "a"  # never called first
    bounded = _queue("ringall", "a", "b")
    bounded.members[0].penalty, bounded.members[1].penalty = 2, 5
    assert len(_ring_order(bounded, _caller(max_penalty=3))) == 1
    assert len(_ring_order(bounded, _caller(min_penalty=3))) == 1


@given(st.integers(min_value=0, max_value=2**31 - 1), st.integers(min_value=0, max_value=9))
def test_random_strategies_stay_within_their_penalty_band(value: int, penalty: int) -> None:
    queue = _queue("random", "a", "b")
    queue.members[0].penalty = penalty
    metric = calc_metric(queue, queue.members[0], 0, _caller(), random_value=value, now=0)
    assert metric is not None and penalty * 1_000_000 <= metric < penalty * 1_000_000 + 1000
    weighted = _queue("wrandom", "a", "b")
    weighted.members[0].penalty = penalty
    metric = calc_metric(weighted, weighted.members[0], 0, _caller(), random_value=value, now=0)
    assert metric is not None and 0 <= metric < (1 + penalty) * 1000


def test_availability() -> None:
    queue = _queue("ringall", "a", "b", wrapuptime=10)
    a, b = queue.members
    a.status, a.ringinuse, b.status, b.ringinuse = INUSE, False, INUSE, True
    assert not queue.is_available(a, 0.0) and queue.is_available(b, 0.0)
    b.paused = True
    assert queue.available_count(0.0) == 0
    b.paused, b.lastcall_at = False, 5.0
    assert not queue.is_available(b, 12.0) and queue.is_available(b, 16.0)  # wrap-up
    b.status = INVALID
    assert not queue.is_available(b, 100.0)
    autofill = _queue("rrmemory", "a", "b", autofill=True)
    assert autofill.available_count(0.0) == 2 and _queue("ringall", "a", "b").available_count(0.0) == 1


def test_empty_conditions() -> None:
    queue = _queue("ringall", "a", "b", wrapuptime=10)
    a, b = queue.members
    caller = _caller(max_penalty=1)
    assert not queue.is_empty(EMPTY_PAUSED, caller, 0.0)
    a.paused = b.paused = True
    assert queue.is_empty(EMPTY_PAUSED, caller, 0.0) and not queue.is_empty(EMPTY_INUSE, caller, 0.0)
    a.paused, a.status, b.status = False, INUSE, NOT_INUSE
    assert queue.is_empty(EMPTY_INUSE | EMPTY_PAUSED, caller, 0.0)
    a.status, a.penalty = NOT_INUSE, 4
    assert queue.is_empty(EMPTY_PENALTY | EMPTY_PAUSED, caller, 0.0)
    a.penalty, a.lastcall_at = 0, 0.0
    assert queue.is_empty(EMPTY_WRAPUP | EMPTY_PAUSED, caller, 5.0)
