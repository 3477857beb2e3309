import pytest

from reports.agent_time import (
    AgentKey,
    AgentState,
    AgentStateSpan,
    build_agent_time_cube,
    state_contributions,
)
from reports.cube import ALL
from reports.intervals import build_call_cube
from reports.kpis.agents import agents_report
from reports.periods import Period
from reports.report import Report

from .dataset import PREFECTURES, at, calls, qa_scores, ratio, state_spans

MARCH_1 = Period.day(2024, 3, 1)


def report(scope: str = "lanzhou", by: tuple[str, ...] = ("prefecture", "agent")) -> Report:
    cube = build_call_cube(calls())
    agent_time = build_agent_time_cube(state_spans(), qa_scores())
    return agents_report(cube, agent_time, MARCH_1, scope, by=by, prefectures=PREFECTURES)


def test_state_time_is_split_at_interval_boundaries() -> None:
    span = AgentStateSpan(
        "a1", "lanzhou", AgentState.AVAILABLE, at("2024-03-01T09:10:20"), at("2024-03-01T09:40:00")
    )
    parts = {key.start: counters.available_ms for key, counters in state_contributions(span)}
    assert parts == {
        at("2024-03-01T09:00:00"): 280_000,
        at("2024-03-01T09:15:00"): 900_000,
        at("2024-03-01T09:30:00"): 600_000,
    }
    cube = build_agent_time_cube(state_spans())
    nine = cube[AgentKey(at("2024-03-01T09:00:00"), "lanzhou", "a1")]
    assert (nine.available_ms, nine.reserved_ms, nine.on_call_ms, nine.wrap_up_ms, nine.paused_ms) == (
        45_000 + 280_000,
        5_000,
        180_000,
        30_000,
        360_000,
    )
    assert cube[AgentKey(at("2024-03-01T08:45:00"), "lanzhou", "a1")].available_ms == 600_000


def test_agents_by_hand() -> None:
    rows = report()
    assert [(r["prefecture"], r["agent"]) for r in rows.records()] == [
        ("lanzhou", "a1"),
        ("lanzhou", "a2"),
        ("lanzhou", "s1"),
        ("lanzhou", ALL),
    ]
    a1 = rows.row(agent="a1")
    assert (a1["offers"], a1["handled"], a1["aht_s"]) == (3, 3, (210 + 450 + 120) / 3)
    assert (a1["talk_s"], a1["hold_s"], a1["wrap_s"]) == (150 + 420 + 120, 30.0, 60.0)
    # 30 minutes staffed: busy 5 + 180 + 30 s, available 645 + 580 s, paused 360 s
    assert a1["occupancy"] == ratio(215, 215 + 1225)
    assert a1["staffed_s"] == 1800.0
    assert (a1["available_ms"], a1["reserved_ms"], a1["on_call_ms"], a1["wrap_up_ms"], a1["paused_ms"]) == (
        1225.0,
        5.0,
        180.0,
        30.0,
        360.0,
    )
    assert (a1["transfers"], a1["escalations"]) == (1, 1)
    assert (a1["rated_satisfied"], a1["rating_satisfaction"]) == (1, 1.0)
    assert (a1["qa_scored"], a1["qa_average"]) == (2, 87.5)
    a2 = rows.row(agent="a2")
    # a2 rang on L8 without answering: an offer, not a handled call
    assert (a2["offers"], a2["handled"], a2["aht_s"], a2["rated_basically_satisfied"]) == (2, 1, 130.0, 1)
    assert (a2["occupancy"], a2["staffed_s"], a2["qa_average"]) == (None, 0.0, None)
    s1 = rows.row(agent="s1")
    # the midnight call's rating goes to the last agent who answered
    assert (s1["handled"], s1["aht_s"], s1["rated_unsatisfied"], s1["rating_satisfaction"]) == (
        1,
        360.0,
        1,
        0.0,
    )
    total = rows.row(agent=ALL)
    assert (total["offers"], total["handled"], total["aht_s"]) == (6, 5, 254.0)
    assert total["rating_satisfaction"] == ratio(2, 3)
    assert total["qa_average"] == ratio(90 + 85 + 70, 3, 4)


def test_agents_by_prefecture_include_the_one_without_calls() -> None:
    rows = report(ALL, ("prefecture",))
    assert [r["prefecture"] for r in rows.records()] == [*PREFECTURES, ALL]
    assert rows.row(prefecture="jiuquan")["handled"] == 0
    assert rows.row(prefecture="jiuquan")["aht_s"] is None
    assert rows.row(prefecture=ALL)["handled"] == 5 + 1


def test_agents_rows_cannot_be_by_skill() -> None:
    with pytest.raises(ValueError, match="agents report rows"):
        report(by=("skill",))
