"""A :class:`~reports.records.CallRecord` as the rows of ``call_records``, ``call_legs`` and
``call_ivr_nodes`` (:mod:`storage.call_records`), and back.

Besides the record's own fields, a call row carries what a ``GROUP BY`` rebuild needs and what
Asterisk's ``Cdr`` said of the caller's channel (:class:`CdrFacts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reports.periods import Grain, floor
from reports.records import CallLeg, CallOutcome, CallRecord, Direction, Party, Rating

__all__ = ["PATH_SEPARATOR", "CallRows", "CdrFacts", "record_from_rows", "rows_of"]

PATH_SEPARATOR = ">"


@dataclass(frozen=True, slots=True)
class CdrFacts:
    """What Asterisk's ``Cdr`` event and the channel said of the caller's leg."""

    caller_number: str = ""
    duration_s: int | None = None
    billsec_s: int | None = None
    disposition: str | None = None  # ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION
    channel_answered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CallRows:
    call: dict[str, Any]
    legs: list[dict[str, Any]]
    ivr_nodes: list[dict[str, Any]]


def rows_of(record: CallRecord, cdr: CdrFacts, written_at: datetime) -> CallRows:
    first = next((leg for leg in record.legs if leg.answered), None)
    last = record.last_agent_leg
    call = {
        "call_id": record.call_id,
        "direction": str(record.direction),
        "prefecture": record.prefecture,
        "arrived_at": record.arrived_at,
        "interval_start": floor(record.arrived_at, Grain.QUARTER_HOUR),
        "day_start": floor(record.arrived_at, Grain.DAY),
        "ivr_ended_at": record.ivr_ended_at,
        "queued_at": record.queued_at,
        "hung_up_at": record.hung_up_at,
        "skill": record.skill,
        "outcome": str(record.outcome),
        "hung_up_by": str(record.hung_up_by),
        "cause": record.cause,
        "segment": record.segment,
        "self_served": record.self_served,
        "ivr_path": PATH_SEPARATOR.join(record.ivr_path),
        "ivr_exit_node": record.ivr_exit_node or "",
        "disposition": record.disposition,
        "rating": None if record.rating is None else str(record.rating),
        "campaign": record.campaign,
        "caller_number": cdr.caller_number,
        "answered_at": record.answered_at,
        "first_agent": first.agent if first else "",
        "first_skill": first.skill if first else "",
        "last_agent": last.agent if last else "",
        "last_skill": last.skill if last else "",
        "queue_wait_ms": record.queue_wait_ms,
        "handle_ms": sum(leg.handle_ms for leg in record.legs),
        "cdr_duration_s": cdr.duration_s,
        "cdr_billsec_s": cdr.billsec_s,
        "cdr_disposition": cdr.disposition,
        "channel_answered_at": cdr.channel_answered_at,
        "written_at": written_at,
    }
    legs = [
        {
            "call_id": record.call_id,
            "seq": i,
            "agent": leg.agent,
            "skill": leg.skill,
            "offered_at": leg.offered_at,
            "answered_at": leg.answered_at,
            "ended_at": leg.ended_at,
            "wrap_up_end": leg.wrap_up_end,
            "hold_ms": leg.hold_ms,
            "talk_ms": leg.talk_ms,
            "wrap_ms": leg.wrap_ms,
            "transferred": leg.transferred,
            "escalated": leg.escalated,
        }
        for i, leg in enumerate(record.legs)
    ]
    nodes = [
        {"call_id": record.call_id, "node": node, "seq": i}
        for i, node in enumerate(dict.fromkeys(record.ivr_path))
    ]
    return CallRows(call, legs, nodes)


def record_from_rows(call: Mapping[str, Any], legs: Sequence[Mapping[str, Any]]) -> CallRecord:
    """The record back from its rows (legs in ``seq`` order)."""
    rating = call["rating"]
    path = call["ivr_path"]
    return CallRecord(
        call_id=call["call_id"],
        direction=Direction(call["direction"]),
        prefecture=call["prefecture"],
        arrived_at=call["arrived_at"],
        hung_up_at=call["hung_up_at"],
        outcome=CallOutcome(call["outcome"]),
        hung_up_by=Party(call["hung_up_by"]),
        cause=call["cause"],
        ivr_ended_at=call["ivr_ended_at"],
        queued_at=call["queued_at"],
        skill=call["skill"],
        legs=tuple(
            CallLeg(
                agent=leg["agent"],
                skill=leg["skill"],
                offered_at=leg["offered_at"],
                ended_at=leg["ended_at"],
                answered_at=leg["answered_at"],
                hold_ms=leg["hold_ms"],
                wrap_up_end=leg["wrap_up_end"],
                transferred=leg["transferred"],
                escalated=leg["escalated"],
            )
            for leg in sorted(legs, key=lambda leg: leg["seq"])
        ),
        segment=call["segment"],
        self_served=call["self_served"],
        ivr_path=tuple(path.split(PATH_SEPARATOR)) if path else (),
        disposition=call["disposition"],
        rating=None if rating is None else Rating(rating),
        campaign=call["campaign"],
    )
