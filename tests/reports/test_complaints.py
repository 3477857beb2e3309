from dataclasses import replace

from reports.comparison import compared
from reports.cube import ALL
from reports.kpis.complaints import complaints_report
from reports.periods import Period
from reports.repeats import RepeatMatch, classify_repeat
from reports.report import Report
from reports.tickets import RepeatKind, TicketFact, build_ticket_cube

from .dataset import AS_OF, CUSTOMER_BASE, PREFECTURES, at, ratio, surveys, tickets

MARCH = Period.month(2024, 3)


def by_id() -> dict[str, TicketFact]:
    return {t.ticket_id: t for t in tickets()}


def fresh(ticket_id: str) -> TicketFact:
    """The ticket as it was when it came in, before it was classified."""
    return replace(by_id()[ticket_id], repeat_kind=None, repeat_of=None)


def earlier_than(ticket_id: str) -> list[TicketFact]:
    new = by_id()[ticket_id]
    return [t for t in tickets() if t.created_at < new.created_at]


def test_repeat_kind_one_not_answered_within_the_limit() -> None:
    # K3's limit passed at 09:00 on 3 March without a reply; c2 complains again at 15:00
    assert classify_repeat(fresh("K4"), earlier_than("K4")) == RepeatMatch(
        RepeatKind.NOT_ANSWERED_IN_TIME, "K3"
    )


def test_repeat_kind_two_unsatisfied_with_the_result() -> None:
    # K1 was answered in time on 1 March; c1 complains again about the same category on 5 March
    assert classify_repeat(fresh("K2"), earlier_than("K2")) == RepeatMatch(
        RepeatKind.UNSATISFIED_WITH_RESULT, "K1"
    )
    # outside the 30-day window it is a new complaint
    late = replace(
        fresh("K2"), created_at=at("2024-04-05T09:00:00"), due_at=None, replied_at=None, closed_at=None
    )
    assert classify_repeat(late, earlier_than("K2")) is None


def test_repeat_kind_three_same_type_caused_by_the_same_person() -> None:
    # K6 is another customer's, but the same category caused by the same agent as K5
    assert classify_repeat(fresh("K6"), earlier_than("K6")) == RepeatMatch(
        RepeatKind.SAME_PERSON_SAME_TYPE, "K5"
    )
    assert classify_repeat(replace(fresh("K6"), responsible="a9"), earlier_than("K6")) is None


def test_calling_again_inside_the_limit_is_a_chase_not_a_repeat() -> None:
    chase = TicketFact("K7", fresh("K2").kind, "lanzhou", "c1", "billing_dispute", at("2024-03-05T15:00:00"))
    assert classify_repeat(chase, [by_id()["K1"], fresh("K2")]) is None
    # a first complaint, another category, a suggestion: not repeats
    assert classify_repeat(fresh("K1"), []) is None
    assert classify_repeat(replace(fresh("K2"), category="other"), earlier_than("K2")) is None
    assert classify_repeat(by_id()["S1"], tickets()) is None


def test_when_the_limit_was_missed_kind_one_wins_over_kind_two() -> None:
    # replied after its limit, then the customer complains again: the limit was broken first
    k3_replied_late = by_id()["K3"]
    new = replace(fresh("K4"), created_at=at("2024-03-05T10:00:00"))
    assert classify_repeat(new, [k3_replied_late]) == RepeatMatch(RepeatKind.NOT_ANSWERED_IN_TIME, "K3")


def report(period: Period = MARCH, scope: str = ALL, by: tuple[str, ...] = ("prefecture",)) -> Report:
    cube = build_ticket_cube(tickets(), surveys(), AS_OF)
    return complaints_report(cube, period, scope, customer_base=CUSTOMER_BASE, by=by, prefectures=PREFECTURES)


def test_complaints_by_hand() -> None:
    lanzhou = report().row(prefecture="lanzhou")
    assert (lanzhou["complaints"], lanzhou["suggestions"], lanzhou["faults"]) == (6, 1, 1)  # K0 is February's
    # handled: K1, K2, K3, K5, K6, F1; K6 replied exactly at its limit is on time
    assert lanzhou["handled"] == 6
    assert (lanzhou["overdue"], lanzhou["overdue_unhandled"]) == (2, 1)  # K3 late, K4 never
    assert (lanzhou["repeats"], lanzhou["repeat_not_answered"], lanzhou["repeat_unsatisfied"]) == (3, 1, 1)
    assert lanzhou["repeat_same_person"] == 1
    assert lanzhou["escalated"] == 2
    # closed: K1 K2 K3 K5 K6; first time: K2, K5 (K1 and K3 repeated by their customer, K6 escalated)
    assert (lanzhou["complaints_closed"], lanzhou["resolved_first_time"]) == (5, 2)
    assert lanzhou["first_time_resolution"] == 2 / 5
    assert lanzhou["complaints_per_thousand"] == 6 / 2000 * 1000
    # March surveys: K1 满意, K2 基本满意, K5 不满意 (K6's is April's)
    assert lanzhou["satisfaction"] == ratio(2, 3)


