"""The small fixed data set the report tests compute by hand (values in docs/reports.md terms).

Friday 2024-03-01, local time.  Lanzhou has eight inbound calls, Tianshui two, Jiuquan none:

=====  ========  =====================================================================
call   arrives   what happens
=====  ========  =====================================================================
L1     09:00:00  queued 09:00:30, a1 answers 09:00:50 (wait exactly 20 s), 180 s connected
                 with 30 s hold, 30 s wrap-up; rated 满意
L2     09:05:00  queued 09:05:10, a2 answers 09:05:30.5 (wait 20.5 s), 120 s, 10 s wrap-up;
                 rated 基本满意
L3     09:10:00  queued 09:10:20, caller hangs up 09:10:23 (3 s: a short abandon)
L4     09:20:00  queued 09:20:15, caller hangs up 09:21:15 (60 s)
L5     09:30:00  bill read out in the IVR, self-served, ends 09:31:00
L6     09:40:00  hangs up in the main menu 09:40:20
L7     23:58:00  queued 23:58:10, a1 answers 23:58:20 (10 s), talks 420 s, escalates to s1
                 (senior) who answers 00:05:30 next day, 300 s with 60 s hold, 60 s wrap-up;
                 a1 wraps up 30 s; rated 不满意 (given to s1).  Spans midnight.
L8     10:00:00  queued 10:00:05, a2 does not answer (rings 15 s), a1 answers 10:00:25 (wait
                 exactly 20 s), 120 s, no wrap-up
T1     08:00:00  (given in UTC) queued 08:00:05, b1 answers 08:00:10, 300 s, 30 s wrap-up
T2     07:59:59  (given in UTC: 2024-02-29T23:59:59Z, local 1 March) queued 08:00:04, hangs up
                 08:00:09 (exactly 5 s: not a short abandon)
=====  ========  =====================================================================
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from reports.agent_time import AgentState, AgentStateSpan, QaScore
from reports.periods import SHANGHAI
from reports.records import CallLeg, CallOutcome, CallRecord, Direction, Party, Rating
from reports.tickets import RepeatKind, Severity, SurveyResult, TicketFact, TicketKind

PREFECTURES = ("lanzhou", "tianshui", "jiuquan")


def at(text: str) -> datetime:
    """A local (Asia/Shanghai) time, or a UTC one when the text ends in Z."""
    if text.endswith("Z"):
        return datetime.fromisoformat(text)
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def s(n: float) -> timedelta:
    return timedelta(seconds=n)


def _answered(
    call_id: str,
    prefecture: str,
    arrived: datetime,
    queued_after: float,
    legs: tuple[CallLeg, ...],
    hung_up: datetime,
    path: tuple[str, ...],
    rating: Rating | None = None,
) -> CallRecord:
    queued = arrived + s(queued_after)
    return CallRecord(
        call_id=call_id,
        direction=Direction.INBOUND,
        prefecture=prefecture,
        arrived_at=arrived,
        hung_up_at=hung_up,
        outcome=CallOutcome.ANSWERED,
        hung_up_by=Party.CALLER,
        ivr_ended_at=queued,
        queued_at=queued,
        skill="consult",
        legs=legs,
        ivr_path=path,
        rating=rating,
        disposition="resolved",
    )


def _abandoned(
    call_id: str, prefecture: str, arrived: datetime, queued: datetime, gone: datetime
) -> CallRecord:
    return CallRecord(
        call_id=call_id,
        direction=Direction.INBOUND,
        prefecture=prefecture,
        arrived_at=arrived,
        hung_up_at=gone,
        outcome=CallOutcome.ABANDONED_IN_QUEUE,
        hung_up_by=Party.CALLER,
        ivr_ended_at=queued,
        queued_at=queued,
        skill="complaint" if call_id == "L3" else "consult",
        ivr_path=("identify", "main", "complaint" if call_id == "L3" else "consult"),
    )


TO_CONSULT = ("identify", "main", "consult")


def calls() -> list[CallRecord]:
    l1 = at("2024-03-01T09:00:00")
    l2 = at("2024-03-01T09:05:00")
    l7 = at("2024-03-01T23:58:00")
    l8 = at("2024-03-01T10:00:00")
    t1 = at("2024-03-01T00:00:00Z")
    t2 = at("2024-02-29T23:59:59Z")
    return [
        _answered(
            "L1",
            "lanzhou",
            l1,
            30,
            (CallLeg("a1", "consult", l1 + s(45), l1 + s(230), l1 + s(50), 30_000, l1 + s(260)),),
            l1 + s(230),
            TO_CONSULT,
            Rating.SATISFIED,
        ),
        _answered(
            "L2",
            "lanzhou",
            l2,
            10,
            (CallLeg("a2", "consult", l2 + s(25), l2 + s(150.5), l2 + s(30.5), 0, l2 + s(160.5)),),
            l2 + s(150.5),
            TO_CONSULT,
            Rating.BASICALLY_SATISFIED,
        ),
        _abandoned(
            "L3", "lanzhou", at("2024-03-01T09:10:00"), at("2024-03-01T09:10:20"), at("2024-03-01T09:10:23")
        ),
        _abandoned(
            "L4", "lanzhou", at("2024-03-01T09:20:00"), at("2024-03-01T09:20:15"), at("2024-03-01T09:21:15")
        ),
        CallRecord(
            call_id="L5",
            direction=Direction.INBOUND,
            prefecture="lanzhou",
            arrived_at=at("2024-03-01T09:30:00"),
            hung_up_at=at("2024-03-01T09:31:00"),
            ivr_ended_at=at("2024-03-01T09:31:00"),
            outcome=CallOutcome.SELF_SERVED,
            hung_up_by=Party.CALLER,
            self_served=True,
            ivr_path=("identify", "main", "bill", "bill_read"),
        ),
        CallRecord(
            call_id="L6",
            direction=Direction.INBOUND,
            prefecture="lanzhou",
            arrived_at=at("2024-03-01T09:40:00"),
            hung_up_at=at("2024-03-01T09:40:20"),
            outcome=CallOutcome.ABANDONED_IN_IVR,
            hung_up_by=Party.CALLER,
            ivr_path=("identify", "main"),
        ),
        _answered(
            "L7",
            "lanzhou",
            l7,
            10,
            (
                CallLeg(
                    "a1",
                    "consult",
                    l7 + s(15),
                    l7 + s(440),
                    l7 + s(20),
                    0,
                    l7 + s(470),
                    transferred=True,
                    escalated=True,
                ),
                CallLeg("s1", "senior", l7 + s(440), l7 + s(750), l7 + s(450), 60_000, l7 + s(810)),
            ),
            l7 + s(750),
            TO_CONSULT,
            Rating.UNSATISFIED,
        ),
        _answered(
            "L8",
            "lanzhou",
            l8,
            5,
            (
                CallLeg("a2", "consult", l8 + s(6), l8 + s(21)),
                CallLeg("a1", "consult", l8 + s(21), l8 + s(145), l8 + s(25)),
            ),
            l8 + s(145),
            ("identify", "main", "fault", "main", "consult"),
        ),
        _answered(
            "T1",
            "tianshui",
            t1,
            5,
            (CallLeg("b1", "consult", t1 + s(7), t1 + s(310), t1 + s(10), 0, t1 + s(340)),),
            t1 + s(310),
            TO_CONSULT,
        ),
        CallRecord(
            call_id="T2",
            direction=Direction.INBOUND,
            prefecture="tianshui",
            arrived_at=t2,
            hung_up_at=t2 + s(10),
            outcome=CallOutcome.ABANDONED_IN_QUEUE,
            hung_up_by=Party.CALLER,
            ivr_ended_at=t2 + s(5),
            queued_at=t2 + s(5),
            skill="consult",
            ivr_path=TO_CONSULT,
        ),
    ]


def outbound_calls() -> list[CallRecord]:
    """Lanzhou, 2024-03-01 14:00 on: six collection attempts, one satisfaction callback."""
    start = at("2024-03-01T14:00:00")

    def attempt(
        n: int, outcome: CallOutcome, campaign: str = "collection", disposition: str | None = None
    ) -> CallRecord:
        dialled = start + timedelta(minutes=n)
        contacted = outcome is CallOutcome.CONTACTED
        legs = (
            CallLeg("a1", "outbound", dialled + s(10), dialled + s(70), dialled + s(10), 0, dialled + s(90)),
        )
        return CallRecord(
            call_id=f"O{n}",
            direction=Direction.OUTBOUND,
            prefecture="lanzhou",
            arrived_at=dialled,
            hung_up_at=dialled + s(70 if contacted else 20),
            outcome=outcome,
            hung_up_by=Party.CALLER if contacted else Party.SYSTEM,
            legs=legs if contacted else (),
            campaign=campaign,
            disposition=disposition,
        )

    return [
        attempt(1, CallOutcome.CONTACTED, disposition="promise_to_pay"),
        attempt(2, CallOutcome.NO_ANSWER),
        attempt(3, CallOutcome.BUSY),
        attempt(4, CallOutcome.DIALER_ABANDONED),
        attempt(5, CallOutcome.CONTACTED, disposition="refused"),
        attempt(6, CallOutcome.UNREACHABLE),
        attempt(7, CallOutcome.CONTACTED, campaign="callback"),
    ]


def state_spans() -> list[AgentStateSpan]:
    """Agent a1 in Lanzhou, 08:50 to 09:20: 30 minutes staffed."""
    marks = [
        ("08:50:00", AgentState.AVAILABLE),
        ("09:00:45", AgentState.RESERVED),
        ("09:00:50", AgentState.ON_CALL),
        ("09:03:50", AgentState.WRAP_UP),
        ("09:04:20", AgentState.PAUSED),
        ("09:10:20", AgentState.AVAILABLE),
        ("09:20:00", None),
    ]
    spans = []
    for (begin, state), (end, _) in itertools.pairwise(marks):
        assert state is not None
        spans.append(
            AgentStateSpan("a1", "lanzhou", state, at(f"2024-03-01T{begin}"), at(f"2024-03-01T{end}"))
        )
    return spans


def qa_scores() -> list[QaScore]:
    return [
        QaScore("a1", "lanzhou", at("2024-03-01T09:00:00"), 90),
        QaScore("a1", "lanzhou", at("2024-03-01T10:00:00"), 85),
        QaScore("s1", "lanzhou", at("2024-03-01T23:58:00"), 70),
    ]


def _complaint(
    ticket_id: str, customer: str, category: str, created: str, prefecture: str = "lanzhou", **kw: Any
) -> TicketFact:
    return TicketFact(ticket_id, TicketKind.COMPLAINT, prefecture, customer, category, at(created), **kw)


def tickets() -> list[TicketFact]:
    """March 2024 (and one on leap day), as facts already classified; see test_complaints for how."""
    return [
        _complaint("K0", "c0", "billing_dispute", "2024-02-29T23:30:00"),
        _complaint(
            "K1", "c1", "billing_dispute", "2024-03-01T10:00:00",
            due_at=at("2024-03-02T10:00:00"), replied_at=at("2024-03-01T16:00:00"),
            closed_at=at("2024-03-01T16:00:00"), repeated=True,
        ),
        _complaint(
            "K2", "c1", "billing_dispute", "2024-03-05T09:00:00",
            due_at=at("2024-03-06T09:00:00"), replied_at=at("2024-03-06T08:00:00"),
            closed_at=at("2024-03-06T08:00:00"),
            repeat_kind=RepeatKind.UNSATISFIED_WITH_RESULT, repeat_of="K1",
        ),
        _complaint(
            "K3", "c2", "network_quality", "2024-03-02T09:00:00",
            due_at=at("2024-03-03T09:00:00"), replied_at=at("2024-03-04T12:00:00"),
            closed_at=at("2024-03-04T12:00:00"), repeated=True, severity=Severity.SERIOUS,
        ),
        _complaint(
            "K4", "c2", "network_quality", "2024-03-03T15:00:00",
            due_at=at("2024-03-04T15:00:00"), repeat_kind=RepeatKind.NOT_ANSWERED_IN_TIME, repeat_of="K3",
            escalation_channel="miit", severity=Severity.SERIOUS,
        ),
        _complaint(
            "K5", "c3", "service_attitude", "2024-03-10T10:00:00",
            due_at=at("2024-03-11T10:00:00"), replied_at=at("2024-03-10T12:00:00"),
            closed_at=at("2024-03-10T12:00:00"), responsible="a2",
        ),
        _complaint(
            "K6", "c4", "service_attitude", "2024-03-20T10:00:00",
            due_at=at("2024-03-21T10:00:00"), replied_at=at("2024-03-21T10:00:00"),
            closed_at=at("2024-03-21T10:00:00"), responsible="a2",
            repeat_kind=RepeatKind.SAME_PERSON_SAME_TYPE, repeat_of="K5", escalation_channel="group",
        ),
        TicketFact("S1", TicketKind.SUGGESTION, "lanzhou", "c5", "", at("2024-03-08T10:00:00")),
        TicketFact(
            "F1", TicketKind.FAULT, "lanzhou", "c6", "no_signal", at("2024-03-09T10:00:00"),
            due_at=at("2024-03-10T10:00:00"), closed_at=at("2024-03-10T09:00:00"),
        ),
        _complaint(
            "K8", "c9", "billing_dispute", "2024-03-15T10:00:00", prefecture="tianshui",
            due_at=at("2024-03-16T10:00:00"), replied_at=at("2024-03-15T18:00:00"),
            closed_at=at("2024-03-15T18:00:00"), severity=Severity.SERIOUS,
        ),
    ]  # fmt: skip


def surveys() -> list[SurveyResult]:
    def survey(ticket_id: str, prefecture: str, category: str, when: str, rating: Rating) -> SurveyResult:
        return SurveyResult(ticket_id, prefecture, category, Severity.ORDINARY, at(when), rating)

    return [
        survey("K1", "lanzhou", "billing_dispute", "2024-03-02T10:00:00", Rating.SATISFIED),
        survey("K2", "lanzhou", "billing_dispute", "2024-03-07T10:00:00", Rating.BASICALLY_SATISFIED),
        survey("K5", "lanzhou", "service_attitude", "2024-03-11T10:00:00", Rating.UNSATISFIED),
        survey("K8", "tianshui", "billing_dispute", "2024-03-16T10:00:00", Rating.SATISFIED),
        survey("K6", "lanzhou", "service_attitude", "2024-04-01T10:00:00", Rating.SATISFIED),
    ]


AS_OF = at("2024-04-10T00:00:00")
CUSTOMER_BASE = {"lanzhou": 2000, "tianshui": 1000, "jiuquan": 500}


def ratio(part: float, whole: float, places: int = 6) -> float:
    """A hand-computed rate as reports carry it (rounded to 6 places; per-thousand rates to 4)."""
    return round(part / whole, places)
