"""Who is calling (or whose account the caller asks about): a snapshot of the customer record,
taken once, so the rest of the call never waits on the database for it."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.handoff import Segment
from prompts.language import Language
from storage.customers import Customer


@dataclass(frozen=True, slots=True)
class CallerProfile:
    number: str
    prefecture: str
    segment: Segment = Segment.NORMAL
    language: Language | None = None
    customer_id: int | None = None
    account_id: int | None = None
    name: str = ""
    important: bool = False

    @property
    def known(self) -> bool:
        return self.customer_id is not None

    @property
    def needs_senior_for_complaints(self) -> bool:
        return self.important or self.segment in (Segment.VIP, Segment.PRIVATE_LINE)

    @classmethod
    def unknown(cls, number: str, prefecture: str) -> CallerProfile:
        return cls(number=number, prefecture=prefecture)

    @classmethod
    def from_customer(cls, customer: Customer) -> CallerProfile:
        return cls(
            number=customer.number,
            prefecture=customer.prefecture,
            segment=customer.segment,
            language=customer.language,
            customer_id=customer.id,
            account_id=customer.account_id,
            name=customer.name,
            important=customer.important,
        )
