from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from qa.disputes import DisputeEvent, DisputePolicy, ScoreStatus, transition
from qa.rollups import Level, Rollup, province_rollup, roll_up
from qa.scoring import Answer, Outcome

from .support import T0, call, score

OUT = Outcome
POLICY = DisputePolicy()


def statuses() -> list[ScoreStatus]:
    a1, a2, b1 = (
        call("a1", "lz-a", "lanzhou", "c1"),
        call("a2", "lz-a", "lanzhou", "c2"),
        call("b1", "ts-a", "tianshui", "c3"),
    )
    red = {"no-abuse": Answer("no-abuse", OUT.MISSED, remark="shouted")}
    s1 = ScoreStatus.scored(score("s1", scored_call=a1, overrides={"greeting": OUT.MISSED}))  # 95.0
    s2 = ScoreStatus.scored(score("s2", scored_call=a1, overrides=red))  # 0.0, disputed and revised to 90.0
    s2 = transition(s2, DisputeEvent.DISPUTE, T0, POLICY, actor="a1", text="I did not")
    revised = score(
        "s2r", scored_call=a1, scorer="sup", overrides={"farewell": OUT.MISSED, "next-step": OUT.MISSED}
    )
    s2 = transition(s2, DisputeEvent.REVISE, T0, POLICY, actor="sup", text="ok", revised=revised)
    s3 = ScoreStatus.scored(score("s3", scored_call=a2, overrides=red))  # 0.0, dispute pending
    s3 = transition(s3, DisputeEvent.DISPUTE, T0 + timedelta(hours=1), POLICY, actor="a2", text="no")
    s4 = ScoreStatus.scored(
        score("s4", scored_call=b1, overrides={"courtesy": Answer("courtesy", OUT.PARTLY, 2)})
    )  # 97.0
    return [s1, s2, s3, s4]


def test_per_agent_counts_the_effective_score() -> None:
    assert roll_up(statuses(), Level.AGENT) == (
        Rollup("a1", 2, Decimal("92.5"), Decimal("90.0"), Decimal("95.0"), 0, 1, 0, 0, 1),
        Rollup("a2", 1, Decimal("0.0"), Decimal("0.0"), Decimal("0.0"), 1, 1, 1, 0, 0),
        Rollup("b1", 1, Decimal("97.0"), Decimal("97.0"), Decimal("97.0"), 0, 0, 0, 0, 0),
    )


def test_per_team_prefecture_and_province() -> None:
    team = roll_up(statuses(), Level.TEAM)
    assert [(r.key, r.scores, r.mean, r.critical_failures) for r in team] == [
        ("lz-a", 3, Decimal("61.7"), 1),  # (95 + 90 + 0) / 3 = 61.666…
        ("ts-a", 1, Decimal("97.0"), 0),
    ]
    prefectures = roll_up(statuses(), Level.PREFECTURE)
    assert [(r.key, r.scores, r.disputed, r.pending, r.revised) for r in prefectures] == [
        ("lanzhou", 3, 2, 1, 1),
        ("tianshui", 1, 0, 0, 0),
    ]
    assert province_rollup(statuses()) == Rollup(
        "province", 4, Decimal("70.5"), Decimal("0.0"), Decimal("97.0"), 1, 2, 1, 0, 1
    )  # (95 + 90 + 0 + 97) / 4 = 70.5


def test_nothing_to_roll_up() -> None:
    assert roll_up([], Level.AGENT) == ()
    assert province_rollup([]) == Rollup("province", 0, None, None, None, 0, 0, 0, 0, 0)
