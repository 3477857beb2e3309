"""The outcome of one attempt, and how we read it from what Asterisk reports.

An attempt is an ``Originate`` with ``Async: true`` and our own ``ChannelId``.  Asterisk then
sends, in no fixed order (both orders were seen on Asterisk 22.10.1):

* ``OriginateResponse`` — ``Response: Success|Failure`` and ``Reason``, the last control frame
  the dialled channel gave (Asterisk's ``AST_CONTROL_*`` numbers);
* ``Hangup`` of the originated channel (``Uniqueid`` = our ``ChannelId``) with the Q.850
  ``Cause``;
* ``DialEnd`` with ``DialStatus`` when the call ended while alerting, not after a ring timeout.

Seen on the real Asterisk 22.10.1, originating ``Local/<exten>@callee`` with ``Timeout: 4000``
(captures in ``tests/outbound/data/``):

============================  ========  ======  ===========  =====================================
callee dialplan               Response  Reason  DialStatus   Hangup Cause (``;1`` leg / ``;2`` leg)
============================  ========  ======  ===========  =====================================
``Answer()``                  Success   4       ANSWER       16 / 16 (after the script)
``Busy(5)``                   Failure   5       BUSY         0 / 17 User busy
``Congestion(5)``             Failure   8       CONGESTION   0 / 34 Circuit/channel congestion
``Ringing()``, ``Wait(30)``   Failure   3       (none)       19 / 19 User alerting, no answer
``Wait(30)`` (no ringing)     Failure   3       (none)       19 / 19
``Hangup(21)``                Failure   0       NOANSWER     21 / 21 Call Rejected
``Hangup(1)``                 Failure   0       NOANSWER     1 / 1 Unallocated number
``Hangup()`` before answer    Failure   0       NOANSWER     16 / 16 Normal Clearing
``Ringing()``, ``Hangup(17)`` Failure   0       BUSY         17 / 17 User busy
no such extension             Failure   0       (no dial)    0 / 0 Unknown
============================  ========  ======  ===========  =====================================

So ``Reason`` 4/5/8/3 are decisive; ``Reason 0`` ("failed") covers everything else and only the
hang-up cause tells an invalid number from a rejection.  ``Reason 1`` (hang-up) is documented but
was never produced by these cases; it is read through the cause like 0.  With a ``Local`` channel
the cause of busy and congestion is only on the ``;2`` leg, which is why ``Reason`` comes first.
An answered call's outcome (completed, hung up in the script, abandoned) is not Asterisk's to
tell: :func:`answered_outcome`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from outbound.errors import ModelError

__all__ = [
    "ANSWERED_REASON",
    "OriginateReport",
    "Outcome",
    "answered_outcome",
    "unanswered_outcome",
]


class Outcome(enum.StrEnum):
    COMPLETED = "completed"  # answered and the script (or the agent's conversation) ran to its end
    HUNG_UP_IN_SCRIPT = "hung_up_in_script"  # answered, hung up before the script ended
    ABANDONED = "abandoned"  # answered, no agent within 2 s: heard the recorded message
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"  # the network or our side failed: congestion, no route, channel error
    INVALID_NUMBER = "invalid_number"  # unallocated, changed or malformed number
    DNC_BLOCKED = "dnc_blocked"  # not dialled: the number is on the do-not-call list

    @property
    def answered(self) -> bool:
        return self in _ANSWERED

    @property
    def dialled(self) -> bool:
        """Whether an Originate was sent (everything but a do-not-call refusal)."""
        return self is not Outcome.DNC_BLOCKED

    @property
    def may_have_rung(self) -> bool:
        """Whether the callee's phone may have alerted: such attempts count toward once-a-day.

        A network failure (congestion) or an unallocated number never reached a phone.
        """
        return self not in (Outcome.FAILED, Outcome.INVALID_NUMBER, Outcome.DNC_BLOCKED)


_ANSWERED = frozenset({Outcome.COMPLETED, Outcome.HUNG_UP_IN_SCRIPT, Outcome.ABANDONED})

ANSWERED_REASON = 4
_REASONS = {5: Outcome.BUSY, 8: Outcome.FAILED, 3: Outcome.NO_ANSWER}
# Q.850 causes of an unanswered call (Reason 0 or 1).
_CAUSES = {
    1: Outcome.INVALID_NUMBER,  # unallocated (unassigned) number
    3: Outcome.INVALID_NUMBER,  # no route to destination
    22: Outcome.INVALID_NUMBER,  # number changed
    28: Outcome.INVALID_NUMBER,  # invalid number format
    17: Outcome.BUSY,  # user busy
    21: Outcome.BUSY,  # call rejected: the callee declined, try again later like busy
    16: Outcome.NO_ANSWER,  # normal clearing before answer: the callee's side gave up
    18: Outcome.NO_ANSWER,  # no user responding
    19: Outcome.NO_ANSWER,  # user alerting, no answer
    20: Outcome.NO_ANSWER,  # subscriber absent (mobile switched off)
}
_DIAL_STATUSES = {
    "BUSY": Outcome.BUSY,
    "NOANSWER": Outcome.NO_ANSWER,
    "CONGESTION": Outcome.FAILED,
    "CHANUNAVAIL": Outcome.FAILED,
}


@dataclass(frozen=True, slots=True)
class OriginateReport:
    """What Asterisk said about one attempt, gathered by the dialer from three events."""

    succeeded: bool  # OriginateResponse Response: Success
    reason: int  # OriginateResponse Reason
    hangup_cause: int | None = None  # Hangup Cause of the channel with our ChannelId
    dial_status: str | None = None  # DialEnd DialStatus, when one came

    @classmethod
    def from_events(
        cls,
        originate_response: Mapping[str, str],
        hangup: Mapping[str, str] | None = None,
        dial_end: Mapping[str, str] | None = None,
    ) -> OriginateReport:
        """Build from the events' header fields (as the AMI parser gives them)."""
        _expect(originate_response, "OriginateResponse")
        response = originate_response.get("Response", "")
        if response not in ("Success", "Failure"):
            raise ModelError(f"OriginateResponse with Response {response!r}")
        cause = None
        if hangup is not None:
            _expect(hangup, "Hangup")
            cause = _integer(hangup, "Cause")
        status = None
        if dial_end is not None:
            _expect(dial_end, "DialEnd")
            status = dial_end.get("DialStatus") or None
        return cls(response == "Success", _integer(originate_response, "Reason"), cause, status)

    @property
    def answered(self) -> bool:
        return self.succeeded and self.reason == ANSWERED_REASON


