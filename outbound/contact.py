"""A person on a campaign's list, and the table of legal moves of its status.

::

    pending ──claim──▶ dialling ──complete──▶ completed
       ▲ ◀──retry / release──┘  ├──give_up──▶ gave_up
       │                        ├──reject_number──▶ invalid_number
       └────────block───────────┴──block──▶ do_not_call

``claim`` is taken by exactly one node (storage does that atomically); ``release`` gives a
claimed contact back when the attempt never started (the node stopped before its Originate), so it
counts no attempt; ``retry`` ends an attempt that will be tried again at ``next_attempt_at``.
Which event an attempt's outcome leads to is :func:`outbound.retry.after_attempt`'s business.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from outbound.errors import IllegalTransition, ModelError
from outbound.outcomes import Outcome
from outbound.phone_number import normalize_number

__all__ = ["CONTACT_TRANSITIONS", "Contact", "ContactEvent", "ContactStatus", "contact_transition"]


class ContactStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    DIALLING = "dialling"  # claimed by a node; an attempt is under way
    COMPLETED = "completed"  # reached, and the script or conversation ran to its end
    GAVE_UP = "gave_up"  # attempts exhausted, or an outcome that is not retried
    DO_NOT_CALL = "do_not_call"  # on the do-not-call list when its turn came
    INVALID_NUMBER = "invalid_number"

    @property
    def final(self) -> bool:
        return self not in (ContactStatus.PENDING, ContactStatus.DIALLING)


class ContactEvent(enum.StrEnum):
    CLAIM = "claim"
    RELEASE = "release"
    RETRY = "retry"
    COMPLETE = "complete"
    GIVE_UP = "give_up"
    REJECT_NUMBER = "reject_number"
    BLOCK = "block"


_S = ContactStatus
_E = ContactEvent

CONTACT_TRANSITIONS: dict[tuple[ContactStatus, ContactEvent], ContactStatus] = {
    (_S.PENDING, _E.CLAIM): _S.DIALLING,
    (_S.PENDING, _E.BLOCK): _S.DO_NOT_CALL,
    (_S.DIALLING, _E.RELEASE): _S.PENDING,
    (_S.DIALLING, _E.RETRY): _S.PENDING,
    (_S.DIALLING, _E.COMPLETE): _S.COMPLETED,
    (_S.DIALLING, _E.GIVE_UP): _S.GAVE_UP,
    (_S.DIALLING, _E.REJECT_NUMBER): _S.INVALID_NUMBER,
    (_S.DIALLING, _E.BLOCK): _S.DO_NOT_CALL,
}


@dataclass(frozen=True, slots=True)
class Contact:
    """One entry of a campaign's list.

    ``number`` is stored normalized (:func:`~outbound.phone_number.normalize_number`);
    ``reference`` is what the call is about: the ticket number of a 回访, the account of an
    arrears reminder.  ``extra`` holds the campaign kind's optional columns as ``(name, value)``
    pairs.  ``attempts`` counts the attempts dialled so far.
    """

    number: str
    name: str
    prefecture: str
    reference: str
    extra: tuple[tuple[str, str], ...] = ()
    attempts: int = 0
    status: ContactStatus = ContactStatus.PENDING
    next_attempt_at: datetime | None = None  # None: as soon as the rules allow
    last_attempt_at: datetime | None = None
    last_outcome: Outcome | None = None
    version: int = 0

    def __post_init__(self) -> None:
        if normalize_number(self.number) != self.number:
            raise ModelError(
                f"store the number normalized: {normalize_number(self.number)!r}, not {self.number!r}"
            )
        for label, value in (
            ("name", self.name),
            ("prefecture", self.prefecture),
            ("reference", self.reference),
        ):
            if not value.strip():
                raise ModelError(f"contact {self.number} has no {label}")
        if self.attempts < 0:
            raise ModelError("attempts cannot be negative")
        for moment in (self.next_attempt_at, self.last_attempt_at):
            if moment is not None and moment.tzinfo is None:
                raise ModelError("contact times must carry a time zone")

    def extra_value(self, column: str) -> str | None:
        return next((value for name, value in self.extra if name == column), None)

    def due(self, at: datetime) -> bool:
        """Whether the contact waits for an attempt and its next-attempt time has come."""
        if self.status is not ContactStatus.PENDING:
            return False
        return self.next_attempt_at is None or self.next_attempt_at <= at


def contact_transition(contact: Contact, event: ContactEvent) -> Contact:
    """The contact with its status moved by ``event`` (other fields unchanged, ``version`` + 1)."""
    target = CONTACT_TRANSITIONS.get((contact.status, event))
    if target is None:
        raise IllegalTransition(f"contact {contact.number}", contact.status.value, event.value)
    return replace(contact, status=target, version=contact.version + 1)
