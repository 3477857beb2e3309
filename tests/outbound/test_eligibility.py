from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from outbound.calendar import SHANGHAI
from outbound.campaign import Campaign, CampaignKind, CampaignState
from outbound.contact import Contact, ContactStatus
from outbound.dnc import DoNotCallList
from outbound.eligibility import Refusal, called_on, refusal
from outbound.pacing import AutomatedPacing

AT = datetime(2025, 10, 9, 10, 0, tzinfo=SHANGHAI)  # a Thursday working day, in the window
CAMPAIGN = Campaign(
    "arrears-10",
    "欠费催缴 October",
    CampaignKind.ARREARS_REMINDER,
    AutomatedPacing(20),
    state=CampaignState.RUNNING,
)
CONTACT = Contact("13812345678", "王五", "湘潭", "ACC-1001")
NO_DNC = DoNotCallList()


def test_an_eligible_attempt() -> None:
    assert refusal(CAMPAIGN, CONTACT, AT, NO_DNC, [date(2025, 10, 8)]) is None


@pytest.mark.parametrize("state", [CampaignState.DRAFT, CampaignState.PAUSED, CampaignState.FINISHED])
def test_a_campaign_that_is_not_running_dials_nothing(state: CampaignState) -> None:
    assert refusal(replace(CAMPAIGN, state=state), CONTACT, AT, NO_DNC, []) is Refusal.CAMPAIGN_NOT_RUNNING


def test_not_due() -> None:
    later = replace(CONTACT, next_attempt_at=datetime(2025, 10, 9, 10, 1, tzinfo=SHANGHAI))
    assert refusal(CAMPAIGN, later, AT, NO_DNC, []) is Refusal.NOT_DUE
    done = replace(CONTACT, status=ContactStatus.COMPLETED)
    assert refusal(CAMPAIGN, done, AT, NO_DNC, []) is Refusal.NOT_DUE


def test_do_not_call_is_checked_before_every_attempt() -> None:
    dnc = DoNotCallList.of(["+86 138 1234 5678"])
    assert refusal(CAMPAIGN, CONTACT, AT, dnc, []) is Refusal.DO_NOT_CALL


@pytest.mark.parametrize(
    "at",
    [
        datetime(2025, 10, 9, 12, 0, tzinfo=SHANGHAI),  # window edge
        datetime(2025, 10, 1, 10, 0, tzinfo=SHANGHAI),  # National Day
        datetime(2025, 10, 12, 10, 0, tzinfo=SHANGHAI),  # ordinary Sunday
    ],
)
def test_outside_calling_hours(at: datetime) -> None:
    assert refusal(CAMPAIGN, CONTACT, at, NO_DNC, []) is Refusal.OUTSIDE_CALLING_HOURS


def test_a_makeup_saturday_is_a_calling_day() -> None:
    assert refusal(CAMPAIGN, CONTACT, datetime(2025, 10, 11, 10, 0, tzinfo=SHANGHAI), NO_DNC, []) is None


def test_once_a_day_across_campaigns() -> None:
    # another campaign called the number earlier today (dates are local dates)
    assert (
        refusal(CAMPAIGN, CONTACT, AT, NO_DNC, [date(2025, 10, 3), date(2025, 10, 9)]) is Refusal.CALLED_TODAY
    )
    # the next local day is a new day
    after_midnight = datetime(2025, 10, 10, 9, 30, tzinfo=SHANGHAI)
    assert refusal(CAMPAIGN, CONTACT, after_midnight, NO_DNC, [date(2025, 10, 9)]) is None


def test_called_on() -> None:
    assert called_on(iter([date(2025, 10, 9)]), date(2025, 10, 9))
    assert not called_on([], date(2025, 10, 9))
