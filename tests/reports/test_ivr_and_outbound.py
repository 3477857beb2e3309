from reports.cube import ALL
from reports.dialling import build_outbound_cube
from reports.ivr_nodes import build_ivr_cube
from reports.kpis.ivr import ivr_report
from reports.kpis.outbound import outbound_report
from reports.periods import Period

from .dataset import PREFECTURES, calls, outbound_calls, ratio

MARCH_1 = Period.day(2024, 3, 1)


def test_where_callers_leave_the_ivr_per_node() -> None:
    report = ivr_report(build_ivr_cube(calls()), MARCH_1, "lanzhou")
    assert [r["node"] for r in report.records()] == [
        "bill",
        "bill_read",
        "complaint",
        "consult",
        "fault",
        "identify",
        "main",
        ALL,
    ]
    consult = report.row(node="consult")
    # L1 L2 L4 L7, and L8 after going back from the fault menu: each counted once
    assert (consult["visits"], consult["to_agent"], consult["exits"], consult["exit_share"]) == (
        5,
        5,
        5,
        5 / 8,
    )
    main = report.row(node="main")
    assert (main["visits"], main["hung_up"], main["hang_up_rate"], main["exit_share"]) == (8, 1, 1 / 8, 1 / 8)
    bill_read = report.row(node="bill_read")
    assert (bill_read["self_served"], bill_read["self_service_rate"]) == (1, 1.0)
    assert report.row(node="identify")["exits"] == 0
    total = report.row(node=ALL)
    # per call on the total row: 8 calls left the IVR, one of them served
    assert (total["visits"], total["exits"], total["self_service_rate"], total["hang_up_rate"]) == (
        25,
        8,
        1 / 8,
        1 / 8,
    )


def test_ivr_by_prefecture_is_per_call() -> None:
    report = ivr_report(build_ivr_cube(calls()), MARCH_1, by=("prefecture",), prefectures=PREFECTURES)
    assert report.row(prefecture="lanzhou")["self_service_rate"] == 1 / 8
    assert report.row(prefecture="tianshui")["self_service_rate"] == 0.0
    assert report.row(prefecture="jiuquan")["self_service_rate"] is None
    assert report.row(prefecture=ALL)["self_service_rate"] == 1 / 10
    assert report.row(prefecture="tianshui")["exit_share"] == 2 / 10


def test_outbound_by_campaign() -> None:
    report = outbound_report(build_outbound_cube(outbound_calls() + calls()), MARCH_1, "lanzhou")
    collection = report.row(campaign="collection")
    assert (collection["attempts"], collection["contacted"], collection["contact_rate"]) == (
        6,
        2,
        ratio(2, 6),
    )
    assert (
        collection["no_answer"],
        collection["busy"],
        collection["unreachable"],
        collection["dialer_abandoned"],
    ) == (
        1,
        1,
        1,
        1,
    )
    assert collection["abandon_rate"] == ratio(1, 3)  # one of the three customers who answered got no agent
    assert (collection["promises_to_pay"], collection["promise_rate"]) == (1, 1 / 2)
    assert collection["aht_s"] == 80.0  # 60 s talk + 20 s wrap-up
    callback = report.row(campaign="callback")
    assert (callback["attempts"], callback["contact_rate"], callback["promise_rate"]) == (1, 1.0, 0.0)
    total = report.row(campaign=ALL)
    assert (total["attempts"], total["contact_rate"], total["abandon_rate"], total["promise_rate"]) == (
        7,
        ratio(3, 7),
        1 / 4,
        ratio(1, 3),
    )


def test_outbound_by_agent_and_an_empty_prefecture() -> None:
    cube = build_outbound_cube(outbound_calls())
    by_agent = outbound_report(cube, MARCH_1, "lanzhou", by=("agent",))
    assert {r["agent"]: r["contacted"] for r in by_agent.records()} == {"": 0, "a1": 3, ALL: 3}
    jiuquan = outbound_report(cube, MARCH_1, "jiuquan", by=("prefecture",)).row(prefecture="jiuquan")
    assert (jiuquan["attempts"], jiuquan["contact_rate"], jiuquan["abandon_rate"], jiuquan["aht_s"]) == (
        0,
        None,
        None,
        None,
    )
