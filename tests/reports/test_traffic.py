import pytest

from reports.cube import ALL, roll_up
from reports.intervals import CallCounters, CallKey, build_call_cube
from reports.kpis.traffic import service_level, traffic_report
from reports.periods import Grain, Period

from .dataset import PREFECTURES, calls, ratio

MARCH_1 = Period.day(2024, 3, 1)


CallCube = dict[CallKey, CallCounters]


@pytest.fixture
def cube() -> CallCube:
    return build_call_cube(calls())


def test_lanzhou_by_hand(cube: CallCube) -> None:
    row = traffic_report(cube, MARCH_1, prefectures=PREFECTURES).row(prefecture="lanzhou")
    assert row["offered"] == 8
    assert (row["self_served"], row["abandoned_ivr"], row["queued"]) == (1, 1, 6)
    assert (row["answered"], row["abandoned_queue"], row["short_abandons"]) == (4, 2, 1)
    # L1 and L8 waited exactly 20 s (within), L7 10 s (within), L2 20.5 s (not); L3 is a short abandon
    assert row["service_level"] == 3 / (6 - 1)
    assert row["answer_rate"] == ratio(4, 6)
    assert row["abandon_rate"] == ratio(2, 6)
    assert row["asa_s"] == (20 + 20.5 + 10 + 20) / 4
    # handled legs: L1 a1 210 s, L2 a2 130 s, L7 a1 450 s, L7 s1 360 s, L8 a1 120 s
    assert row["aht_s"] == (210 + 130 + 450 + 360 + 120) / 5
    assert row["longest_wait_s"] == 60.0
    assert row["self_service_rate"] == 1 / 8  # 0.125 exactly


def test_tianshui_and_a_prefecture_with_no_calls(cube: CallCube) -> None:
    report = traffic_report(cube, MARCH_1, prefectures=PREFECTURES)
    tianshui = report.row(prefecture="tianshui")
    # T2 left after exactly 5 s: an abandon, not a short one
    assert (
        tianshui["offered"],
        tianshui["answered"],
        tianshui["abandoned_queue"],
        tianshui["short_abandons"],
    ) == (
        2,
        1,
        1,
        0,
    )
    assert tianshui["service_level"] == 1 / 2
    assert (tianshui["asa_s"], tianshui["aht_s"], tianshui["longest_wait_s"]) == (5.0, 330.0, 5.0)
    jiuquan = report.row(prefecture="jiuquan")
    assert jiuquan["offered"] == 0 and jiuquan["longest_wait_s"] == 0.0
    for rate in ("service_level", "answer_rate", "abandon_rate", "asa_s", "aht_s", "self_service_rate"):
        assert jiuquan[rate] is None


def test_the_province_is_the_sum_of_its_prefectures_with_rates_recomputed(cube: CallCube) -> None:
    report = traffic_report(cube, MARCH_1, prefectures=PREFECTURES)
    assert [r["prefecture"] for r in report.records()] == [*PREFECTURES, ALL]
    province = report.row(prefecture=ALL)
    prefectures = [report.row(prefecture=p) for p in PREFECTURES]
    for count in (
        "offered",
        "self_served",
        "abandoned_ivr",
        "queued",
        "answered",
        "abandoned_queue",
        "short_abandons",
    ):
        assert province[count] == sum(int(r[count] or 0) for r in prefectures)
    assert province["service_level"] == ratio(4, 7)  # not the mean of 0.6 and 0.5
    assert province["asa_s"] == (70.5 + 5) / 5
    assert province["aht_s"] == ratio(1270 + 330, 6, 3)
    assert province["longest_wait_s"] == 60.0


def test_the_threshold_is_configurable_and_inclusive(cube: CallCube) -> None:
    lanzhou = roll_up(cube, Grain.DAY, drop=("skill", "agent"), where=lambda k: k.prefecture == "lanzhou")
    [counters] = lanzhou.values()
    assert service_level(counters, 20) == 3 / 5
    assert service_level(counters, 30) == 4 / 5  # L2's 20.5 s now counts
    assert service_level(counters, 10) == 1 / 5  # L7's exactly 10 s
    report = traffic_report(cube, MARCH_1, "lanzhou", by=(), service_level_s=30)
    assert report.rows[-1][[c.key for c in report.columns].index("service_level")] == 4 / 5
    assert "服务水平(30秒)" in [c.title for c in report.columns]
    with pytest.raises(ValueError, match="not one of"):
        service_level(counters, 25)


def test_per_hour_rows_include_empty_hours_and_the_midnight_call_stays_on_its_day(cube: CallCube) -> None:
    report = traffic_report(cube, MARCH_1, "lanzhou", by=("interval",), grain=Grain.HOUR)
    assert len(report.rows) == 24 + 1
    assert report.row(interval="2024-03-01T09:00")["offered"] == 6
    assert report.row(interval="2024-03-01T23:00")["answered"] == 1
    assert report.row(interval="2024-03-01T03:00")["offered"] == 0
    assert report.rows[-1][:2] == (ALL, 8)
    next_day = traffic_report(cube, Period.day(2024, 3, 2), "lanzhou", by=())
    assert next_day.row()["offered"] == 0


def test_per_quarter_hour_and_per_skill(cube: CallCube) -> None:
    quarter_hours = traffic_report(cube, MARCH_1, "lanzhou", by=("interval",), grain=Grain.QUARTER_HOUR)
    assert len(quarter_hours.rows) == 96 + 1
    assert quarter_hours.row(interval="2024-03-01T09:00")["offered"] == 3  # L1, L2, L3
    by_skill = traffic_report(cube, MARCH_1, "lanzhou", by=("skill",))
    assert [r["skill"] for r in by_skill.records()] == ["", "complaint", "consult", "senior", ALL]
    senior = by_skill.row(skill="senior")
    # the escalated leg: handled by the senior skill, but the call was offered to consult
    assert (senior["offered"], senior["aht_s"]) == (0, 360.0)
    assert by_skill.row(skill="consult")["offered"] == 5  # L1, L2, L4, L7, L8


def test_a_month_report_holds_the_days_across_its_end(cube: CallCube) -> None:
    # tianshui's T2 arrived at 2024-02-29T23:59:59Z: that is 1 March locally, so March, not February
    feb = traffic_report(cube, Period.month(2024, 2), "tianshui", by=())
    march = traffic_report(cube, Period.month(2024, 3), "tianshui", by=())
    assert (feb.row()["offered"], march.row()["offered"]) == (0, 2)
    week = traffic_report(cube, Period.week(2024, 9), by=("interval",), grain=Grain.DAY)  # 26 Feb – 3 Mar
    assert [r["interval"] for r in week.records()][:7] == [f"2024-02-{d}" for d in (26, 27, 28, 29)] + [
        "2024-03-01",
        "2024-03-02",
        "2024-03-03",
    ]
    assert week.row(interval="2024-03-01")["offered"] == 10
    assert week.row(interval="2024-02-29")["offered"] == 0


def test_a_one_prefecture_report_by_prefecture_is_its_own_total(cube: CallCube) -> None:
    report = traffic_report(cube, MARCH_1, "lanzhou", prefectures=PREFECTURES)
    assert [r["prefecture"] for r in report.records()] == ["lanzhou"]
    assert report.row()["offered"] == 8
    empty = traffic_report(cube, MARCH_1, "jiuquan", by=("prefecture", "skill"))
    assert [(r["prefecture"], r["skill"], r["offered"]) for r in empty.records()] == [("jiuquan", ALL, 0)]
