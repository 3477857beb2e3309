"""Circulars (通报): the province publishes a finding to prefectures, and each acknowledges it.

States: ``draft`` → ``published`` → ``acknowledged`` (every recipient has acknowledged); a draft or
a published circular may be ``withdrawn``.  Pure: :func:`transition` returns the next
:class:`Circular` or raises :class:`IllegalMove`.

Rules on top of the table:

* ``acknowledge`` names the prefecture acknowledging: it must be a recipient that has not yet
  acknowledged.  The last acknowledgement moves the circular to ``acknowledged``.
* :func:`awaiting` lists who still has to acknowledge; :func:`late` those past ``ack_due``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from qa.errors import IllegalMove, QaError

__all__ = [
    "TRANSITIONS",
    "Acknowledgement",
    "Circular",
    "CircularEvent",
    "CircularState",
    "awaiting",
    "draft_circular",
    "late",
    "transition",
]


class CircularState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ACKNOWLEDGED = "acknowledged"
    WITHDRAWN = "withdrawn"


class CircularEvent(enum.StrEnum):
    PUBLISH = "publish"
    ACKNOWLEDGE = "acknowledge"
    WITHDRAW = "withdraw"


S, E = CircularState, CircularEvent

# (state, event) -> next state, before the last-acknowledgement rule
TRANSITIONS: dict[tuple[CircularState, CircularEvent], CircularState] = {
    (S.DRAFT, E.PUBLISH): S.PUBLISHED,
    (S.DRAFT, E.WITHDRAW): S.WITHDRAWN,
    (S.PUBLISHED, E.ACKNOWLEDGE): S.PUBLISHED,
    (S.PUBLISHED, E.WITHDRAW): S.WITHDRAWN,
}


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    prefecture: str
    by: str
    at: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class Circular:
    circular_id: str
    title: str
    body: str
    author: str
    recipients: frozenset[str]  # prefecture codes
    created_at: datetime
    state: CircularState = S.DRAFT
    ack_due: datetime | None = None
    score_ids: tuple[str, ...] = ()  # the scores the finding rests on, if any
    published_at: datetime | None = None
    published_by: str | None = None
    withdrawn_at: datetime | None = None
    acknowledgements: tuple[Acknowledgement, ...] = ()
    version: int = 0


def draft_circular(
    circular_id: str,
    *,
    title: str,
    body: str,
    author: str,
    recipients: frozenset[str],
    now: datetime,
    ack_due: datetime | None = None,
    score_ids: tuple[str, ...] = (),
) -> Circular:
    problems = [p for p, bad in (("a title", not title.strip()), ("a body", not body.strip())) if bad]
    if not recipients:
        problems.append("at least one prefecture")
    if problems:
        raise QaError(f"circular {circular_id} needs " + ", ".join(problems))
    if ack_due is not None and ack_due <= now:
        raise QaError(f"circular {circular_id}: the acknowledgement due time is already past")
    return Circular(circular_id, title, body, author, recipients, now, ack_due=ack_due, score_ids=score_ids)


def transition(
    circular: Circular,
    event: CircularEvent,
    now: datetime,
    *,
    actor: str,
    prefecture: str | None = None,
    note: str = "",
) -> Circular:
    """The circular after ``actor`` does ``event`` at ``now``; ``prefecture`` says who acknowledges."""
    what = f"circular {circular.circular_id}"
    target = TRANSITIONS.get((circular.state, event))
    if target is None:
        raise IllegalMove(what, circular.state.value, event.value)
    version = circular.version + 1
    if event is E.PUBLISH:
        if circular.ack_due is not None and circular.ack_due <= now:
            raise IllegalMove(what, circular.state.value, event.value, "its acknowledgement due time is past")
        return replace(circular, state=target, published_at=now, published_by=actor, version=version)
    if event is E.WITHDRAW:
        return replace(circular, state=target, withdrawn_at=now, version=version)
    if prefecture is None or prefecture not in circular.recipients:
        raise IllegalMove(what, circular.state.value, event.value, f"{prefecture!r} is not a recipient")
    if prefecture not in awaiting(circular):
        raise IllegalMove(what, circular.state.value, event.value, f"{prefecture} has already acknowledged")
    acks = (*circular.acknowledgements, Acknowledgement(prefecture, actor, now, note))
    done = {a.prefecture for a in acks} == circular.recipients
    return replace(circular, state=S.ACKNOWLEDGED if done else target, acknowledgements=acks, version=version)


def awaiting(circular: Circular) -> frozenset[str]:
    """The recipients that have not acknowledged (none while a draft or once withdrawn)."""
    if circular.state is not S.PUBLISHED:
        return frozenset()
    return circular.recipients - {a.prefecture for a in circular.acknowledgements}


def late(circular: Circular, now: datetime) -> frozenset[str]:
    """The recipients still to acknowledge after ``ack_due``."""
    if circular.ack_due is None or now <= circular.ack_due:
        return frozenset()
    return awaiting(circular)
