"""The shipped catalogue and the checks of a catalogue file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from acd.model import Segment
from orders.catalogue import CatalogueError, Effective, Who, effective_on, load_catalogue, parse_catalogue
from storage.billing import Service
from storage.service_orders import OrderAction


def test_the_shipped_catalogue_covers_every_business_line() -> None:
    catalogue = load_catalogue()
    assert {item.business for item in catalogue.items.values()} == set(Service)
    for business in Service:
        items = catalogue.for_business(business)
        assert any(i.order is Who.IVR for i in items), f"{business}: nothing a caller can order alone"
    caller_id = catalogue.item("caller_id")
    assert caller_id is not None
    assert (caller_id.name_zh, caller_id.monthly_fen, caller_id.order) == ("来电显示", 500, Who.IVR)
    assert caller_id.rule(OrderAction.CANCEL) is Effective.NEXT_MONTH  # the month already paid
    speed_up = catalogue.item("broadband_speed_up")
    assert speed_up is not None and speed_up.order is Who.AGENT
    line_upgrade = catalogue.item("private_line_upgrade")
    assert line_upgrade is not None and not line_upgrade.open_to(Segment.NORMAL)
    assert line_upgrade.open_to(Segment.PRIVATE_LINE)
    assert len(catalogue.names()) == len(catalogue.items)


def test_who_may_do_what() -> None:
    assert Who.IVR.allows("ivr") and Who.IVR.allows("agent")
    assert not Who.AGENT.allows("ivr") and Who.AGENT.allows("agent")
    assert not Who.NONE.allows("agent")


@pytest.mark.parametrize(
    ("rule", "today", "expected"),
    [
        (Effective.IMMEDIATELY, date(2024, 6, 10), date(2024, 6, 10)),
        (Effective.NEXT_DAY, date(2024, 6, 30), date(2024, 7, 1)),
        (Effective.NEXT_MONTH, date(2024, 6, 10), date(2024, 7, 1)),
        (Effective.NEXT_MONTH, date(2024, 12, 31), date(2025, 1, 1)),
        (Effective.NEXT_MONTH, date(2024, 1, 31), date(2024, 2, 1)),
    ],
)
def test_effective_dates(rule: Effective, today: date, expected: date) -> None:
    assert effective_on(rule, today) == expected


BAD = [
    ({"lines": {}}, "the file holds one mapping"),
    ({"business_lines": {"telex": []}}, "telex: unknown business line"),
    ({"business_lines": {"mobile": {}}}, "mobile: must be a list"),
    ({"business_lines": {"mobile": [{"code": "X", "name": {"zh": "a", "en": "b"}, "order": "ivr",
                                     "cancel": "ivr", "effective": "immediately"}]}}, "code: lower-case"),
    ({"business_lines": {"mobile": [{"code": "x", "name": {"zh": "a"}, "order": "ivr", "cancel": "ivr",
                                     "effective": "immediately"}]}}, "name: needs zh and en"),
    ({"business_lines": {"mobile": [{"code": "x", "name": {"zh": "a", "en": "b"}, "order": "phone",
                                     "cancel": "ivr", "effective": "immediately"}]}},
     "order: 'phone' is not one of"),
    ({"business_lines": {"mobile": [{"code": "x", "name": {"zh": "a", "en": "b"}, "order": "ivr",
                                     "cancel": "ivr", "effective": "soon"}]}}, "effective: 'soon'"),
    ({"business_lines": {"mobile": [{"code": "x", "name": {"zh": "a", "en": "b"}, "order": "ivr",
                                     "cancel": "ivr", "effective": "immediately", "monthly_fen": -1}]}},
     "monthly_fen: a whole number"),
    ({"business_lines": {"mobile": [{"code": "x", "name": {"zh": "a", "en": "b"}, "order": "ivr",
                                     "cancel": "ivr", "effective": "immediately", "price": 1}]}},
     "price: unknown field"),
    ({"business_lines": {"mobile": [{"code": "x", "name": {"zh": "a", "en": "b"}, "order": "ivr",
                                     "cancel": "ivr", "effective": "immediately", "segments": ["gold"]}]}},
     "segments: a list of"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "message"), BAD)
def test_bad_catalogues_are_refused_naming_the_item(data: object, message: str) -> None:
    with pytest.raises(CatalogueError) as err:
        parse_catalogue(data, "c.yaml")
    assert message in str(err.value) and "c.yaml" in str(err.value)


def test_a_code_used_twice_and_all_problems_at_once(tmp_path: Path) -> None:
    item = {
        "code": "x",
        "name": {"zh": "a", "en": "b"},
        "order": "ivr",
        "cancel": "ivr",
        "effective": "immediately",
    }
    bad = {"code": "y", "name": {"zh": "a", "en": "b"}, "order": "x", "cancel": "y", "effective": "z"}
    with pytest.raises(CatalogueError) as err:
        parse_catalogue({"business_lines": {"mobile": [item, item, bad]}})
    assert len(err.value.problems) == 4  # x twice; y: order, cancel, effective
    f = tmp_path / "c.yaml"
    f.write_text("business_lines: [")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(f)
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "missing.yaml")
