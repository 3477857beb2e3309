from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from outbound.contact import CONTACT_TRANSITIONS, Contact, ContactEvent, ContactStatus, contact_transition
from outbound.errors import IllegalTransition, InvalidNumber, ModelError

S, E = ContactStatus, ContactEvent
AT = datetime(2025, 10, 9, 2, 0, tzinfo=UTC)

EXPECTED = {
    (S.PENDING, E.CLAIM): S.DIALLING,
    (S.PENDING, E.BLOCK): S.DO_NOT_CALL,
    (S.DIALLING, E.RELEASE): S.PENDING,
    (S.DIALLING, E.RETRY): S.PENDING,
    (S.DIALLING, E.COMPLETE): S.COMPLETED,
    (S.DIALLING, E.GIVE_UP): S.GAVE_UP,
    (S.DIALLING, E.REJECT_NUMBER): S.INVALID_NUMBER,
    (S.DIALLING, E.BLOCK): S.DO_NOT_CALL,
}


def contact(**changes: object) -> Contact:
    fields: dict[str, object] = {
        "number": "13812345678",
        "name": "张三",
        "prefecture": "长沙",
        "reference": "T-2025-0001",
    }
    fields.update(changes)
    return Contact(**fields)  # type: ignore[arg-type]


def test_the_table_is_the_documented_one() -> None:
    assert CONTACT_TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("status", "event"), list(itertools.product(ContactStatus, ContactEvent)))
def test_every_status_and_event(status: ContactStatus, event: ContactEvent) -> None:
    before = contact(status=status, version=7, attempts=2)
    if (status, event) in EXPECTED:
        after = contact_transition(before, event)
        assert (after.status, after.version, after.attempts) == (EXPECTED[status, event], 8, 2)
    else:
        with pytest.raises(IllegalTransition, match="contact 13812345678"):
            contact_transition(before, event)


def test_final_statuses() -> None:
    assert {s for s in ContactStatus if not s.final} == {S.PENDING, S.DIALLING}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"number": "138 1234 5678"}, "normalized: '13812345678'"),
        ({"name": ""}, "no name"),
        ({"prefecture": " "}, "no prefecture"),
        ({"reference": ""}, "no reference"),
        ({"attempts": -1}, "negative"),
        ({"next_attempt_at": datetime(2025, 10, 9, 10, 0)}, "time zone"),
    ],
)
def test_bad_contacts(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        contact(**changes)


def test_a_bad_number_is_refused_with_its_reason() -> None:
    with pytest.raises(InvalidNumber, match="area code"):
        contact(number="65123456")


def test_due() -> None:
    assert contact().due(AT)
    assert contact(next_attempt_at=AT).due(AT)
    assert not contact(next_attempt_at=datetime(2025, 10, 9, 2, 0, 1, tzinfo=UTC)).due(AT)
    assert not contact(status=S.DIALLING).due(AT)
    assert not contact(status=S.COMPLETED).due(AT)


def test_extra_values() -> None:
    c = contact(extra=(("amount_due", "58.30"), ("due_date", "2025-09-30")))
    assert c.extra_value("amount_due") == "58.30"
    assert c.extra_value("agent") is None
