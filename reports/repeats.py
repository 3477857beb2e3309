"""Is a new complaint a repeat (重复投诉), and of which kind?  Seed 003's three kinds:

1. ``NOT_ANSWERED_IN_TIME`` — 在投诉处理时限内未答复客户: the same customer complains again about
   the same category after an earlier complaint's time limit passed without a reply by then
   (no reply, or a reply after the limit).
2. ``UNSATISFIED_WITH_RESULT`` — 因客户不满意处理结果而再次投诉: the same customer complains again
   about the same category within ``window`` of being told the result (replied within the limit).
3. ``SAME_PERSON_SAME_TYPE`` — 个人造成的同类型投诉: a complaint of the same category caused by the
   same person (``responsible``) as an earlier one within ``window``, whoever the customer.

A customer calling again about a complaint of the same category still inside its time limit and not
yet replied to is chasing it (追单), not repeating it: no kind is given then.  Otherwise, when
several earlier complaints match, the kinds are tried in the order above and the most recent
match is the predecessor.  Only complaints created within ``window`` before the new one are
considered (default 30 days).

The caller passes the customer's earlier tickets and, when the new complaint names the person
responsible, that person's earlier complaints; others are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from reports.tickets import RepeatKind, TicketFact, TicketKind

__all__ = ["DEFAULT_WINDOW", "RepeatMatch", "classify_repeat"]

DEFAULT_WINDOW = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class RepeatMatch:
    kind: RepeatKind
    predecessor: str  # ticket id


def classify_repeat(
    new: TicketFact, earlier: Iterable[TicketFact], window: timedelta = DEFAULT_WINDOW
) -> RepeatMatch | None:
    """The repeat kind of ``new`` and its predecessor, or None when it is a first complaint."""
    if new.kind is not TicketKind.COMPLAINT:
        return None
    candidates = sorted(
        (
            t
            for t in earlier
            if t.kind is TicketKind.COMPLAINT
            and t.ticket_id != new.ticket_id
            and t.category == new.category
            and new.created_at - window <= t.created_at < new.created_at
        ),
        key=lambda t: t.created_at,
        reverse=True,
    )

    def same_customer(t: TicketFact) -> bool:
        return t.customer == new.customer

    def not_answered_in_time(t: TicketFact) -> bool:
        if t.due_at is None or t.due_at >= new.created_at:
            return False
        return t.replied_at is None or t.replied_at > t.due_at

    def unsatisfied(t: TicketFact) -> bool:
        if t.replied_at is None or t.replied_at > new.created_at:
            return False
        return new.created_at - t.replied_at <= window

    def chasing(t: TicketFact) -> bool:  # 追单: the earlier one is still within its limit, unanswered
        unanswered = t.replied_at is None or t.replied_at > new.created_at
        return unanswered and (t.due_at is None or t.due_at >= new.created_at)

    def same_person(t: TicketFact) -> bool:
        return new.responsible is not None and t.responsible == new.responsible

    rules: tuple[tuple[RepeatKind, Callable[[TicketFact], bool]], ...] = (
        (RepeatKind.NOT_ANSWERED_IN_TIME, lambda t: same_customer(t) and not_answered_in_time(t)),
        (RepeatKind.UNSATISFIED_WITH_RESULT, lambda t: same_customer(t) and unsatisfied(t)),
        (RepeatKind.SAME_PERSON_SAME_TYPE, same_person),
    )
    if any(same_customer(t) and chasing(t) for t in candidates):
        return None
    for kind, matches in rules:
        hit = next((t for t in candidates if matches(t)), None)
        if hit is not None:
            return RepeatMatch(kind, hit.ticket_id)
    return None