def test_province_and_an_empty_prefecture() -> None:
    rows = report()
    jiuquan = rows.row(prefecture="jiuquan")
    assert (jiuquan["complaints"], jiuquan["complaints_per_thousand"], jiuquan["first_time_resolution"]) == (
        0,
        0.0,
        None,
    )
    assert jiuquan["satisfaction"] is None
    province = rows.row(prefecture=ALL)
    assert province["complaints"] == 7
    assert province["customers"] == 3500
    assert province["complaints_per_thousand"] == 7 / 3500 * 1000  # 2.0, not the mean of 3.0, 1.0 and 0.0
    assert province["first_time_resolution"] == 3 / 6
    assert province["satisfaction"] == 3 / 4


def test_per_thousand_needs_every_base_and_a_quarter_gives_a_monthly_average() -> None:
    cube = build_ticket_cube(tickets(), surveys(), AS_OF)
    partial = complaints_report(cube, MARCH, customer_base={"lanzhou": 2000}, prefectures=PREFECTURES)
    assert partial.row(prefecture="lanzhou")["complaints_per_thousand"] == 3.0
    assert partial.row(prefecture=ALL)["complaints_per_thousand"] is None
    q1 = report(period=Period.quarter(2024, 1)).row(prefecture=ALL)
    assert q1["complaints"] == 8  # K0 on leap day is in the quarter
    assert q1["complaints_per_thousand"] == ratio(8 * 1000, 3500, 4)  # 2.2857
    assert q1["complaints_per_thousand_monthly"] == ratio(8 * 1000, 3500 * 3, 4)  # 0.7619
    assert report(period=Period.week(2024, 9)).row(prefecture=ALL)["complaints_per_thousand_monthly"] is None


def test_escalations_by_channel_and_volume_by_category_and_severity() -> None:
    channels = report(by=("channel",))
    assert {r["channel"]: r["escalated"] for r in channels.records()} == {
        "": 0,
        "group": 1,
        "miit": 1,
        ALL: 2,
    }
    categories = report(scope="lanzhou", by=("category", "severity"))
    volume = {(r["category"], r["severity"]): (r["complaints"], r["faults"]) for r in categories.records()}
    assert volume == {
        ("", "ordinary"): (0, 0),
        ("billing_dispute", "ordinary"): (2, 0),
        ("network_quality", "serious"): (2, 0),
        ("no_signal", "ordinary"): (0, 1),
        ("service_attitude", "ordinary"): (2, 0),
        (ALL, ALL): (6, 1),
    }


def test_overdue_depends_on_when_one_looks() -> None:
    early = build_ticket_cube(tickets(), surveys(), at("2024-03-04T10:00:00"))
    row = complaints_report(early, MARCH, "lanzhou", by=()).row()
    # on 4 March 10:00: K3 past its limit and unanswered, K4 not yet due; K5, K6 not created
    assert (row["complaints"], row["overdue"], row["overdue_unhandled"]) == (3, 1, 1)


def test_month_on_month_and_year_on_year() -> None:
    cube = build_ticket_cube(tickets(), surveys(), AS_OF)

    def build(period: Period) -> Report:
        return complaints_report(cube, period, customer_base=CUSTOMER_BASE, prefectures=PREFECTURES)

    rows = compared(build, MARCH, ["complaints", "first_time_resolution"])
    lanzhou = rows.row(prefecture="lanzhou")
    assert (
        lanzhou["complaints_mom_base"],
        lanzhou["complaints_mom_change"],
        lanzhou["complaints_mom_pct"],
    ) == (1, 5, 5.0)
    assert (
        lanzhou["complaints_yoy_base"],
        lanzhou["complaints_yoy_change"],
        lanzhou["complaints_yoy_pct"],
    ) == (0, 6, None)
    assert lanzhou["first_time_resolution_mom_base"] is None  # nothing closed in February
    assert rows.row(prefecture=ALL)["complaints_mom_pct"] == 6.0
    titles = [c.title for c in rows.columns]
    assert "投诉量环比" in titles and "去年同期投诉量" in titles and "一次性解决率同比增减(百分点)" in titles
