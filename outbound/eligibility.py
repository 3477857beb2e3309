"""The checks made before every attempt: may this campaign dial this contact now?

:func:`refusal` returns ``None`` when the attempt may go ahead, else the first reason found, in
this order: the campaign is not running; the contact is not waiting for an attempt or its next
attempt time has not come; the number is on the do-not-call list (the dialer then records
:attr:`~outbound.outcomes.Outcome.DNC_BLOCKED`, which ends the contact); the campaign's calling
schedule is closed; the number was already called today.

**Once a day, across all campaigns.**  ``call_dates`` are the local dates (in the campaign's time
zone) of every earlier attempt on the same normalized number, in any campaign, whose phone may
have rung (:attr:`~outbound.outcomes.Outcome.may_have_rung`: a network failure or an invalid
number does not count).  Storage provides them; the rule is here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime

from outbound.campaign import Campaign
from outbound.contact import Contact
from outbound.dnc import DoNotCallList

__all__ = ["Refusal", "called_on", "refusal"]


class Refusal(enum.StrEnum):
    CAMPAIGN_NOT_RUNNING = "campaign_not_running"
    NOT_DUE = "not_due"
    DO_NOT_CALL = "do_not_call"
    OUTSIDE_CALLING_HOURS = "outside_calling_hours"
    CALLED_TODAY = "called_today"


def called_on(call_dates: Iterable[date], day: date) -> bool:
    """Whether the number was already called on local date ``day``."""
    return any(d == day for d in call_dates)


def refusal(
    campaign: Campaign,
    contact: Contact,
    at: datetime,
    dnc: DoNotCallList,
    call_dates: Iterable[date],
) -> Refusal | None:
    """Why ``campaign`` may not dial ``contact`` at ``at``, or ``None`` if it may."""
    if not campaign.dials:
        return Refusal.CAMPAIGN_NOT_RUNNING
    if not contact.due(at):
        return Refusal.NOT_DUE
    if dnc.blocks(contact.number):
        return Refusal.DO_NOT_CALL
    if not campaign.schedule.may_call(at):
        return Refusal.OUTSIDE_CALLING_HOURS
    if called_on(call_dates, campaign.schedule.local_date(at)):
        return Refusal.CALLED_TODAY
    return None
