"""A simulated day of traffic for three prefectures: random but reproducible raw rows."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from reports.agent_time import AgentState, AgentStateSpan, QaScore
from reports.records import CallLeg, CallOutcome, CallRecord, Direction, Party, Rating

from .dataset import PREFECTURES, at

DAY = at("2024-03-01T00:00:00")
PATHS = (
    ("identify", "main", "consult"),
    ("identify", "main", "bill", "bill_read"),
    ("identify", "main", "complaint"),
    ("identify", "main", "fault", "main", "consult"),
)


def _ms(n: int) -> timedelta:
    return timedelta(milliseconds=n)


def _inbound(rng: random.Random, n: int) -> CallRecord:
    prefecture = rng.choice(PREFECTURES)
    arrived = DAY + _ms(rng.randrange(86_400_000))
    path = rng.choice(PATHS)
    ivr_end = arrived + _ms(rng.randrange(1, 60_000))
    roll = rng.random()
    common = {
        "call_id": f"C{n}",
        "direction": Direction.INBOUND,
        "prefecture": prefecture,
        "arrived_at": arrived,
    }
    if roll < 0.15:
        served = roll < 0.1
        return CallRecord(
            **common,
            hung_up_at=ivr_end,
            ivr_ended_at=ivr_end,
            outcome=CallOutcome.SELF_SERVED if served else CallOutcome.ABANDONED_IN_IVR,
            hung_up_by=Party.CALLER,
            self_served=served,
            ivr_path=path,
        )
    skill = rng.choice(("consult", "complaint", "vip"))
    wait = rng.choice((rng.randrange(0, 180_000), 20_000, 4_999, 5_000))
    if rng.random() < 0.2:
        return CallRecord(
            **common,
            hung_up_at=ivr_end + _ms(wait),
            ivr_ended_at=ivr_end,
            queued_at=ivr_end,
            skill=skill,
            outcome=CallOutcome.ABANDONED_IN_QUEUE,
            hung_up_by=Party.CALLER,
            ivr_path=path,
        )
    answered = ivr_end + _ms(wait)
    legs: list[CallLeg] = []
    offered = answered - _ms(rng.randrange(0, min(wait, 15_000) + 1))
    for index in range(rng.choice((1, 1, 1, 2))):
        connected = rng.randrange(10_000, 900_000)
        end = answered + _ms(connected)
        more = index == 0 and rng.random() < 0.2
        agent = f"{prefecture[:2]}{rng.randrange(8)}"
        legs.append(
            CallLeg(
                agent if index == 0 else f"senior-{prefecture[:2]}",
                skill if index == 0 else "senior",
                offered,
                end,
                answered,
                rng.randrange(0, connected // 2),
                end + _ms(rng.randrange(0, 120_000)) if rng.random() < 0.8 else None,
                transferred=more,
                escalated=more and rng.random() < 0.5,
            )
        )
        if not more:
            break
        offered = answered = end
    return CallRecord(
        **common,
        hung_up_at=legs[-1].ended_at,
        ivr_ended_at=ivr_end,
        queued_at=ivr_end,
        skill=skill,
        legs=tuple(legs),
        outcome=CallOutcome.ANSWERED,
        hung_up_by=rng.choice((Party.CALLER, Party.AGENT)),
        ivr_path=path,
        rating=rng.choice((None, None, *Rating)),
    )


def _outbound(rng: random.Random, n: int) -> CallRecord:
    dialled = DAY + _ms(rng.randrange(86_400_000))
    outcome = rng.choice(
        sorted(
            o
            for o in CallOutcome
            if o.value in {"contacted", "no_answer", "busy", "unreachable", "dialer_abandoned"}
        )
    )
    legs: tuple[CallLeg, ...] = ()
    if outcome is CallOutcome.CONTACTED:
        legs = (CallLeg("ob1", "outbound", dialled, dialled + _ms(60_000), dialled + _ms(1_000)),)
    return CallRecord(
        f"O{n}",
        Direction.OUTBOUND,
        rng.choice(PREFECTURES),
        dialled,
        dialled + _ms(60_000),
        outcome,
        Party.SYSTEM,
        legs=legs,
        campaign=rng.choice(("collection", "callback")),
        disposition=rng.choice((None, "promise_to_pay")),
    )


def records(seed: int = 12, inbound: int = 1500, outbound: int = 300) -> list[CallRecord]:
    rng = random.Random(seed)
    return [_inbound(rng, n) for n in range(inbound)] + [_outbound(rng, n) for n in range(outbound)]


def state_spans(seed: int = 12) -> list[AgentStateSpan]:
    rng = random.Random(seed)
    spans = []
    for prefecture in PREFECTURES:
        for k in range(4):
            t: datetime = DAY + _ms(rng.randrange(3_600_000))
            for _ in range(200):
                end = t + _ms(rng.randrange(1, 1_200_000))
                spans.append(
                    AgentStateSpan(f"{prefecture[:2]}{k}", prefecture, rng.choice(list(AgentState)), t, end)
                )
                t = end
    return spans


def qa_scores(seed: int = 12) -> list[QaScore]:
    rng = random.Random(seed)
    return [
        QaScore(f"{p[:2]}{rng.randrange(4)}", p, DAY + _ms(rng.randrange(86_400_000)), rng.randrange(101))
        for p in PREFECTURES
        for _ in range(20)
    ]