def unanswered_outcome(report: OriginateReport) -> Outcome | None:
    """The outcome of an attempt that was not answered; ``None`` when it was answered.

    Order: the ``Reason`` when decisive (5 busy, 8 congestion, 3 ring timeout); else the hang-up
    cause; else the ``DialStatus``; else :attr:`Outcome.FAILED`.
    """
    if report.answered:
        return None
    by_reason = _REASONS.get(report.reason)
    if by_reason is not None:
        return by_reason
    if report.hangup_cause is not None and report.hangup_cause in _CAUSES:
        return _CAUSES[report.hangup_cause]
    if report.dial_status is not None and report.dial_status in _DIAL_STATUSES:
        return _DIAL_STATUSES[report.dial_status]
    return Outcome.FAILED


def answered_outcome(*, abandoned: bool, script_completed: bool) -> Outcome:
    """The outcome of an answered call.

    ``abandoned``: no agent was connected within 2 s of the answer (agent-assisted pacing; the
    callee heard the recorded message).  ``script_completed``: the script or the agent's
    conversation reached its end before the callee hung up.
    """
    if abandoned:
        return Outcome.ABANDONED
    return Outcome.COMPLETED if script_completed else Outcome.HUNG_UP_IN_SCRIPT


def _expect(fields: Mapping[str, str], event: str) -> None:
    if fields.get("Event") != event:
        raise ModelError(f"expected a {event} event, got {fields.get('Event')!r}")


def _integer(fields: Mapping[str, str], name: str) -> int:
    value = fields.get(name, "")
    if not (value.isascii() and value.isdigit()):
        raise ModelError(f"{fields.get('Event')} {name} is {value!r}, not a number")
    return int(value)
