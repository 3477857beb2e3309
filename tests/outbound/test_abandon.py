from __future__ import annotations

from datetime import date, timedelta

import pytest

from outbound.abandon import ABANDON_CAP, CONNECT_WITHIN_S, WINDOW_DAYS, AbandonLedger, DayCount, is_abandoned
from outbound.errors import ModelError


def test_the_rules_figures() -> None:
    assert (ABANDON_CAP, CONNECT_WITHIN_S, WINDOW_DAYS) == (0.03, 2.0, 30)


@pytest.mark.parametrize(
    ("connected_at", "abandoned"),
    [(100.0, False), (101.999, False), (102.0, False), (102.001, True), (None, True)],
)
def test_an_agent_within_two_seconds(connected_at: float | None, abandoned: bool) -> None:
    assert is_abandoned(100.0, connected_at) is abandoned


def test_an_agent_cannot_be_connected_before_the_answer() -> None:
    with pytest.raises(ModelError):
        is_abandoned(100.0, 99.0)


def test_thirty_days_including_today() -> None:
    today = date(2025, 10, 31)
    ledger = AbandonLedger()
    ledger = ledger.record(today - timedelta(days=30), abandoned=True)  # 1 October: out of the window
    ledger = ledger.record(today - timedelta(days=29), abandoned=True)  # 2 October: in
    for _ in range(49):
        ledger = ledger.record(today, abandoned=False)
    assert ledger.window(today) == DayCount(live_answered=50, abandoned=1)
    assert ledger.rate(today) == pytest.approx(0.02)
    assert ledger.window(today - timedelta(days=1)) == DayCount(2, 2)
    assert set(ledger.pruned(today).days) == {date(2025, 10, 2), today}


def test_no_answer_no_rate() -> None:
    assert AbandonLedger().rate(date(2025, 10, 31)) == 0.0


def test_records_do_not_change_the_original() -> None:
    empty = AbandonLedger()
    empty.record(date(2025, 10, 31), abandoned=True)
    assert empty.window(date(2025, 10, 31)) == DayCount()


@pytest.mark.parametrize(("answered", "abandoned"), [(-1, 0), (0, -1), (1, 2)])
def test_bad_counts(answered: int, abandoned: int) -> None:
    with pytest.raises(ModelError):
        DayCount(answered, abandoned)
